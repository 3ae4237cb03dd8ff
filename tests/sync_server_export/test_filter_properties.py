"""Property test of the entries filters: whatever the filter, a caller never sees more than its
scope allows, on SQLite and PostgreSQL, through the entries table page, the CSV export and the
SQL the two share.

A live server is seeded with entries of two forms, two regions and three officers, answers
holding SQL and LIKE metacharacters (``% _ \\ ' " -`` and ``OR``), review statuses, submission
dates on both sides of a WIB midnight and soft-deleted entries. Hypothesis then draws filters
(every field of :class:`~sync_server.entry_filters.EntryFilter`, alone and combined, the
entry's own date (visit/interview, ``entries.entry_date``, some entries without one) included; free text
from the seeded texts and from metacharacters) and callers (supervisors of one or both regions,
an admin, officers), and compares the entry ids returned with a pure Python oracle over the
seeded rows. The free-text filter once read ``... AND a LIKE x OR b LIKE x OR c LIKE x`` on
SQLite and leaked other regions', other forms' and deleted entries.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import and_, not_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from sync_server.db import read_tx, write_tx
from sync_server.entry_filters import TextMatch, apply_filter, apply_user_scope, from_args
from sync_server.schema import REVIEW_STATUSES, entries
from sync_server.users import get_user
from tests.support.server import LiveServer, create_user, engine_of, publish_form, start_live_server
from tests.sync_server.helpers import PASSWORD, Client, make_revision

from .conftest import FORMS, answers_v1, answers_v2

FORM_A = "ekspor_uji"
FORM_B = "ekspor_satu"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
ROW_ID_RE = re.compile(r'name="entry_id" value="([0-9a-f-]{36})"')
#: Free texts of the seeded answers: metacharacters of SQL and LIKE, and an SQL injection try.
TEXTS = [
    "Dinas 50% Pelayanan",
    "unit_lama a_b",
    "Jalan C:\\Data\\arsip",
    "Toko 'Maju' Jaya",
    'Kantor "Pusat" Ilir',
    "Pasar 16-Ilir - Timur",
    "Puskesmas OR Posyandu",
    "x' OR '1'='1",
    "100%_selesai",
    "Kelurahan Bukit Lama",
]
OFFICERS = {"petugas_plg": "16.71", "petugas_plg2": "16.71", "petugas_mura": "16.05"}
SUPERVISORS = {"spv_plg": ("16.71",), "spv_mura": ("16.05",), "spv_dua": ("16.71", "16.05")}
#: created_at of the seeded entries (UTC): 16:59:59 and 17:00:00 UTC straddle a WIB midnight
STAMPS = [
    "2024-08-11T16:59:59.000000Z",
    "2024-08-11T17:00:00.000000Z",
    "2024-08-12T03:00:00.000000Z",
    "2024-08-12T23:30:00.000000Z",
    "2024-08-13T09:15:00.000000Z",
    "2024-08-14T16:59:59.999999Z",
]
#: entries.entry_date of the seeded entries (the visit/interview date; "": not answered)
ENTRY_DAYS = [
    "",
    "2024-08-10",
    "2024-08-12",
    "2024-08-13",
    "2024-08-15",
    "2024-08-12",
    "2024-08-20",
]


@dataclass
class World:
    """The seeded server, every entry row as stored, and signed-in sessions."""

    server: LiveServer
    rows: list[dict[str, Any]] = field(default_factory=list)
    web: dict[str, requests.Session] = field(default_factory=dict)


def _web_session(url: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(url + "/signin", timeout=30)
    token = CSRF_RE.search(page.text)
    assert token, "no CSRF token on the sign-in page"
    resp = session.post(
        url + "/signin",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        allow_redirects=False,
        timeout=30,
    )
    assert resp.status_code == 302, resp.text
    return session


def _seed(server: LiveServer) -> World:
    app = server.app
    for name in ("ekspor_v1.md", "ekspor_v2.md", "ekspor_satu.md"):
        publish_form(app, FORMS / name)
    for officer, region in OFFICERS.items():
        create_user(app, officer, PASSWORD, "officer", [region])
    for supervisor, regions in SUPERVISORS.items():
        create_user(app, supervisor, PASSWORD, "supervisor", list(regions))
    create_user(app, "admin", PASSWORD, "admin", [])
    clients = {name: Client(server.url, name) for name in [*OFFICERS, "admin"]}
    pushed: list[str] = []
    for n in range(30):
        officer = list(OFFICERS)[n % 3]
        region = OFFICERS[officer]
        text = TEXTS[n % len(TEXTS)]
        if n % 4 == 3:
            form_id, version = FORM_B, "1"
            answers: dict[str, Any] = {"catatan": text, "temuan": [{"temuan_teks": TEXTS[n % 7]}]}
        else:
            form_id, version = FORM_A, "2" if n % 5 == 0 else "1"
            answers = answers_v2(n, region) if version == "2" else answers_v1(n, region)
            answers["nama_unit"] = text
            answers["kecamatan"] = f"{region}.0{1 + n % 3}"
        rev = make_revision(
            answers, region=region, form_id=form_id, form_version=version, officer=officer
        )
        result = clients[officer].push(rev)[0]
        assert result["status"] == "stored", result
        pushed.append(rev["entry_id"])
    admin = clients["admin"]
    statuses = ["approved", "needs_correction", "rejected"]
    for n, entry_id in enumerate(pushed):
        if n % 3 == 1:
            status = statuses[n % len(statuses)]
            resp = admin.post(
                f"/entries/{entry_id}/review", json={"status": status, "comment": "Cek 50%_'"}
            )
            assert resp.status_code == 200, resp.text
        if n % 5 == 2:
            resp = admin.session.delete(f"{admin.base}/entries/{entry_id}", timeout=30)
            assert resp.status_code == 200, resp.text
    engine = engine_of(app)
    with write_tx(engine) as conn:
        for n, entry_id in enumerate(pushed):
            conn.execute(
                update(entries)
                .where(entries.c.entry_id == entry_id)
                .values(
                    created_at=STAMPS[n % len(STAMPS)], entry_date=ENTRY_DAYS[n % len(ENTRY_DAYS)]
                )
            )
    with read_tx(engine) as conn:
        rows = [dict(r) for r in conn.execute(select(entries)).mappings()]
    world = World(server, rows)
    for name in [*SUPERVISORS, "admin"]:
        world.web[name] = _web_session(server.url, name)
    return world


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[World]:
    """A seeded live server on SQLite and on PostgreSQL (plain-HTTP session cookies)."""
    server = start_live_server(tmp_path / "instance", database_url, SESSION_COOKIE_SECURE=False)
    try:
        yield _seed(server)
    finally:
        server.stop()


# --- the oracle ---------------------------------------------------------------------------------


def _wib_day(stamp: str) -> date:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return (moment + timedelta(hours=7)).date()


def _clean(value: str | None) -> str | None:
    return (value.strip() or None) if value is not None else None


def expected_ids(world: World, args: dict[str, str], form_id: str, caller: str) -> set[str]:
    """Which entries ``caller`` may see with the query ``args`` on ``form_id``'s pages."""
    region = _clean(args.get("region"))
    kecamatan = _clean(args.get("kecamatan"))
    officer = _clean(args.get("officer"))
    status = _clean(args.get("review_status"))
    date_from = _clean(args.get("date_from"))
    date_to = _clean(args.get("date_to"))
    entry_from = _clean(args.get("entry_date_from"))
    entry_to = _clean(args.get("entry_date_to"))
    text = _clean(args.get("text"))
    deleted = args.get("include_deleted") == "1"
    term = text.replace("\r", " ").replace("\n", " ").lower() if text is not None else None
    found = set()
    for row in world.rows:
        if caller in OFFICERS:
            visible = row["officer"] == caller
        elif caller in SUPERVISORS:
            visible = row["region"] in SUPERVISORS[caller]
        else:
            visible = True
        day = _wib_day(row["created_at"])
        if (
            visible
            and row["form_id"] == form_id
            and (region is None or row["region"] == region)
            and (kecamatan is None or row["kecamatan"] == kecamatan)
            and (officer is None or row["officer"] == officer)
            and (status is None or row["review_status"] == status)
            and (date_from is None or day >= date.fromisoformat(date_from))
            and (date_to is None or day <= date.fromisoformat(date_to))
            and (entry_from is None or (row["entry_date"] or "") >= entry_from > "")
            and (entry_to is None or "" < (row["entry_date"] or "") <= entry_to)
            and (deleted or row["deleted_at"] is None)
            and (
                term is None
                or term in row["entry_id"].lower()
                or term in row["officer"].lower()
                or term in (row["search_text"] or "")
            )
        ):
            found.add(row["entry_id"])
    return found


