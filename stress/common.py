"""Shared parts of the fault scripts: a server process, seeded accounts, tablets, the checks.

Everything runs on loopback (127.0.0.1). A script builds a :class:`Report`, fills in what it
did and found, prints it with :meth:`Report.print` (one ``name: value`` line per figure, the
format ``tests/e2e/test_faults_short.py`` reads back) and exits with :meth:`Report.exit_code`.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from field_app.store import Store
from field_app.sync_client import SyncClient

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PASSWORD = "stress-sandi-123"
REGION = "16.71"
SUPERVISOR = "spv_stress"
FIXTURE = ROOT / "tests" / "survey_forms" / "fixtures" / "observasi_complete.json"
PG_ENV = "SURVEY_TEST_DATABASE_URL"

__all__ = [
    "PASSWORD",
    "Report",
    "ServerProcess",
    "Tablet",
    "check_server",
    "free_port",
    "make_tablets",
    "observation_answers",
    "postgres_database",
    "seed",
]


# ------------------------------------------------------------------------------------ report


@dataclass
class Report:
    """What a script did and found. ``lost``, ``duplicates`` and ``errors_5xx`` must be 0."""

    name: str
    operations: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    lost: int = 0
    duplicates: int = 0
    errors_5xx: int = 0
    seconds: float = 0.0
    figures: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def faults_injected(self) -> int:
        """All faults injected, summed over their kinds."""
        return sum(self.faults.values())

    @property
    def ok(self) -> bool:
        """Whether every invariant held."""
        return not (self.lost or self.duplicates or self.errors_5xx or self.problems)

    def lines(self) -> list[str]:
        """The printed report, one ``name: value`` per line."""
        out = [f"== {self.name}", f"operations: {self.operations}"]
        out.append(f"faults injected: {self.faults_injected}")
        out.extend(f"  {kind}: {count}" for kind, count in sorted(self.faults.items()))
        out.extend(f"{key}: {value}" for key, value in self.figures.items())
        out.append(f"5xx responses: {self.errors_5xx}")
        out.append(f"entries lost: {self.lost}")
        out.append(f"duplicates: {self.duplicates}")
        out.append(f"time: {self.seconds:.1f} s")
        out.extend(f"problem: {p}" for p in self.problems[:20])
        if len(self.problems) > 20:
            out.append(f"problem: ... and {len(self.problems) - 20} more")
        out.append(f"result: {'OK' if self.ok else 'FAILED'}")
        return out

    def print(self) -> None:
        """Print the report to standard output."""
        print("\n".join(self.lines()), flush=True)

    def exit_code(self) -> int:
        """0 when every invariant held, 1 otherwise."""
        return 0 if self.ok else 1


# ------------------------------------------------------------------------------- databases


_PORT_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def _ephemeral_start() -> int:
    try:
        return int(_PORT_RANGE_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def free_port() -> int:
    """A free TCP port on 127.0.0.1 for a server started in another process, below the
    kernel's ephemeral range (that range only when there is no room below it).

    Binding port 0 and closing the socket hands out a port from the ephemeral range, the
    range every outgoing connection takes its source port from: until the server binds it
    (and again while a killed server restarts on it), another process's connection may take
    the port, and the bind fails with "Address already in use" (a listener cannot bind a
    port an open connection uses, SO_REUSEADDR or not). Below that range the kernel hands
    out nothing by itself.
    """
    start = _ephemeral_start()
    low = max(1024, start - 12_000)
    if start - low >= 1000:
        rng = random.SystemRandom()
        for _ in range(200):
            port = rng.randrange(low, start)
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def postgres_database(base_url: str | None = None) -> Iterator[str]:
    """A fresh PostgreSQL database for one run (dropped afterwards); yields its URL."""
    base = base_url or os.environ.get(PG_ENV)
    if not base:
        raise RuntimeError(f"{PG_ENV} is not set (source scripts/test-services.sh)")
    name = f"stress_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
            ), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def seed(database_url: str, officers: list[str]) -> None:
    """Migrate the database, publish the observation pilot form, create the accounts."""
    from survey_forms import pilot_form_path
    from sync_server.db import make_engine, write_tx
    from sync_server.forms_store import publish_file
    from sync_server.migrate import upgrade
    from sync_server.users import create_user

    engine = make_engine(database_url)
    try:
        upgrade(engine)
        with write_tx(engine) as conn:
            publish_file(conn, pilot_form_path("observasi"), actor="stress")
            create_user(conn, SUPERVISOR, PASSWORD, "supervisor", [REGION], actor="stress")
            for name in officers:
                create_user(conn, name, PASSWORD, "officer", [REGION], actor="stress")
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------------- server


def survey_server_command() -> list[str]:
    """The ``survey-server`` command (its script, or the module when not installed)."""
    script = BIN / "survey-server"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from sync_server.cli import main; main()"]


class ServerProcess:
    """The sync server in its own process on ``127.0.0.1:<port>``: waitress or gunicorn."""

    def __init__(
        self,
        instance: Path,
        database_url: str,
        *,
        port: int | None = None,
        kind: str = "waitress",
        workers: int = 4,
        threads: int = 8,
    ) -> None:
        """Prepare (not start) a server; ``kind`` is ``"waitress"`` or ``"gunicorn"``."""
        self.instance = instance
        self.database_url = database_url
        self.port = port or free_port()
        self.kind = kind
        self.workers = workers
        self.threads = threads
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = instance / f"server-{kind}.log"
        self.starts = 0

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def _command(self) -> list[str]:
        if self.kind == "gunicorn":
            return [str(BIN / "gunicorn"), "--workers", str(self.workers), "--threads", "2",
                    "--bind", f"127.0.0.1:{self.port}", "--access-logfile", "-",
                    "sync_server.wsgi:app"]
        return [*survey_server_command(), "--instance", str(self.instance), "serve",
                "--host", "127.0.0.1", "--port", str(self.port), "--threads", str(self.threads)]

    def start(self, timeout: float = 30.0) -> None:
        """Start the process and wait until ``/api/v1/health`` answers."""
        self.instance.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "SURVEY_DATABASE_URL": self.database_url,
            "SURVEY_SECRET_KEY": "stress-secret",
            "SURVEY_INSTANCE_PATH": str(self.instance),
            "SURVEY_ATTACHMENTS_DIR": str(self.instance / "files"),
        }
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(self._command(), cwd=ROOT, env=env, stdout=log,
                                     stderr=subprocess.STDOUT)
        log.close()
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited at start; see {self.log_path}")
            try:
                if requests.get(self.url + "/api/v1/health", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"the server did not answer within {timeout} s; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL the server (the whole process group for gunicorn's workers)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), SIGKILL after 10 s."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def statuses_in_log(self) -> Counter[int]:
        """HTTP statuses in gunicorn's access log (``... "<request line>" <status> ...``)."""
        found: Counter[int] = Counter()
        if not self.log_path.exists():
            return found
        for line in self.log_path.read_text("utf-8", "replace").splitlines():
            parts = line.split('" ')
            if len(parts) >= 2 and parts[1][:3].isdigit():
                found[int(parts[1][:3])] += 1
        return found


