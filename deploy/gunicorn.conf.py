"""gunicorn settings for the sync server behind nginx (``gunicorn -c deploy/gunicorn.conf.py
sync_server.wsgi:app``).

Values come from the environment so that the systemd unit's environment file is the one place
an operator edits (see deploy/README.md). Use several workers only with PostgreSQL: SQLite
serialises writers, so on SQLite keep ``SURVEY_GUNICORN_WORKERS=1`` and raise the threads.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path
from typing import Any

# unix:/run/kpk-survey/gunicorn.sock in production (systemd's RuntimeDirectory); the CI test
# binds a loopback port instead.
bind = os.environ.get("SURVEY_BIND", "unix:/run/kpk-survey/gunicorn.sock")
_default_workers = min(4, multiprocessing.cpu_count() + 1)
workers = int(os.environ.get("SURVEY_GUNICORN_WORKERS", str(_default_workers)))
# Threads: a worker keeps answering while one thread streams an export or a pull page.
worker_class = "gthread"
threads = int(os.environ.get("SURVEY_GUNICORN_THREADS", "4"))
# gthread workers beat from their main thread, so a long export does not trip the timeout;
# the timeout only ends a worker that is truly stuck.
timeout = 120
graceful_timeout = 30
keepalive = 5
# nginx holds the client connection; the app reads the client's address and scheme from the
# X-Forwarded-* headers through Werkzeug's ProxyFix (SURVEY_TRUSTED_PROXY_COUNT), not from gunicorn.
forwarded_allow_ips = "127.0.0.1"
# The socket and every file the server writes: readable by the server's user and group only
# (nginx's user joins the group to reach the socket).
umask = 0o007
# Requests larger than nginx lets through never reach gunicorn; these bound headers.
limit_request_line = 8190
limit_request_fields = 100
# Request log: the app's own, one JSON object per line encoded with json.dumps
# (sync_server.wsgi; SURVEY_ACCESS_LOG: "-" for standard output, a file, or "off"). gunicorn's
# access log stays off: its format is a template without JSON escaping, so a client's
# User-Agent could break the line or forge fields.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("SURVEY_LOG_LEVEL", "info")
# The app's module-level start (forms cache, gc.freeze) is shared by the workers; the export
# cell worker thread starts in each worker at its first request, so preloading is safe.
preload_app = True

# Metrics of every worker (prometheus_client's multiprocess mode): each worker writes its counts
# into PROMETHEUS_MULTIPROC_DIR (the systemd unit sets it to a private runtime folder) and
# GET /metrics adds them up. The folder must exist before the preloaded app counts anything.
_METRICS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
if _METRICS_DIR:
    Path(_METRICS_DIR).mkdir(mode=0o700, parents=True, exist_ok=True)


def on_starting(server: Any) -> None:
    """Empty the metrics folder at each start: counts of an earlier run must not be added up
    (a restart is a counter reset to Prometheus)."""
    if not _METRICS_DIR:
        return
    for stale in Path(_METRICS_DIR).glob("*.db"):
        stale.unlink(missing_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    """A worker ended: drop its live gauges (its counters stay, as prometheus_client asks)."""
    if not _METRICS_DIR:
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, _METRICS_DIR)