# --- what the server returns --------------------------------------------------------------------


def table_ids(world: World, caller: str, form_id: str, args: dict[str, str]) -> set[str]:
    """The entry ids of the entries table page (one page: fewer than 50 entries per form)."""
    resp = world.web[caller].get(
        f"{world.server.url}/forms/{form_id}/entries", params=args, timeout=30
    )
    assert resp.status_code == 200, resp.text[:500]
    assert "after=" not in resp.text  # a single page
    return set(ROW_ID_RE.findall(resp.text))


def export_ids(
    world: World, caller: str, form_id: str, args: dict[str, str], token: str | None = None
) -> set[str]:
    """The entry ids of the CSV export (its KEY column, ``uuid:<entry id>``), signed in with
    the review pages' cookie or with a bearer ``token``. A region outside the caller's is
    refused (403) and counts as no entries."""
    url = f"{world.server.url}/export/{form_id}.csv"
    if token is None:
        resp = world.web[caller].get(url, params=args, timeout=30)
    else:
        headers = {"Authorization": f"Bearer {token}"}
        resp = requests.get(url, params=args, headers=headers, timeout=30)
    if resp.status_code == 403 and resp.json()["error"] == "region_forbidden":
        assert args["region"] not in SUPERVISORS.get(caller, ()), args
        assert caller != "admin"
        return set()
    assert resp.status_code == 200, resp.text[:500]
    reader = csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"), newline=""))
    return {row["KEY"].removeprefix("uuid:") for row in reader}


