"""Figures of the dashboard: entries per day, last sync per officer and device, observation
scores per region. Queries over a connection; the page module only renders them."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Connection, case, cast, func, select

from ..db import is_sqlite
from ..entry_filters import EntryFilter, apply_filter, apply_user_scope
from ..schema import device_tokens, entries, revisions, user_regions, users
from .i18n import WIB, parse_iso

__all__ = ["SCORE_FIELDS", "SCORE_RANGE", "entries_per_day", "last_sync", "scores_by_region"]

SCORE_FIELDS = ("skor_k1", "skor_k2", "skor_k3", "skor_k4", "skor_k5", "skor_k6", "skor_total")


def entries_per_day(
    conn: Connection, user: Any, flt: EntryFilter, today: date, days: int = 30
) -> list[tuple[date, int]]:
    """How many entries were first received on each of the last ``days`` days (WIB dates)."""
    first = today - timedelta(days=days - 1)
    start_utc = datetime.combine(first, datetime.min.time(), tzinfo=WIB).astimezone(UTC)
    since = start_utc.strftime("%Y-%m-%dT%H")
    hour = func.substr(entries.c.created_at, 1, 13)
    stmt = select(hour, func.count()).where(entries.c.created_at >= since).group_by(hour)
    stmt = apply_user_scope(apply_filter(stmt, flt), user)
    per_day = {first + timedelta(days=i): 0 for i in range(days)}
    for stamp, count in conn.execute(stmt):
        moment = parse_iso(f"{stamp}:00:00Z")
        if moment is None:
            continue
        day = moment.astimezone(WIB).date()
        if day in per_day:
            per_day[day] += count
    return sorted(per_day.items())


def last_sync(
    conn: Connection, user: Any, now: datetime, stale_days: int = 3
) -> list[dict[str, Any]]:
    """Each officer the user oversees: when their newest entry arrived, the devices they signed
    in from, and ``stale`` when no new entry arrived for ``stale_days`` days (or ever)."""
    officers = select(users.c.id, users.c.username, users.c.full_name).where(
        users.c.role == "officer", users.c.active.is_(True)
    )
    if user.role != "admin":
        officers = officers.where(
            users.c.id.in_(
                select(user_regions.c.user_id).where(user_regions.c.region.in_(list(user.regions)))
            )
        )
    people = {row.username: dict(row._mapping) for row in conn.execute(officers)}
    if not people:
        return []
    # The newest entry each officer sent: read from an index of ``entries`` (the revisions
    # table has no index on the author, and the core does not keep a token's last use).
    pushes = dict(
        conn.execute(
            select(entries.c.officer, func.max(entries.c.created_at))
            .where(entries.c.officer.in_(list(people)))
            .group_by(entries.c.officer)
        ).all()
    )
    devices: dict[int, list[dict[str, Any]]] = {}
    for row in conn.execute(
        select(
            device_tokens.c.user_id,
            device_tokens.c.device_id,
            func.max(device_tokens.c.created_at).label("signed_in"),
            func.max(device_tokens.c.last_used_at).label("last_used"),
        )
        .where(device_tokens.c.user_id.in_([p["id"] for p in people.values()]))
        .group_by(device_tokens.c.user_id, device_tokens.c.device_id)
    ):
        devices.setdefault(row.user_id, []).append(
            {"device_id": row.device_id, "signed_in": row.signed_in, "last_used": row.last_used}
        )
    out = []
    limit = now - timedelta(days=stale_days)
    for username, person in sorted(people.items()):
        last = pushes.get(username)
        moment = parse_iso(last)
        out.append(
            {
                "username": username,
                "full_name": person["full_name"],
                "last_push": last,
                "devices": sorted(devices.get(person["id"], []), key=lambda d: d["device_id"]),
                "stale": moment is None or moment < limit,
            }
        )
    return out


#: the observation form's scores are percentages (100 * weighted share): anything else stored
#: in one (a value sent before the server recomputed scores, a damaged row) is not a score
SCORE_RANGE = (0.0, 100.0)

_INVALID = object()


def _number(value: Any) -> Any:
    """A score as a number; ``None`` when empty (also ODK's text ``"NaN"`` of a sum with an
    empty part); ``_INVALID`` for anything that is not a score: not a number (a list, a
    boolean, other text), not finite, too large for a float, or outside :data:`SCORE_RANGE`."""
    if value is None or value == "" or value == "NaN":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return _INVALID
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return _INVALID
    low, high = SCORE_RANGE
    return number if math.isfinite(number) and low <= number <= high else _INVALID


def _scores_of(raw: Any, answers_text: str | None) -> list[Any]:
    """The score values of one row: the database's JSON array, or (for a stored document the
    database cannot read as JSON) taken from the answers by Python's lenient reader."""
    try:
        if answers_text is not None:
            answers = json.loads(answers_text)
            return [answers.get(key) for key in SCORE_FIELDS] if isinstance(answers, dict) else []
        values = json.loads(raw) if isinstance(raw, str) else (raw or [])
    except (ValueError, RecursionError):
        return [_INVALID] * len(SCORE_FIELDS)
    return values if isinstance(values, list) else [_INVALID] * len(SCORE_FIELDS)


