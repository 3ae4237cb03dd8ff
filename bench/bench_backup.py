"""Benchmark of ``survey-server backup`` and ``restore`` (the operations issue).

Setup: a fresh SQLite instance (``init-db`` + ``seed-demo``) filled with 100,000 observation
entries the way :mod:`bench.bench_export` fills them (entry + revision rows written in bulk,
about 5 KB of answers each), and 10,000 small photos (8 KB of random bytes each, one for each of
the first 10,000 entries: files in the attachments folder, ``attachments`` and
``entry_attachments`` rows). With ``SURVEY_TEST_DATABASE_URL`` set (``make bench`` sets it), the
same on PostgreSQL in a schema of its own (dropped afterwards).

Measure: the wall time of the commands as an admin runs them, each a fresh process
(``survey-server backup DEST``, ``survey-server restore DEST --yes`` into a new empty
instance, then ``survey-server check`` on the restored one): interpreter start, the database
copy or dump, hashing and copying the photos, the manifest, and on restore the verification of
every file before anything is replaced. No targets: figures for the admin's planning.

Run: ``python -m bench.bench_backup [--entries 100000] [--photos 10000]``; :func:`run` returns
the figures for ``bench/run_all.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench.bench_export import fill
from bench.common import result

ROOT = Path(__file__).resolve().parent.parent


def _cli(instance: Path, env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "sync_server.cli", "--instance", str(instance), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"survey-server {args[0]} failed: {done.stdout}{done.stderr}")
    return elapsed


def add_photos(instance: Path, env: dict[str, str], count: int, size: int = 8192) -> int:
    """Write ``count`` photo files and their rows, one for each of the first entries."""
    from sqlalchemy import select

    from sync_server import create_app
    from sync_server.db import write_tx
    from sync_server.schema import attachments, entries, entry_attachments

    config: dict[str, Any] = {"INSTANCE_PATH": str(instance)}
    if env.get("SURVEY_DATABASE_URL"):
        config["DATABASE_URL"] = env["SURVEY_DATABASE_URL"]
    app = create_app(config)
    engine = app.extensions["sync_server"].engine
    root = Path(app.config["ATTACHMENTS_DIR"])
    with engine.connect() as conn:
        ids = list(
            conn.execute(
                select(entries.c.entry_id).order_by(entries.c.entry_id).limit(count)
            ).scalars()
        )
    total = 0
    for start in range(0, len(ids), 2000):
        rows_a, rows_e = [], []
        for entry_id in ids[start : start + 2000]:
            data = os.urandom(size)
            sha = hashlib.sha256(data).hexdigest()
            (root / sha[:2]).mkdir(parents=True, exist_ok=True)
            (root / sha[:2] / sha).write_bytes(data)
            total += size
            rows_a.append(
                {
                    "sha256": sha,
                    "size": size,
                    "media_type": "image/jpeg",
                    "stored_at": "2024-08-13T02:15:00.000000Z",
                    "uploaded_by": "petugas_plg",
                }
            )
            rows_e.append(
                {
                    "entry_id": entry_id,
                    "sha256": sha,
                    "filename": "foto.jpg",
                    "media_type": "image/jpeg",
                }
            )
        with write_tx(engine) as conn:
            conn.execute(attachments.insert(), rows_a)
            conn.execute(entry_attachments.insert(), rows_e)
    engine.dispose()
    return total


def _postgres_schema() -> tuple[str, str] | None:
    base = os.environ.get("SURVEY_TEST_DATABASE_URL")
    if not base:
        return None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"bench_backup_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), schema


def _drop_schema(schema: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(os.environ["SURVEY_TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def measure(backend: str, entries: int, photos: int, work: Path) -> list[dict[str, Any]]:
    """Fill one instance, back it up, restore into a new one, check it; the figures."""
    env: dict[str, str] = {}
    schema = None
    if backend == "postgres":
        made = _postgres_schema()
        if made is None:
            return []
        env["SURVEY_DATABASE_URL"], schema = made
    try:
        source = work / f"{backend}-source"
        _cli(source, env, "init-db")
        _cli(source, env, "seed-demo")
        fill_env = os.environ.copy()
        os.environ.update(env)
        try:
            fill(source, entries)
        finally:
            os.environ.clear()
            os.environ.update(fill_env)
        add_photos(source, env, photos)
        dest = work / f"{backend}-backup"
        backup_s = _cli(source, env, "backup", str(dest))
        size_mb = _size(dest) / 1e6
        target = work / f"{backend}-restored"
        # a new, empty instance (on PostgreSQL the same schema, replaced by the dump)
        restore_s = _cli(target, env, "restore", str(dest), "--yes")
        check_s = _cli(target, env, "check")
    finally:
        if schema:
            _drop_schema(schema)
    what = f"{entries:,} entries, {photos:,} photos, {size_mb:.0f} MB backup"
    return [
        result(f"backup ({backend}): {what}", backup_s, "s", None),
        result(f"restore ({backend}, files verified first)", restore_s, "s", None),
        result(f"check after restore ({backend}, every photo hashed)", check_s, "s", None),
    ]


def run(
    entries: int = 100_000, photos: int = 10_000, backends: tuple[str, ...] = ("sqlite", "postgres")
) -> list[dict[str, Any]]:
    """The figures of both back ends (PostgreSQL when its test database is configured)."""
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as tmp:
        for backend in backends:
            measured = measure(backend, entries, photos, Path(tmp))
            for row in measured:
                print(f"[bench_backup] {row['name']}: {row['value']} s", file=sys.stderr)
            rows += measured
            shutil.rmtree(Path(tmp), ignore_errors=True)
            Path(tmp).mkdir(exist_ok=True)
    return rows


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--photos", type=int, default=10_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    for row in run(args.entries, args.photos, tuple(args.backends.split(","))):
        print(f"{row['name']:<70} {row['value']:>10} {row['unit']}")


if __name__ == "__main__":
    main()