# ---------------------------------------------------------------------------------- tablets


def observation_answers(device: int, n: int) -> dict[str, Any]:
    """A complete observation entry (no photos), distinct per device and number."""
    answers = json.loads(FIXTURE.read_text("utf-8"))
    answers = {k: v for k, v in answers.items() if not (isinstance(v, dict) and "sha256" in v)}
    answers["nama_unit"] = f"Unit {device}-{n}"
    answers["jumlah_petugas"] = 1 + (device * 7 + n) % 150
    return answers


class _CountingSyncClient(SyncClient):
    """A sync client that counts the HTTP statuses its requests received (instrumentation)."""

    def __init__(self, *args: Any, statuses: Counter[int], fresh_connections: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.statuses = statuses
        self.fresh_connections = fresh_connections
        self._statuses_lock = threading.Lock()

    def api(self, token: str | None = None, cancel: Any = None, traffic: Any = None) -> Any:
        client = super().api(token, cancel, traffic)

        def count(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            with self._statuses_lock:
                self.statuses[response.status_code] += 1

        client.session.hooks["response"].append(count)
        if self.fresh_connections:  # every request on a new connection, so faults hit each one
            client.session.headers["Connection"] = "close"
        return client


@dataclass
class Tablet:
    """One device: its officer, store and sync client."""

    number: int
    officer: str
    store: Store
    client: SyncClient
    statuses: Counter[int]
    sync_failures: Counter[str] = field(default_factory=Counter)
    phase: str | None = None

    def sign_in(self, deadline: float) -> None:
        """Sign in (retrying while the network or server misbehaves)."""
        while True:
            try:
                self.client.sign_in(self.officer, PASSWORD)
                return
            except Exception as exc:  # SyncError from the client: try again until the deadline
                self.sync_failures[f"sign_in:{type(exc).__name__}"] += 1
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def fill(self, count: int, form: Any) -> list[str]:
        """Create ``count`` finalized entries; return their ids."""
        ids = []
        for n in range(count):
            entry_id = self.store.create_draft(form.form_id, form.version, REGION,
                                               observation_answers(self.number, n))
            issues = self.store.finalize_entry(entry_id, form)
            if issues:
                raise RuntimeError(f"fixture entry invalid: {issues[:3]}")
            ids.append(entry_id)
        return ids

    def _progress(self, progress: Any) -> None:
        self.phase = progress.phase

    def sync_until_done(self, deadline: float, pause: float = 0.05) -> int:
        """Sync until nothing waits and a sync succeeded, or the deadline; return attempts."""
        attempts = 0
        while time.monotonic() < deadline:
            attempts += 1
            outcome = self.client.sync(self._progress)
            self.phase = None
            if outcome.ok and not self.store.has_unsent():
                return attempts
            self.sync_failures[outcome.reason or "unsent"] += 1
            time.sleep(pause)
        return attempts


def make_tablets(
    folder: Path, url: str, count: int, *, prefix: str = "petugas", statuses: Counter[int],
    api_options: dict[str, Any] | None = None, batch_size: int = 25,
    fresh_connections: bool = False,
) -> list[Tablet]:
    """``count`` tablets, one officer each (``<prefix>_<n>``), talking to ``url``."""
    options = {"backoff_base": 0.05, "backoff_cap": 0.5, "timeout": (2.0, 10.0),
               **(api_options or {})}
    tablets = []
    for n in range(count):
        store = Store(folder / f"tablet-{n}" / "store", durable=False)
        client = _CountingSyncClient(store, url, attachments_folder=folder / f"tablet-{n}" / "att",
                                     batch_size=batch_size, api_options=options,
                                     statuses=statuses, fresh_connections=fresh_connections)
        tablets.append(Tablet(n, f"{prefix}_{n}", store, client, statuses))
    return tablets


# ----------------------------------------------------------------------------------- checks


def check_server(database_url: str, tablets: list[Tablet], report: Report,
                 expected_revisions: dict[str, int] | None = None) -> None:
    """Compare every tablet's entries with the server's database; fill lost/duplicates.

    For every entry on a tablet: it must be marked sent, the server must hold it once with the
    tablet's revision as head and the same answers, and (``expected_revisions``) exactly as many
    revisions as the tablet made. Entries on the server that no tablet made are duplicates.
    """
    from sync_server.schema import entries, revisions

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            heads = {row.entry_id: row for row in conn.execute(
                select(entries.c.entry_id, entries.c.head_rev, revisions.c.answers).join(
                    revisions, (revisions.c.entry_id == entries.c.entry_id)
                    & (revisions.c.rev == entries.c.head_rev)))}
            rev_counts = dict(conn.execute(
                select(revisions.c.entry_id, func.count()).group_by(revisions.c.entry_id)).all())
            rev_total = conn.execute(select(func.count()).select_from(revisions)).scalar_one()
            rev_distinct = conn.execute(select(func.count()).select_from(
                select(revisions.c.entry_id, revisions.c.rev).distinct().subquery())).scalar_one()
    finally:
        engine.dispose()
    if rev_total != rev_distinct:
        report.duplicates += rev_total - rev_distinct
        report.problems.append(f"{rev_total - rev_distinct} revisions stored twice")
    made: set[str] = set()
    unsent = wrong_head = wrong_answers = 0
    for tablet in tablets:
        for summary in tablet.store.list_entries():
            entry_id = summary["entry_id"]
            made.add(entry_id)
            record = tablet.store.get_entry(entry_id)
            if record["status"] != "sent":
                unsent += 1
            head = heads.get(entry_id)
            if head is None:
                report.lost += 1
                continue
            if head.head_rev != record.get("sent_rev") or record.get("rev") != head.head_rev:
                wrong_head += 1
            if json.loads(head.answers) != record["answers"]:
                wrong_answers += 1
            if expected_revisions is not None:
                want = expected_revisions.get(entry_id, 1)
                got = rev_counts.get(entry_id, 0)
                if got < want:
                    report.lost += want - got
                elif got > want:
                    report.duplicates += got - want
    strangers = set(heads) - made
    report.duplicates += len(strangers)
    if strangers:
        report.problems.append(f"{len(strangers)} entries on the server that no tablet made")
    if unsent:
        report.problems.append(f"{unsent} entries not marked sent on their tablet")
    if wrong_answers:
        report.problems.append(f"{wrong_answers} entries whose server answers differ")
    if wrong_head:
        report.problems.append(f"{wrong_head} entries whose server head is not the tablet's")
    report.figures["entries on the server"] = len(heads)
    report.figures["revisions on the server"] = rev_total
    report.figures["entries not marked sent"] = unsent


def sqlite_url(folder: Path) -> str:
    """A SQLite database file in ``folder``."""
    return f"sqlite:///{folder / 'survey.sqlite3'}"


def work_folder(keep: str | None) -> Path:
    """``keep`` if given (created), else a new temporary folder."""
    if keep:
        path = Path(keep)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return Path(tempfile.mkdtemp(prefix="stress-"))