def scores_by_region(conn: Connection, user: Any, flt: EntryFilter) -> list[dict[str, Any]]:
    """Average of the observation form's component scores and total per region (head
    revisions of the entries matching ``flt``), with the number of entries averaged and the
    number of stored values left out as invalid (``invalid``).

    The database extracts the seven scores of each entry as one small JSON array (SQLite: one
    ``json_extract`` with all seven paths, so each answers document is parsed once); the
    averages are summed here while the rows stream. Empty scores are left out, and so is
    anything that is not a score (see :func:`_number`): a value stored before the server
    recomputed calculations, or written into the database by hand, never breaks the page.
    A document holding ``NaN``/``Infinity`` (not JSON: both databases' JSON functions refuse
    it) is handed over as text instead and read here.
    """
    head = revisions.alias("head")
    joined = entries.join(
        head, (head.c.entry_id == entries.c.entry_id) & (head.c.rev == entries.c.head_rev)
    )
    if is_sqlite(conn):
        odd = (func.instr(head.c.answers, "NaN") > 0) | (func.instr(head.c.answers, "Infinity") > 0)
        doc = func.json_extract(head.c.answers, *[f"$.{key}" for key in SCORE_FIELDS])
    else:
        odd = (func.strpos(head.c.answers, "NaN") > 0) | (
            func.strpos(head.c.answers, "Infinity") > 0
        )
        doc = func.json_build_array(*[cast(head.c.answers, JSON)[key] for key in SCORE_FIELDS])
    columns = (
        entries.c.region,
        case((odd, None), else_=doc),
        case((odd, head.c.answers), else_=None),
    )
    stmt = apply_user_scope(apply_filter(select(*columns).select_from(joined), flt), user)
    width = len(SCORE_FIELDS)
    totals: dict[str, list[float]] = {}
    counts: dict[str, list[int]] = {}
    invalid: dict[str, int] = {}
    entries_per_region: dict[str, int] = {}
    for region, raw, answers_text in conn.execution_options(stream_results=True).execute(stmt):
        values = _scores_of(raw, answers_text)
        sums = totals.setdefault(region, [0.0] * width)
        ns = counts.setdefault(region, [0] * width)
        entries_per_region[region] = entries_per_region.get(region, 0) + 1
        for i, value in enumerate(values[:width]):
            number = _number(value)
            if number is _INVALID:
                invalid[region] = invalid.get(region, 0) + 1
            elif number is not None:
                sums[i] += number
                ns[i] += 1
    out = []
    for region in sorted(totals):
        row: dict[str, Any] = {
            "region": region,
            "n": entries_per_region[region],
            "invalid": invalid.get(region, 0),
        }
        for i, key in enumerate(SCORE_FIELDS):
            row[key] = totals[region][i] / counts[region][i] if counts[region][i] else None
        out.append(row)
    return out
