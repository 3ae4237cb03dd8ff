"""Metrics and request logs in the documented production setup: gunicorn with two workers,
run with deploy/gunicorn.conf.py and the environment of deploy/systemd/kpk-survey.service.

* ``/metrics`` adds up every worker's counts (prometheus_client's multiprocess mode through
  ``PROMETHEUS_MULTIPROC_DIR``): after N pushes spread over both workers, every scrape says N.
  Counts left in the folder by an earlier run are dropped at start (gunicorn's ``on_starting``).
* The request log is the app's JSON access log on standard output (sync_server/wsgi.py), and
  gunicorn writes no access line of its own: a client's User-Agent and path with quotes,
  backslashes, line-separator characters and JSON of its own give lines that ``json.loads``
  reads, with the client's text in its own field and no field forged.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sync_server.db import make_engine, write_tx
from sync_server.forms_store import publish_file
from sync_server.migrate import upgrade
from sync_server.users import create_user
from tests.support.fixtures import PG_ENV
from tests.support.processes import wait_until_up
from tests.sync_server.helpers import PASSWORD, make_revision
from tests.sync_server.services import FORMS_DIR

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
GUNICORN = Path(sys.executable).with_name("gunicorn")
TOKEN = "scrape-token-for-the-test"
UNIT = DEPLOY / "systemd" / "kpk-survey.service"
ACCESS_FIELDS = {
    "time", "method", "path", "endpoint", "status", "bytes", "duration_ms", "user", "remote",
    "agent", "pid",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def _database(backend: str, folder: Path) -> Iterator[str]:
    """A fresh SQLite file, or a fresh PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'survey.sqlite3'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set")
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _unit_metrics_dir() -> str:
    """The PROMETHEUS_MULTIPROC_DIR the systemd unit sets (and its RuntimeDirectory makes)."""
    unit = UNIT.read_text("utf-8")
    match = re.search(r"^Environment=PROMETHEUS_MULTIPROC_DIR=(\S+)$", unit, re.MULTILINE)
    assert match, "the unit does not set PROMETHEUS_MULTIPROC_DIR"
    runtime = re.search(r"^RuntimeDirectory=(.+)$", unit, re.MULTILINE)
    assert runtime, "the unit has no RuntimeDirectory"
    made = {f"/run/{name}" for name in runtime.group(1).split()}
    assert match.group(1) in made, "PROMETHEUS_MULTIPROC_DIR is not a runtime directory"
    return match.group(1)


def _stale_counts(folder: Path) -> None:
    """Counts an earlier run left behind (a process that is gone): 1000 pushes."""
    from prometheus_client.mmap_dict import MmapedDict, mmap_key

    from sync_server.observability import PUSHES

    stale = MmapedDict(str(folder / "counter_4242.db"))
    key = mmap_key(PUSHES._name, PUSHES._name + "_total", [], [], PUSHES._documentation)
    stale.write_value(key, 1000.0, 0.0)
    stale.close()


@dataclass
class Gunicorn:
    url: str
    stdout: Path
    stderr: Path


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def gunicorn(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Gunicorn]:
    if not GUNICORN.exists():
        pytest.skip("gunicorn is not installed (pip install '.[postgres]')")
    folder = tmp_path_factory.mktemp(f"gunicorn-{request.param}")
    assert _unit_metrics_dir().startswith("/run/")
    metrics_dir = folder / "run" / "metrics"  # stands for the unit's /run/kpk-survey/metrics
    metrics_dir.mkdir(parents=True)
    _stale_counts(metrics_dir)
    with _database(request.param, folder) as url:
        engine = make_engine(url)
        upgrade(engine)
        with write_tx(engine) as conn:
            publish_file(conn, FORMS_DIR / "mini.md", actor="test")
            create_user(conn, "petugas_1", PASSWORD, "officer", ["16.71"])
        engine.dispose()
        port = _free_port()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SURVEY_")},
            "SURVEY_DATABASE_URL": url,
            "SURVEY_SECRET_KEY": "observability-test-secret",
            "SURVEY_INSTANCE_PATH": str(folder / "instance"),
            "SURVEY_BIND": f"127.0.0.1:{port}",
            "SURVEY_GUNICORN_WORKERS": "2",
            "SURVEY_GUNICORN_THREADS": "2",
            "SURVEY_METRICS_TOKEN": TOKEN,
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        }
        out, err = folder / "stdout.log", folder / "stderr.log"
        with open(out, "ab") as stdout, open(err, "ab") as stderr:
            proc = subprocess.Popen(
                [str(GUNICORN), "-c", str(DEPLOY / "gunicorn.conf.py"), "sync_server.wsgi:app"],
                cwd=ROOT, env=env, stdout=stdout, stderr=stderr,
            )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(lambda: requests.get(base + "/api/v1/health", timeout=3).ok,
                          "gunicorn", proc, 40, lambda: err.read_text(errors="replace"))
            yield Gunicorn(base, out, err)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _access_lines(server: Gunicorn) -> list[dict]:
    """Every line gunicorn's standard output holds, each read with json.loads."""
    lines = server.stdout.read_text("ascii").split("\n")
    assert lines[-1] == "", "the last line is not finished"
    return [json.loads(line) for line in lines[:-1]]


