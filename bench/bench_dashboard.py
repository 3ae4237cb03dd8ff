"""Benchmark of the supervisor's dashboard (issue 15) over 100,000 observation entries.

Target: the score averages per regency and kecamatan (component and overall scores, the 19
indicators' result shares) under 300 ms, read from the stored per-entry scores
(``entry_scores``, migration 0011) instead of every entry's answers.

Setup: a fresh SQLite instance (``init-db`` + ``seed-demo``) filled with 100,000 entries by
:func:`bench.bench_review.fill_mixed` (entry and revision rows in bulk); their scores are
stored by :func:`sync_server.entry_scores.refresh_entry_scores` (what the migration's backfill
and a push do per entry: its time is reported for information). The fill gives every entry
the same answers apart from region and kecamatan, so the stored rows are then replaced by
rows of varied answers (random indicator results, scores and a visit point inside the
entry's regency, through the same :func:`score_values`), so that the map has 100,000 distinct
points to group.

Measure (median of 15 after one warm-up):
* the area figures (:func:`sync_server.review.dashboard_areas.area_sums`) for the demo
  supervisor (both regions) and for one region;
* the map's data (:func:`sync_server.review.dashboard_map.map_data`, grid cells);
* the whole dashboard page through the Flask test client as the signed-in supervisor
  (entries per day, status counts, last contact, areas, map, rendering).

Run: ``python -m bench.bench_dashboard [--entries N] [--database-url URL]``; :func:`run` returns
the figures for ``bench/run_all.py``.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_export import FORM_ID, _cli
from bench.bench_review import _client, fill_mixed
from bench.common import machine, median, p95, result, timed

TARGET_MS = 300.0
REPEAT = 15
#: rough boxes of the two regencies (south, north, west, east)
BOXES = {"16.71": (-3.08, -2.86, 104.62, 104.88), "16.05": (-3.45, -2.85, 102.50, 103.30)}
RESULTS = ("terpenuhi", "sebagian", "tidak_terpenuhi", "tidak_berlaku")


def vary_scores(engine: Any, seed: int = 20241215) -> None:
    """Replace every stored score row by one of varied answers (see the module text)."""
    from sqlalchemy import delete, select

    from sync_server.db import write_tx
    from sync_server.entry_scores import score_values
    from sync_server.schema import entries, entry_scores

    rng = random.Random(seed)
    with write_tx(engine) as conn:
        rows = conn.execute(
            select(
                entries.c.entry_id,
                entries.c.form_id,
                entries.c.region,
                entries.c.kecamatan,
                entries.c.head_rev,
            )
        ).all()
        conn.execute(delete(entry_scores))
        batch = []
        for row in rows:
            south, north, west, east = BOXES[row.region]
            answers: dict[str, Any] = {f"hasil_i{i:02d}": rng.choice(RESULTS) for i in range(1, 20)}
            answers.update({f"skor_k{i}": f"{rng.uniform(20, 100):.2f}" for i in range(1, 7)})
            answers["skor_total"] = f"{rng.uniform(30, 100):.2f}"
            answers["lokasi"] = {
                "latitude": rng.uniform(south, north),
                "longitude": rng.uniform(west, east),
            }
            batch.append(
                {
                    "entry_id": row.entry_id,
                    "rev": row.head_rev,
                    "form_id": row.form_id,
                    "region": row.region,
                    "kecamatan": row.kecamatan or "",
                    "deleted": False,
                    **score_values(answers),
                }
            )
            if len(batch) == 5000:
                conn.execute(entry_scores.insert(), batch)
                batch = []
        if batch:
            conn.execute(entry_scores.insert(), batch)


def run(entries: int = 100_000, database_url: str | None = None) -> list[dict[str, Any]]:
    """Fill an instance with ``entries`` entries and time the dashboard's figures."""
    from sync_server import create_app
    from sync_server.db import read_tx, write_tx
    from sync_server.entry_scores import refresh_entry_scores
    from sync_server.review.dashboard_areas import area_sums
    from sync_server.review.dashboard_map import map_data
    from sync_server.users import get_user

    workdir = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    backend = "PostgreSQL" if database_url else "SQLite"
    out: list[dict[str, Any]] = []
    try:
        instance = workdir / "instance"
        if database_url:
            instance.mkdir(parents=True)
            (instance / "config.py").write_text(f"DATABASE_URL = {database_url!r}\n", "utf-8")
        _cli(instance, "init-db")
        _cli(instance, "seed-demo")
        fill_mixed(instance, entries)
        app = create_app({"INSTANCE_PATH": str(instance), "SESSION_COOKIE_SECURE": False})
        engine = app.extensions["sync_server"].engine
        started = time.perf_counter()
        with write_tx(engine) as conn:
            stored = refresh_entry_scores(conn)
        backfill = time.perf_counter() - started
        vary_scores(engine)
        with read_tx(engine) as conn:
            supervisor = get_user(conn, "supervisor")

        def areas(region: str | None) -> Any:
            with read_tx(engine) as conn:
                return area_sums(conn, supervisor, FORM_ID, region)

        def points() -> Any:
            with read_tx(engine) as conn:
                return map_data(conn, supervisor, FORM_ID, None)

        areas(None)
        both = timed(lambda: areas(None), REPEAT)
        one = timed(lambda: areas("16.71"), REPEAT)
        points()
        cells = timed(points, REPEAT)
        grouped = points()
        client = _client(app, "supervisor", "supervisor-demo-123")
        url = f"/dashboard?form_id={FORM_ID}"
        assert client.get(url).status_code == 200
        page = timed(lambda: client.get(url), REPEAT)
        label = f"dashboard, {entries:,} entries ({backend})"
        out += [
            result(
                f"{label}: score averages and indicator shares per regency and kecamatan, "
                "supervisor of both regions",
                median(both),
                "ms",
                TARGET_MS,
                note=f"p95 {p95(both):.0f} ms; stored per-entry scores",
            ),
            result(
                f"{label}: the same for one region",
                median(one),
                "ms",
                TARGET_MS,
                note=f"p95 {p95(one):.0f} ms",
            ),
            result(
                f"{label}: map data (points grouped into grid cells)",
                median(cells),
                "ms",
                TARGET_MS,
                note=f"{len(grouped.points)} cells of {grouped.total:,} points; "
                f"p95 {p95(cells):.0f} ms",
            ),
            result(
                f"{label}: whole page (chart, counts, last contact, areas, map, rendering)",
                median(page),
                "ms",
                None,
                note=f"p95 {p95(page):.0f} ms; information",
            ),
            result(
                f"{label}: storing every entry's scores from its answers (the migration's "
                "backfill; information)",
                backfill,
                "s",
                None,
                note=f"{stored:,} rows",
            ),
        ]
        engine.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database")
    args = parser.parse_args()
    print(machine())
    for row in run(args.entries, args.database_url):
        mark = "ok" if row["pass"] else "SLOW"
        print(
            f"{row['value']:>9.1f} {row['unit']}  target {row['target']:<8} {mark}  {row['name']}"
            f"  ({row['note']})"
        )


if __name__ == "__main__":
    main()