def sql_ids(world: World, caller: str, form_id: str, args: dict[str, str]) -> set[str]:
    """The shared SQL (``apply_filter`` + ``apply_user_scope``), as any other reader uses it."""
    engine = engine_of(world.server.app)
    with read_tx(engine) as conn:
        user = get_user(conn, caller)
        stmt = apply_filter(select(entries.c.entry_id), from_args(args, form_id=form_id))
        stmt = apply_user_scope(stmt, user)
        return set(conn.execute(stmt).scalars())


# --- strategies ---------------------------------------------------------------------------------

_META = "%_\\'\"-; OR=()*"
_SOURCES = [*TEXTS, *OFFICERS, "16.71.02", "Dinas", "uji"]


@st.composite
def _texts(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 3))
    if kind == 0:  # a piece of a seeded text, in any case
        source = draw(st.sampled_from(_SOURCES))
        start = draw(st.integers(0, len(source) - 1))
        end = draw(st.integers(start + 1, len(source)))
        piece = source[start:end]
        return piece.upper() if draw(st.booleans()) else piece
    if kind == 1:
        return draw(st.sampled_from(["-", "%", "_", "\\", "'", '"', " OR ", "' OR '1'='1", "%_"]))
    return draw(st.text(alphabet=_META + "aeiouDPl5\n", min_size=1, max_size=12))


_DAYS = [None, "2024-08-11", "2024-08-12", "2024-08-13", "2024-08-14", "2024-08-15"]
_ENTRY_DAYS = [None, None, "2024-08-09", "2024-08-12", "2024-08-13", "2024-08-15", "2024-08-21"]


@st.composite
def _filters(draw: st.DrawFn) -> dict[str, str]:
    args: dict[str, str] = {}
    choices: dict[str, Any] = {
        "region": st.sampled_from(["16.71", "16.05", "99.99"]),
        "kecamatan": st.sampled_from(["16.71.01", "16.71.02", "16.05.03", "16.71.01' OR 'x'='x"]),
        "officer": st.sampled_from([*OFFICERS, "spv_plg", "x%"]),
        "review_status": st.sampled_from(REVIEW_STATUSES),
        "text": _texts(),
    }
    for name, strategy in choices.items():
        if draw(st.booleans()):
            args[name] = draw(strategy)
    first, second = draw(st.sampled_from(_DAYS)), draw(st.sampled_from(_DAYS))
    if first and second and first > second:
        first, second = second, first
    if first:
        args["date_from"] = first
    if second:
        args["date_to"] = second
    first, second = draw(st.sampled_from(_ENTRY_DAYS)), draw(st.sampled_from(_ENTRY_DAYS))
    if first and second and first > second:
        first, second = second, first
    if first:
        args["entry_date_from"] = first
    if second:
        args["entry_date_to"] = second
    if draw(st.booleans()):
        args["include_deleted"] = "1"
    return args