def _sign_in(url: str) -> str:
    resp = requests.post(
        url + "/api/v1/sessions",
        json={"username": "petugas_1", "password": PASSWORD, "device_id": "dev-1"},
        timeout=10,
    )
    assert resp.status_code == 201, resp.text
    return resp.json()["token"]


def _metric(body: str, sample: str) -> float:
    match = re.search(r"^" + re.escape(sample) + r" (\S+)$", body, re.MULTILINE)
    assert match, f"{sample} not in the scrape"
    return float(match.group(1))


def test_metrics_add_up_every_workers_counts(gunicorn: Gunicorn) -> None:
    token = _sign_in(gunicorn.url)
    auth = {"Authorization": f"Bearer {token}", "Connection": "close"}
    pushed = 0
    # A new connection per push, until both workers have answered pushes (the access lines
    # name the worker), then a few more.
    while True:
        rev = make_revision({"a": f"v{pushed}"}, form_id="mini", form_version="1")
        resp = requests.post(
            gunicorn.url + "/api/v1/sync/push", json={"revisions": [rev]}, headers=auth, timeout=30
        )
        assert resp.status_code == 200 and resp.json()["results"][0]["status"] == "stored"
        pushed += 1
        workers = {
            line["pid"] for line in _access_lines(gunicorn) if line["endpoint"] == "api.sync_push"
        }
        if len(workers) == 2 and pushed >= 6:
            break
        assert pushed < 80, "every push went to one worker"
    scraper = {"Authorization": f"Bearer {TOKEN}", "Connection": "close"}
    for _ in range(8):  # each scrape on a new connection: both workers answer some
        resp = requests.get(gunicorn.url + "/metrics", headers=scraper, timeout=10)
        assert resp.status_code == 200
        body = resp.text
        assert _metric(body, "survey_pushes_total") == pushed  # not 1000 + pushed: emptied
        assert _metric(body, 'survey_revisions_total{status="stored"}') == pushed
        assert _metric(body, "survey_push_seconds_count") == pushed
        assert (
            _metric(body, 'survey_http_requests_total{endpoint="api.sync_push",status="2xx"}')
            == pushed
        )
    scrapers = {line["pid"] for line in _access_lines(gunicorn) if line["endpoint"] == "metrics"}
    assert scrapers, "the scrapes are not in the access log"
    assert requests.get(gunicorn.url + "/metrics", timeout=10).status_code == 401  # no token


def _raw_request(url: str, target: bytes, agent: bytes) -> bytes:
    """One HTTP/1.1 request with bytes as they are (requests refuses some of these)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"GET " + target + b" HTTP/1.1\r\nHost: " + host.encode() + b"\r\nUser-Agent: "
            + agent + b"\r\nConnection: close\r\n\r\n"
        )
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


FORGERIES = [
    b'evil"agent\\x',
    b'x","status":200,"user":"admin","remote":"10.0.0.1',
    b"x\\\",\\\"status\\\":200}",
    b"line\x85break\xa0nbsp",  # NEL: a line break to str.splitlines(), latin-1 in HTTP
    b"tab\there",
    b"}\r\n{\"status\":200}",  # a CR LF ends the header: the rest is a malformed header line
    b"bare\nnewline{\"status\":201}",
]


@pytest.mark.parametrize("agent", FORGERIES, ids=range(len(FORGERIES)))
def test_request_log_lines_are_json_that_a_client_cannot_forge(
    gunicorn: Gunicorn, agent: bytes
) -> None:
    marker = uuid.uuid4().hex
    target = f"/api/v1/no-such/{marker}/%22%0A%5C%E2%80%A8x".encode()
    answer = _raw_request(gunicorn.url, target, agent)
    status = int(answer.split(b" ", 2)[1])
    time.sleep(0.3)  # the worker writes its line after the answer
    mine = [line for line in _access_lines(gunicorn) if marker in (line.get("path") or "")]
    if status == 400 and not mine:
        return  # refused by gunicorn's parser before the app: nothing of the client is logged
    assert len(mine) == 1, mine
    line = mine[0]
    assert set(line) == ACCESS_FIELDS
    assert line["status"] == status == 404
    assert line["user"] is None and line["remote"] == "127.0.0.1"
    assert line["agent"] == agent.decode("latin-1")  # the client's text, whole, in its field
    assert line["path"] == f"/api/v1/no-such/{marker}/\"\n\\\u2028x"
    # gunicorn's error log (standard error) has no access line with the client's text
    assert marker not in gunicorn.stderr.read_text(errors="replace")


def test_every_gauge_says_how_workers_add_up() -> None:
    """prometheus_client's multiprocess mode needs a gauge's ``multiprocess_mode`` (live sum,
    max, ...); its default (``all``, one series per worker pid) is never what /metrics means."""
    import ast

    calls = []
    for path in (ROOT / "sync_server").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name == "Gauge":
                    calls.append((path.name, node.lineno, {k.arg for k in node.keywords}))
    assert all("multiprocess_mode" in keywords for _, _, keywords in calls), calls
