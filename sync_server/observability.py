"""Operations' view of the server: Prometheus metrics and one structured log line per request.

* ``GET /metrics`` (Prometheus text format) answers only a scraper holding the bearer token of
  the ``METRICS_TOKEN`` key (environment: ``SURVEY_METRICS_TOKEN``); without a token configured
  it is a 404, so nothing is public by default. With several gunicorn workers every worker
  counts only the requests it serves: ``PROMETHEUS_MULTIPROC_DIR`` (a private folder, emptied
  at each start: deploy/systemd/kpk-survey.service and the hooks of deploy/gunicorn.conf.py)
  makes each worker write its counts there, and ``/metrics`` adds up every worker's
  (prometheus_client's multiprocess mode). A gauge added here needs a ``multiprocess_mode``.
* Counters and histograms: HTTP requests by endpoint and status class, request latency by
  endpoint, pushes and their latency, revisions by push result (stored, duplicate, merged,
  conflict, rejected), conflicts, exports by kind.
* ``sync_server.access`` logger: one JSON object per request (time, method, path without the
  query, endpoint, status, bytes, duration, user, client address as ProxyFix gives it, user
  agent, worker pid), encoded by :func:`json.dumps` (ASCII only), so no client-sent text can
  end a line, break the JSON or add a field. ``survey-server serve`` prints it on standard
  error; under gunicorn :mod:`sync_server.wsgi` turns it on (``SURVEY_ACCESS_LOG``: ``-``,
  the default, for standard output, a file path, or ``off``), and gunicorn writes no access
  log of its own.

The request hooks are the only place the routes are measured, so a route needs no code of its
own to be counted (the push route hands its results over through ``g.push_results``).
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import sys
import time
from typing import Any

from flask import Flask, Response, abort, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

__all__ = [
    "ACCESS_LOG_ENV",
    "access_log",
    "access_record",
    "enable_access_log",
    "enable_access_log_from_env",
    "init_app",
    "metrics_registry",
]

#: The environment variable naming where :mod:`sync_server.wsgi` writes the access log.
ACCESS_LOG_ENV = "SURVEY_ACCESS_LOG"
#: Longest client-sent text kept in an access line (path, user agent): with ASCII-only JSON a
#: line stays below the 4096 bytes a pipe writes in one piece, so workers' lines never mix.
_TEXT_CAP = 256

access_log = logging.getLogger("sync_server.access")

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 120.0)

_registry = CollectorRegistry(auto_describe=True)
HTTP_REQUESTS = Counter(
    "survey_http_requests", "HTTP requests answered", ["endpoint", "status"], registry=_registry
)
HTTP_LATENCY = Histogram(
    "survey_http_request_seconds",
    "Time to answer a request",
    ["endpoint"],
    buckets=_LATENCY_BUCKETS,
    registry=_registry,
)
PUSHES = Counter("survey_pushes", "Push requests answered with results", registry=_registry)
PUSH_LATENCY = Histogram(
    "survey_push_seconds",
    "Time to answer a push request",
    buckets=_LATENCY_BUCKETS,
    registry=_registry,
)
REVISIONS = Counter(
    "survey_revisions", "Pushed revisions by result", ["status"], registry=_registry
)
CONFLICTS = Counter(
    "survey_conflicts", "Pushed revisions whose merge left a conflict", registry=_registry
)
EXPORTS = Counter("survey_exports", "Exports served", ["kind"], registry=_registry)

_EXPORT_KINDS = {"export.export_csv": "csv", "export.export_zip": "zip"}


def enable_access_log(stream: Any = None, path: str | None = None) -> logging.Handler:
    """Print :data:`access_log`'s JSON lines to ``stream`` (standard error by default), or
    append them to the file ``path``; used by ``survey-server serve`` and
    :mod:`sync_server.wsgi`. Returns the handler (a second call adds no second one)."""
    for handler in access_log.handlers:
        if getattr(handler, "_survey_access", False):
            return handler
    handler = (
        logging.FileHandler(path, encoding="ascii") if path else logging.StreamHandler(stream)
    )
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler._survey_access = True  # type: ignore[attr-defined]
    access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)
    access_log.propagate = False
    return handler


def enable_access_log_from_env(environ: Any = None) -> logging.Handler | None:
    """Turn the access log on as ``SURVEY_ACCESS_LOG`` says: unset, empty or ``-``: standard
    output; ``off``: no access log; anything else: the file to append to. Returns the handler
    (``None`` when off)."""
    value = str((os.environ if environ is None else environ).get(ACCESS_LOG_ENV) or "-").strip()
    if value.lower() == "off":
        return None
    if value == "-":
        return enable_access_log(sys.stdout)
    return enable_access_log(path=value)


def _capped(text: str | None) -> str | None:
    if text is None or len(text) <= _TEXT_CAP:
        return text
    return text[:_TEXT_CAP] + "..."


def access_record(response: Response, endpoint: str, elapsed: float) -> dict[str, Any]:
    """The fields of one access line for the current request (plain data, no encoding)."""
    user = getattr(g, "user", None)
    return {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "method": _capped(request.method),
        "path": _capped(request.path),
        "endpoint": endpoint,
        "status": response.status_code,
        "bytes": response.content_length,
        "duration_ms": round(elapsed * 1000, 1),
        "user": getattr(user, "username", None),
        "remote": request.remote_addr,
        "agent": _capped(request.headers.get("User-Agent")),
        "pid": os.getpid(),
    }


def metrics_registry() -> CollectorRegistry:
    """The registry to expose: this process's, or every worker's in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return _registry


def _status_class(status: int) -> str:
    return f"{status // 100}xx"


def _before() -> None:
    g.request_started = time.perf_counter()


def _after(response: Response) -> Response:
    started = g.pop("request_started", None)
    if started is None:  # a request that failed before the hooks ran
        return response
    elapsed = time.perf_counter() - started
    endpoint = request.endpoint or "unknown"
    if endpoint != "metrics":
        HTTP_REQUESTS.labels(endpoint, _status_class(response.status_code)).inc()
        HTTP_LATENCY.labels(endpoint).observe(elapsed)
    results = g.pop("push_results", None)
    if results is not None:
        PUSHES.inc()
        PUSH_LATENCY.observe(elapsed)
        for result in results:
            status = str(result.get("status", "unknown"))
            REVISIONS.labels(status).inc()
            if status == "conflict":
                CONFLICTS.inc()
    kind = _EXPORT_KINDS.get(endpoint)
    if kind and response.status_code == 200:
        EXPORTS.labels(kind).inc()
    if access_log.isEnabledFor(logging.INFO):
        # json.dumps escapes quotes, backslashes and every control character, and ASCII only
        # leaves no Unicode line separator (U+2028, U+0085) raw: one line, fields as sent
        access_log.info(json.dumps(access_record(response, endpoint, elapsed), ensure_ascii=True))
    return response


def _metrics() -> Response:
    token = str(_current_app_config().get("METRICS_TOKEN") or "")
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return Response(
            "metrics need the scraper's bearer token\n",
            status=401,
            mimetype="text/plain",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Response(
        generate_latest(metrics_registry()),
        mimetype=CONTENT_TYPE_LATEST,
        headers={"Cache-Control": "no-store"},
    )


def _current_app_config() -> Any:
    from flask import current_app

    return current_app.config


def init_app(app: Flask) -> None:
    """Measure every request of ``app`` and add ``GET /metrics``."""
    app.before_request(_before)
    app.after_request(_after)
    app.add_url_rule("/metrics", "metrics", _metrics, methods=["GET"])
