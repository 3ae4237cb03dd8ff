"""The server killed (SIGKILL) in the middle of pushes loses nothing it acknowledged, and
resending after the restart stores every revision exactly once (SQLite, real process)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from sync_server.db import make_engine, read_tx
from sync_server.schema import entries, revisions
from tests.support.ports import free_port

from .helpers import make_revision
from .services import FORMS_DIR

ROOT = Path(__file__).resolve().parents[2]
KILLS = 5


def _cli(instance: Path, *args: str, stdin: str | None = None) -> None:
    subprocess.run(
        [sys.executable, "-m", "sync_server.cli", "--instance", str(instance), *args],
        cwd=ROOT,
        check=True,
        input=stdin,
        text=True,
        capture_output=True,
    )


def _start(instance: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sync_server.cli",
            "--instance",
            str(instance),
            "serve",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).ok:
                return proc
        except requests.RequestException:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("server did not start")


@pytest.mark.slow
def test_sigkill_during_pushes_loses_nothing_acknowledged(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    _cli(instance, "init-db")
    _cli(instance, "publish-form", str(FORMS_DIR / "mini.md"))
    _cli(
        instance,
        "create-user",
        "petugas_plg",
        "--role",
        "officer",
        "--region",
        "16.71",
        "--password-stdin",
        stdin="rahasia-123\n",
    )
    rng = random.Random(5)
    batches = [
        [
            make_revision({"a": f"{b}-{i}", "n": i}, form_id="mini", form_version="1")
            for i in range(50)
        ]
        for b in range(40)
    ]
    acknowledged: set[str] = set()
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/v1"
    token = None
    next_batch = 0
    for _ in range(KILLS):
        proc = _start(instance, port)
        session = requests.Session()
        if token is None:
            token = session.post(
                url + "/sessions",
                json={"username": "petugas_plg", "password": "rahasia-123", "device_id": "t"},
                timeout=10,
            ).json()["token"]
        session.headers["Authorization"] = f"Bearer {token}"
        killer = threading.Timer(
            rng.uniform(0.2, 1.2), lambda p=proc: os.kill(p.pid, signal.SIGKILL)
        )
        killer.start()
        try:
            while next_batch < len(batches):
                resp = session.post(
                    url + "/sync/push", json={"revisions": batches[next_batch]}, timeout=10
                )
                results = resp.json()["results"]
                assert all(r["status"] in ("stored", "duplicate") for r in results)
                acknowledged.update(r["rev"] for r in results)
                next_batch += 1
        except requests.RequestException:
            pass  # killed mid-request: this batch is resent after the restart
        killer.cancel()
        proc.kill()  # in case the timer fired after the last batch
        proc.wait(timeout=60)
    # Restart and resend everything, as tablets do for what was never acknowledged.
    proc = _start(instance, port)
    try:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        for batch in batches:
            results = session.post(
                url + "/sync/push", json={"revisions": batch}, timeout=30
            ).json()["results"]
            for r in results:
                assert r["status"] in ("stored", "duplicate")
                if r["rev"] in acknowledged:
                    assert r["status"] == "duplicate", "an acknowledged revision was lost"
    finally:
        proc.kill()
        proc.wait(timeout=60)
    engine = make_engine(f"sqlite:///{instance / 'survey.sqlite3'}")
    with read_tx(engine) as conn:
        assert conn.execute(select(func.count()).select_from(revisions)).scalar_one() == 2000
        assert conn.execute(select(func.count()).select_from(entries)).scalar_one() == 2000
        integrity = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
    engine.dispose()
    assert integrity == "ok"
    assert acknowledged, "the server was killed before acknowledging anything: no test"
