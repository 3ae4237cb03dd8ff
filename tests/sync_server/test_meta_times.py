"""Meta moments (sync_server.meta_times) and their check on push (sync_server.payload), pure.

The class hunted: a moment a tablet sends (or an old row holds) that some reader cannot turn
into a WIB time. Every reader goes through ``parse_meta_time``/``in_zone``, so it is enough that
those never raise and that whatever ``parse_meta_time`` accepts converts to every zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync_server.conflict_sides import with_sides
from sync_server.meta_times import in_zone, meta_time_problem, parse_meta_time
from sync_server.payload import Limits, parse_revision

from .bad_times import BAD_MOMENTS
from .helpers import make_revision, observation_answers

GOOD_MOMENTS = [
    "2024-08-13T11:00:00+07:00",
    "2024-08-13T04:00:00Z",
    "2024-08-13T11:00:00.123+07:00",
    "2000-01-01T00:00:00+14:00",
    "2100-12-31T23:59:59-12:00",
]
ZONES = [timezone(timedelta(hours=h)) for h in (-12, -1, 0, 7, 14)]


@pytest.mark.parametrize("text", GOOD_MOMENTS)
def test_plausible_moments_are_read(text: str) -> None:
    assert meta_time_problem(text) is None
    moment = parse_meta_time(text)
    assert moment is not None and moment.tzinfo is not None
    for zone in ZONES:
        assert in_zone(moment, zone) is not None


@pytest.mark.parametrize("kind", sorted(BAD_MOMENTS))
def test_implausible_moments_are_named_and_read_as_none(kind: str) -> None:
    assert meta_time_problem(BAD_MOMENTS[kind]) is not None
    assert parse_meta_time(BAD_MOMENTS[kind]) is None


@given(st.one_of(st.text(max_size=60), st.none(), st.integers(), st.floats()))
def test_any_value_is_read_without_raising(value: object) -> None:
    moment = parse_meta_time(value)
    if moment is not None:  # then it converts to every zone
        assert all(in_zone(moment, zone) is not None for zone in ZONES)


@given(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.integers(-23 * 60 - 59, 23 * 60 + 59),
)
def test_any_iso_moment_with_any_offset_is_read_without_raising(naive, minutes) -> None:
    """Every offset Python accepts, every year: nothing raises, and only plausible ones are
    accepted."""
    text = naive.replace(tzinfo=timezone(timedelta(minutes=minutes))).isoformat()
    moment = parse_meta_time(text)
    if moment is None:
        assert meta_time_problem(text) is not None
    else:
        assert 2000 <= moment.year <= 2100 and abs(minutes) <= 14 * 60
        assert in_zone(moment, timezone(timedelta(hours=7))) is not None


def test_in_zone_never_raises_near_the_ends_of_time() -> None:
    assert in_zone(datetime.max.replace(tzinfo=UTC), timezone(timedelta(hours=7))) is None
    assert in_zone(datetime.min.replace(tzinfo=UTC), timezone(timedelta(hours=-7))) is None
    assert in_zone(None, UTC) is None


@pytest.mark.parametrize("field", ["started_at", "finalized_at"])
@pytest.mark.parametrize("kind", sorted(BAD_MOMENTS))
def test_parse_revision_sets_an_implausible_meta_moment_aside(field: str, kind: str) -> None:
    """Only the tablet's claim: left out of the stored meta, the revision kept (a tablet whose
    clock was reset to 1970 must not have its entries refused for good)."""
    item = make_revision(observation_answers())
    item["meta"][field] = BAD_MOMENTS[kind]
    other = "finalized_at" if field == "started_at" else "started_at"
    rev = parse_revision(item, Limits())
    assert field not in rev.meta
    assert rev.meta[other] == item["meta"][other]  # the good one is kept
    assert rev.answers == item["answers"] and rev.rev == item["rev"]


def test_parse_revision_accepts_left_out_or_null_meta_moments() -> None:
    item = make_revision(observation_answers())
    item["meta"]["started_at"] = None
    del item["meta"]["finalized_at"]
    rev = parse_revision(item, Limits())
    assert "started_at" not in rev.meta and "finalized_at" not in rev.meta


@pytest.mark.parametrize("finalized_at", [*BAD_MOMENTS.values(), 12345, None, "2024-08-13T11:00:00+07:00"])
def test_conflict_sides_name_a_finalize_time_only_when_plausible(finalized_at: object) -> None:
    """The tablet formats ``made_at`` as a local time: an implausible one is left out."""
    rows = [
        {"rev": "1-a", "parent_rev": None, "merge_parent_rev": None, "author": "p",
         "author_kind": "device", "created_at": "x", "meta": {}, "answers": {"f": "base"}},
        {"rev": "2-b", "parent_rev": "1-a", "merge_parent_rev": None, "author": "p",
         "author_kind": "device", "created_at": "x", "meta": {"finalized_at": finalized_at},
         "answers": {"f": "ours"}},
    ]  # fmt: skip
    conflict = {"path": "f", "base": "base", "ours": "ours", "theirs": "theirs"}
    side = with_sides([conflict], {"f": "ours"}, rows)[0]["ours_by"]
    plausible = finalized_at == "2024-08-13T11:00:00+07:00"
    assert side["made_at"] == (finalized_at if plausible else None)
