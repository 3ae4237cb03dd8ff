"""WSGI entry point for gunicorn: ``gunicorn 'sync_server.wsgi:app'``.

Configuration comes from the environment (``SURVEY_DATABASE_URL``, ``SURVEY_SECRET_KEY``,
``SURVEY_INSTANCE_PATH``, ...); see docs/server.md.
"""

from __future__ import annotations

import gc

from . import create_app
from .export.cell_worker import start_cell_worker_on_first_request

app = create_app()
gc.freeze()  # start-up objects stay for the process's life: out of the collector's full passes
start_cell_worker_on_first_request(app)  # export cells laid out when the server is idle
