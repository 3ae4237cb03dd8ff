"""Long form of the merge property test: many seeded random histories on several servers.

Each scenario (tests/sync_server/merge_scenarios.py) plays tablets, a supervisor and late
revisions of one observation entry and checks, at every sync point, that all servers hold the
same head, that no written answer is lost (it is in the head or under an open conflict), that
repeat edits stay on their instance, that resends change nothing, that a "received" head
validates and that a supervisor's resolution stands.

``--scenarios`` run with repeat keys on two model servers over the pure merge; ``--real`` of
them also on a real in-process SQLite server (and PostgreSQL when ``SURVEY_TEST_DATABASE_URL``
is set, in a fresh schema) next to a model server. Run ``python -m stress.merge_properties
--scenarios 5000 --real 500`` (``make stress`` does, through ``stress.run_all --long``).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any


def _servers(tmp: Path) -> tuple[list[Any], list[Any]]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from sync_server import create_app
    from sync_server.migrate import upgrade
    from tests.support.server import engine_of
    from tests.sync_server.conftest import seed
    from tests.sync_server.test_merge_properties import CoreServer

    def app(url: str, name: str) -> Any:
        application = create_app({"INSTANCE_PATH": str(tmp / name), "DATABASE_URL": url})
        upgrade(engine_of(application))
        seed(SimpleNamespace(app=application))  # type: ignore[arg-type]
        return application

    apps = [("sqlite", app(f"sqlite:///{tmp / 'stress.sqlite3'}", "sqlite"))]
    cleanup = []
    base = os.environ.get("SURVEY_TEST_DATABASE_URL")
    if base:
        schema = f"stress_{uuid.uuid4().hex[:12]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = (
            make_url(base)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
        apps.append(("postgres", app(url, "postgres")))
        cleanup.append((admin, schema))
    return [CoreServer(name, a) for name, a in apps], cleanup


def main(argv: list[str] | None = None) -> int:
    """Play the scenarios; print a summary; non-zero when a property failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=1000)
    parser.add_argument("--real", type=int, default=100)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--time-limit", type=float, default=1800)
    args = parser.parse_args(argv)

    from sqlalchemy import text

    from tests.sync_server.merge_model import ModelServer
    from tests.sync_server.merge_scenarios import FORM, ScenarioError, keys_accepted, play

    rnd = random.Random(args.seed)
    keyed_form = keys_accepted()
    started = time.monotonic()
    failures: list[str] = []
    played = real_played = 0
    with tempfile.TemporaryDirectory() as tmp:
        real, cleanup = _servers(Path(tmp)) if args.real else ([], [])
        try:
            for i in range(args.scenarios):
                if time.monotonic() - started > args.time_limit:
                    break
                seed = rnd.getrandbits(32)
                phases = rnd.randint(2, 5)
                try:
                    models = [ModelServer("model-1", FORM), ModelServer("model-2", FORM)]
                    play(seed, models, True, phases=phases)
                    played += 1
                    if i < args.real:
                        servers = [*real, ModelServer("model", FORM, accept_keys=keyed_form)]
                        play(seed, servers, keyed_form, phases=phases)
                        real_played += 1
                except ScenarioError as exc:
                    failures.append(str(exc))
                    print(f"FAIL {exc}", flush=True)
                except Exception as exc:  # a crash is a failure too: say which seed
                    failures.append(f"seed {seed}: {exc!r}")
                    print(f"CRASH seed {seed} phases {phases}: {exc!r}", flush=True)
        finally:
            for admin, schema in cleanup:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                admin.dispose()
    seconds = time.monotonic() - started
    print(
        f"merge_properties: {played} keyed scenarios on model servers, {real_played} on real "
        f"servers ({', '.join(s.name for s in real) or 'none'}), {len(failures)} failed, "
        f"{seconds:.0f} s"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
