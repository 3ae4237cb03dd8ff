"""sync_server.entry_filters: parsing with clear errors, and the SQL it adds, on a real database."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from sync_server.db import read_tx, write_tx
from sync_server.entry_filters import (
    EntryFilter,
    FilterError,
    apply_filter,
    apply_user_scope,
    from_args,
    to_args,
)
from sync_server.schema import entries
from sync_server.users import User
from tests.support.server import engine_of

from .conftest import FORM_ID, Seeded


def test_from_args_parses_and_round_trips() -> None:
    flt = from_args(
        {
            "region": " 16.71 ",
            "kecamatan": "16.71.02",
            "officer": "budi",
            "review_status": "approved",
            "date_from": "2024-08-01",
            "date_to": "2024-08-31",
            "text": "Pasar",
            "include_deleted": "1",
            "labels": "1",  # an export option in the same query string: ignored here
            "page": "",
        },
        form_id="obs",
    )
    assert flt == EntryFilter(
        "obs",
        "16.71",
        "16.71.02",
        "budi",
        "approved",
        date(2024, 8, 1),
        date(2024, 8, 31),
        "Pasar",
        True,
    )
    assert from_args(to_args(flt)) == flt
    assert from_args({}).is_empty() and not flt.is_empty()
    assert from_args({"region": "", "text": "   "}) == EntryFilter()


@pytest.mark.parametrize(
    ("args", "field", "code"),
    [
        ({"date_from": "2024-02-30"}, "date_from", "bad_date"),
        ({"date_to": "13/08/2024"}, "date_to", "bad_date"),
        ({"date_from": "2024-09-01", "date_to": "2024-08-01"}, "date_from", "date_order"),
        ({"review_status": "done"}, "review_status", "bad_status"),
        ({"region": "16 71; drop"}, "region", "bad_region"),
        ({"text": "x" * 201}, "text", "too_long"),
        ({"include_deleted": "perhaps"}, "include_deleted", "bad_flag"),
    ],
)
def test_from_args_errors_are_bilingual(args: dict, field: str, code: str) -> None:
    with pytest.raises(FilterError) as info:
        from_args(args)
    assert info.value.field == field and info.value.code == code
    assert set(info.value.messages) == {"id", "en"}
    assert info.value.messages["id"] != info.value.messages["en"]


def _ids(seeded: Seeded, flt: EntryFilter, user: User | None = None) -> set[str]:
    stmt = apply_filter(select(entries.c.entry_id), flt)
    if user is not None:
        stmt = apply_user_scope(stmt, user)
    with read_tx(engine_of(seeded.server.app)) as conn:
        return set(conn.execute(stmt).scalars())


def test_submission_dates_are_whole_days_in_wib(sqlite_seeded: Seeded) -> None:
    seeded = sqlite_seeded
    ids = list(seeded.pushed)
    times = [
        "2024-08-12T16:59:59.999999Z",  # 23:59:59 WIB on 12 August
        "2024-08-12T17:00:00.000000Z",  # 00:00 WIB on 13 August
        "2024-08-13T16:59:59.000000Z",  # 23:59:59 WIB on 13 August
        "2024-08-13T17:00:00.000000Z",  # 00:00 WIB on 14 August
        "2024-08-20T03:00:00.000000Z",
    ]
    with write_tx(engine_of(seeded.server.app)) as conn:
        for entry_id, at in zip(ids, times, strict=True):
            conn.execute(
                update(entries).where(entries.c.entry_id == entry_id).values(created_at=at)
            )
    day = date(2024, 8, 13)
    assert _ids(seeded, EntryFilter(date_from=day, date_to=day)) == {ids[1], ids[2]}
    assert _ids(seeded, EntryFilter(date_from=day)) == set(ids[1:])
    assert _ids(seeded, EntryFilter(date_to=day)) == set(ids[:3])


def test_filters_scope_and_text_search(sqlite_seeded: Seeded) -> None:
    seeded = sqlite_seeded
    pushed = seeded.pushed
    assert _ids(seeded, EntryFilter(form_id=FORM_ID)) == set(pushed)
    assert _ids(seeded, EntryFilter(form_id="other")) == set()
    assert _ids(seeded, EntryFilter(text="UNIT 1")) == {
        e for e, i in pushed.items() if "unit 1" in i["answers"]["nama_unit"].lower()
    }
    # LIKE wildcards in the search text are literal
    assert _ids(seeded, EntryFilter(text="%")) == set()
    assert _ids(seeded, EntryFilter(text="Dinas_")) == set()  # unescaped, "_" would match " "
    assert _ids(seeded, EntryFilter(text="Dinas ")) != set()
    assert _ids(seeded, EntryFilter(text="petugas_mura")) == {
        e for e, i in pushed.items() if i["officer"] == "petugas_mura"
    }
    # kecamatan matches the whole answer, not a prefix
    assert _ids(seeded, EntryFilter(kecamatan="16.71.0")) == set()
    supervisor = User(1, "spv_plg", "", "supervisor", ("16.71",))
    officer = User(2, "petugas_mura", "", "officer", ("16.05",))
    admin = User(3, "admin", "", "admin", ())
    assert _ids(seeded, EntryFilter(), supervisor) == {
        e for e, i in pushed.items() if i["region"] == "16.71"
    }
    assert _ids(seeded, EntryFilter(), officer) == {
        e for e, i in pushed.items() if i["officer"] == "petugas_mura"
    }
    assert _ids(seeded, EntryFilter(), admin) == set(pushed)
