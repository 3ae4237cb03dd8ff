"""WSGI entry point for gunicorn: ``gunicorn 'sync_server.wsgi:app'``.

Configuration comes from the environment (``SURVEY_DATABASE_URL``, ``SURVEY_SECRET_KEY``,
``SURVEY_INSTANCE_PATH``, ...); see docs/server.md. The request log is the app's own JSON
access log (:mod:`sync_server.observability`), on standard output unless ``SURVEY_ACCESS_LOG``
names a file (or ``off``); gunicorn writes none of its own (deploy/gunicorn.conf.py).
"""

from __future__ import annotations

import gc

from . import create_app
from .export.cell_worker import start_cell_worker_on_first_request
from .observability import enable_access_log_from_env

app = create_app()
enable_access_log_from_env()  # one JSON line per request, encoded with json.dumps
gc.freeze()  # start-up objects stay for the process's life: out of the collector's full passes
start_cell_worker_on_first_request(app)  # export cells laid out when the server is idle