@settings(
    max_examples=35,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.data(),
    args=_filters(),
    form_id=st.sampled_from([FORM_A, FORM_B]),
)
def test_filters_never_leak_outside_scope_form_or_deletion(
    world: World, data: st.DataObject, args: dict[str, str], form_id: str
) -> None:
    supervisor = data.draw(st.sampled_from([*SUPERVISORS, "admin"]), label="supervisor")
    officer = data.draw(st.sampled_from(list(OFFICERS)), label="officer")
    rows = {row["entry_id"]: row for row in world.rows}
    want = expected_ids(world, args, form_id, supervisor)
    for where, got in (
        ("table", table_ids(world, supervisor, form_id, args)),
        ("export", export_ids(world, supervisor, form_id, args)),
        ("sql", sql_ids(world, supervisor, form_id, args)),
    ):
        for entry_id in got:  # the invariants, spelled out for a readable failure
            row = rows[entry_id]
            assert row["form_id"] == form_id, (where, args, row)
            assert supervisor == "admin" or row["region"] in SUPERVISORS[supervisor], (where, row)
            assert row["deleted_at"] is None or args.get("include_deleted"), (where, args, row)
        assert got == want, (where, supervisor, args, sorted(got ^ want))
    got = sql_ids(world, officer, form_id, args)
    assert all(rows[entry_id]["officer"] == officer for entry_id in got), (args, got)
    assert got == expected_ids(world, args, form_id, officer), (officer, args)


def test_the_reported_leak_and_officers_refused(world: World) -> None:
    # /export/<form>.csv?text=- as a supervisor of 16.05 once returned 16.71 rows, deleted
    # entries and entries of the other form
    args = {"text": "-"}
    got = export_ids(
        world, "spv_mura", FORM_A, args, token=Client(world.server.url, "spv_mura").token
    )
    assert got and got == expected_ids(world, args, FORM_A, "spv_mura")
    assert table_ids(world, "spv_mura", FORM_A, args) == got
    assert all(row["region"] == "16.05" for row in world.rows if row["entry_id"] in got)
    # officers export nothing (their tablets hold their own entries)
    token = Client(world.server.url, "petugas_plg").token
    resp = requests.get(
        f"{world.server.url}/export/{FORM_A}.csv",
        params=args,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert resp.status_code == 403 and b"uuid:" not in resp.content


def _top_level(sql: str) -> str:
    """``sql`` with every bracketed part (and quoted literal) removed."""
    out, depth, quoted = [], 0, False
    for char in sql:
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        elif depth == 0 and not quoted:
            out.append(char)
    return "".join(out)


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "pg"])
def test_the_text_match_compiles_to_one_bracketed_condition(dialect: Any) -> None:
    """SQLAlchemy pastes a custom element's SQL as it is: it must be one bracketed condition
    under AND, OR and NOT alike (the leak was ``... AND a LIKE x OR b LIKE x OR c LIKE x``)."""
    match = TextMatch(entries, "x' OR '1'='1")
    for condition in (
        and_(entries.c.region == "16.05", match, entries.c.deleted_at.is_(None)),
        and_(match, entries.c.form_id == "f"),
        not_(match),
        or_(entries.c.region == "16.05", match) & (entries.c.form_id == "f"),
    ):
        sql = str(select(entries.c.entry_id).where(condition).compile(dialect=dialect))
        top = _top_level(sql.split("WHERE", 1)[1])
        # the three LIKEs (SQLite) or the one (PostgreSQL) and their ORs stay in brackets
        assert "LIKE" not in top and " OR " not in top, sql
