"""Benchmark of the review pages (issue 6): a filtered entries-table page over 100,000 entries.

Target: < 200 ms per page (median), for a supervisor's filtered page.

Setup: a fresh SQLite instance (``survey-server init-db`` + ``seed-demo``, which runs the
migrations, indexes of 0002 included, but no ``ANALYZE``) filled with 100,000 complete
observation entries by :func:`fill_mixed` (bulk inserts of ``entries`` and ``revisions`` rows,
the same shapes the push service stores; no per-entry validation, to keep the fill short):
two regions, 32 kecamatan, two officers, half received / 30 % approved / 10 % needs correction
/ 10 % rejected, submission times spread over August 2024, all drawn independently.

Also the entry page opened from a filtered, sorted list (its previous and next entries are two
keyset queries of that list), and the sorts and filters on the visit date and the entry's name
(``entries.entry_date`` / ``entry_name``, migration 0010).

Measure: the whole page request (filters parsed, page query, status counts, the page's head
answers, Jinja rendering of 50 rows) through the Flask test client, signed in with the real
sign-in form as the demo supervisor (both regions) or an admin. Each scenario is requested
15 times after one warm-up; the figure is the median. ``EXPLAIN QUERY PLAN`` of the page query
is printed with ``--explain``.

Run: ``python -m bench.bench_review [--entries N] [--explain] [--database-url URL]``;
:func:`run` returns the figures for ``bench/run_all.py`` (SQLite).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.bench_export import FORM_ID, _cli, _complete_answers
from bench.common import machine, median, p95, result

TARGET_MS = 200.0
REPEAT = 15
SCENARIOS: list[tuple[str, str, str]] = [
    ("status + region filter, newest first", "supervisor", "?region=16.71&review_status=approved"),
    ("region filter, sorted by officer", "supervisor", "?region=16.05&sort=officer&dir=asc"),
    (
        "date range + region, oldest first",
        "supervisor",
        "?region=16.71&date_from=2024-08-10&date_to=2024-08-12&dir=asc",
    ),
    ("no filter, admin, 20th page", "admin", "@20"),
    ("kecamatan filter", "supervisor", "?kecamatan=16.71.07"),
    (
        "officer + status filter, sorted by status",
        "admin",
        "?officer=petugas_mura&review_status=needs_correction&sort=status",
    ),
    (
        "visit-date range + region, sorted by visit date",
        "supervisor",
        "?region=16.71&entry_date_from=2024-08-05&entry_date_to=2024-08-09&sort=entry_date",
    ),
    ("no filter, sorted by the entry's name, 5th page", "admin", "@5?sort=name&dir=asc"),
]
#: text search (migration 0005's trigram index): a rare term and one in about 1,100 entries
TEXT_SEARCHES: list[tuple[str, str, str]] = [
    ("text search matching one entry", "supervisor", "?text=nomor+99999"),
    ("text search matching ~1,100 entries", "supervisor", "?text=layanan+nomor+12"),
]


def fill_mixed(instance: Path, count: int, seed: int = 20241101) -> None:
    """Write ``count`` observation entries (entry + revision rows) straight into the database.

    Like :func:`bench.bench_export.fill` (the same complete answers and row shapes), but region,
    kecamatan, officer, review status and submission time are drawn independently from a
    seeded random generator, so no filter value lines up with the sort order (with a cyclic
    fill, one kecamatan would sit on a single day and "newest first" would scan most of the
    table before finding it).
    """
    from sqlalchemy import select

    from survey_forms.model import Form
    from survey_forms.revisions import revision_id
    from sync_server import create_app
    from sync_server.db import write_tx
    from sync_server.entry_names import entry_summary
    from sync_server.entry_rows import head_filter_columns, summary_fields
    from sync_server.schema import entries, revisions
    from sync_server.schema import forms as forms_table

    app = create_app({"INSTANCE_PATH": str(instance)})
    engine = app.extensions["sync_server"].engine
    base, version = _complete_answers()
    with engine.connect() as conn:
        compiled = conn.execute(
            select(forms_table.c.compiled_json).where(
                forms_table.c.form_id == FORM_ID, forms_table.c.version == version
            )
        ).scalar_one()
    summary = entry_summary(Form.from_json(json.loads(compiled)))
    rng = random.Random(seed)
    officers = {"16.71": "petugas_plg", "16.05": "petugas_mura"}
    kecamatan = {
        "16.71": range(1, 19),
        "16.05": (1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 18, 19, 20, 21),
    }
    statuses = ["received"] * 5 + ["approved"] * 3 + ["needs_correction", "rejected"]
    for start in range(0, count, 5000):
        rows_e, rows_r = [], []
        for n in range(start, min(count, start + 5000)):
            region = rng.choice(("16.71", "16.05"))
            answers = dict(
                base,
                nama_unit=f"Unit layanan nomor {n}",
                kabkota=region,
                kecamatan=f"{region}.{rng.choice(kecamatan[region]):02d}",
                tanggal_kunjungan=f"2024-08-{rng.randrange(1, 32):02d}",
            )
            entry_id = str(uuid.UUID(int=rng.getrandbits(122) + 1))
            rev = revision_id(None, FORM_ID, version, region, answers)
            second = rng.randrange(31 * 86400)
            at = f"2024-08-{1 + second // 86400:02d}T{second % 86400 // 3600:02d}:"
            at += f"{second % 3600 // 60:02d}:{second % 60:02d}.{n % 1_000_000:06d}Z"
            officer = officers[region]
            rows_e.append(
                {
                    "entry_id": entry_id,
                    "form_id": FORM_ID,
                    "form_version": version,
                    "region": region,
                    "officer": officer,
                    "head_rev": rev,
                    "review_status": rng.choice(statuses),
                    "created_at": at,
                    "updated_at": at,
                    **head_filter_columns(answers, *summary_fields(summary, answers, {})),
                }
            )
            rows_r.append(
                {
                    "entry_id": entry_id,
                    "rev": rev,
                    "parent_rev": None,
                    "generation": 1,
                    "form_id": FORM_ID,
                    "form_version": version,
                    "region": region,
                    "answers": json.dumps(answers, ensure_ascii=False, separators=(",", ":")),
                    "meta": json.dumps({"officer": officer, "device_id": f"tab-{n % 7}"}),
                    "attachments": "[]",
                    "author": officer,
                    "author_kind": "device",
                    "created_at": at,
                }
            )
        with write_tx(engine) as conn:
            conn.execute(entries.insert(), rows_e)
            conn.execute(revisions.insert(), rows_r)
    engine.dispose()


def _client(app: Any, username: str, password: str) -> Any:
    client = app.test_client()
    page = client.get("/signin").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post(
        "/signin", data={"username": username, "password": password, "csrf_token": token}
    )
    assert resp.status_code == 302, resp.status_code
    return client


def _page_url(client: Any, query: str) -> str:
    base = f"/forms/{FORM_ID}/entries"
    if not query.startswith("@"):
        return base + query
    pages, _, rest = query[1:].partition("?")
    url = base + ("?" + rest if rest else "")
    for _ in range(int(pages) - 1):  # follow "next page" links, as a user would
        html = client.get(url).get_data(as_text=True)
        url = re.search(r'id="next-page" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    return url


def _time_page(client: Any, url: str) -> tuple[list[float], int]:
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    rows = resp.get_data(as_text=True).count('name="entry_id" value=')
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        resp = client.get(url)
        resp.get_data()
        times.append((time.perf_counter() - start) * 1000)
    return times, rows


def explain(app: Any) -> list[str]:
    """The query plan (SQLite or PostgreSQL) of the supervisor's filtered page query."""
    from sqlalchemy import select

    from sync_server.db import read_tx
    from sync_server.entry_filters import EntryFilter, apply_filter, apply_user_scope
    from sync_server.review.table import SORTS
    from sync_server.schema import entries
    from sync_server.users import get_user

    engine = app.extensions["sync_server"].engine
    with read_tx(engine) as conn:
        user = get_user(conn, "supervisor")
        stmt = select(entries.c.entry_id)
        flt = EntryFilter(form_id=FORM_ID, region="16.71", review_status="approved")
        stmt = apply_user_scope(apply_filter(stmt, flt), user)
        stmt = stmt.order_by(SORTS["submitted"].desc(), entries.c.entry_id.desc()).limit(51)
        sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
        if conn.dialect.name == "sqlite":
            return [str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
        conn.exec_driver_sql("ANALYZE entries")
        return [str(row[0]) for row in conn.exec_driver_sql(f"EXPLAIN ANALYZE {sql}")]


def run(
    entries: int = 100_000, show_plan: bool = False, database_url: str | None = None
) -> list[dict[str, Any]]:
    """Fill an instance with ``entries`` entries and time the table page scenarios.

    ``database_url``: an empty PostgreSQL database (or schema, via ``options=-csearch_path=``)
    to use instead of the instance's SQLite file.
    """
    from sync_server import create_app

    workdir = Path(tempfile.mkdtemp(prefix="bench-review-"))
    out: list[dict[str, Any]] = []
    backend = "PostgreSQL" if database_url else "SQLite"
    try:
        instance = workdir / "instance"
        if database_url:
            instance.mkdir(parents=True)
            (instance / "config.py").write_text(f"DATABASE_URL = {database_url!r}\n", "utf-8")
        _cli(instance, "init-db")
        _cli(instance, "seed-demo")
        fill_mixed(instance, entries)
        app = create_app({"INSTANCE_PATH": str(instance), "SESSION_COOKIE_SECURE": False})
        if show_plan:
            print("\n".join(explain(app)))
        clients = {
            "supervisor": _client(app, "supervisor", "supervisor-demo-123"),
            "admin": _client(app, "admin", "admin-demo-123"),
        }
        for name, who, query in [*SCENARIOS, *TEXT_SEARCHES]:
            client = clients[who]
            times, rows = _time_page(client, _page_url(client, query))
            out.append(
                result(
                    f"review table page, {entries:,} entries ({backend}): {name}",
                    median(times),
                    "ms",
                    TARGET_MS,
                    note=f"{rows} rows on the page; p95 {p95(times):.0f} ms",
                )
            )
        # the entry page opened from a filtered, sorted list: its previous and next entries
        client = clients["supervisor"]
        listing = "region=16.71&review_status=received&sort=entry_date&dir=asc"
        html = client.get(f"/forms/{FORM_ID}/entries?{listing}").get_data(as_text=True)
        entry_id = re.findall(r'name="entry_id" value="([0-9a-f-]{36})"', html)[10]
        url = f"/entries/{entry_id}?" + urlencode({"list": listing})
        times, _rows = _time_page(client, url)
        out.append(
            result(
                f"entry page with previous/next of its list, {entries:,} entries ({backend})",
                median(times),
                "ms",
                TARGET_MS,
                note=f"filter {listing}; p95 {p95(times):.0f} ms",
            )
        )
        app.extensions["sync_server"].engine.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--explain", action="store_true", help="print the page query plan")
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database")
    args = parser.parse_args()
    print(machine())
    for row in run(args.entries, args.explain, args.database_url):
        mark = "ok" if row["pass"] else "SLOW"
        print(
            f"{row['value']:>9.1f} {row['unit']}  target {row['target']:<8} {mark}  {row['name']}"
            f"  ({row['note']})"
        )


if __name__ == "__main__":
    main()
