"""Figures of the dashboard: entries per day, last sync per officer and device, observation
scores per region. Queries over a connection; the page module only renders them."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Connection, cast, func, select

from ..db import is_sqlite
from ..entry_filters import EntryFilter, apply_filter, apply_user_scope
from ..schema import device_tokens, entries, revisions, user_regions, users
from .i18n import WIB, parse_iso

__all__ = ["SCORE_FIELDS", "entries_per_day", "last_sync", "scores_by_region"]

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


def _number(value: Any) -> float | None:
    """A score as a number; ``None`` for empty, unreadable or non-finite (``NaN``) values."""
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def scores_by_region(conn: Connection, user: Any, flt: EntryFilter) -> list[dict[str, Any]]:
    """Average of the observation form's component scores and total per region (head
    revisions of the entries matching ``flt``), with the number of entries averaged.

    The database extracts the seven scores of each entry as one small JSON array (SQLite: one
    ``json_extract`` with all seven paths, so each answers document is parsed once); the
    averages are summed here while the rows stream. Empty scores are left out.
    """
    head = revisions.alias("head")
    joined = entries.join(
        head, (head.c.entry_id == entries.c.entry_id) & (head.c.rev == entries.c.head_rev)
    )
    if is_sqlite(conn):
        doc = func.json_extract(head.c.answers, *[f"$.{key}" for key in SCORE_FIELDS])
    else:
        doc = func.json_build_array(*[cast(head.c.answers, JSON)[key] for key in SCORE_FIELDS])
    stmt = apply_user_scope(
        apply_filter(select(entries.c.region, doc).select_from(joined), flt), user
    )
    totals: dict[str, list[float]] = {}
    counts: dict[str, list[int]] = {}
    entries_per_region: dict[str, int] = {}
    for region, raw in conn.execution_options(stream_results=True).execute(stmt):
        values = json.loads(raw) if isinstance(raw, str) else (raw or [])
        sums = totals.setdefault(region, [0.0] * len(SCORE_FIELDS))
        ns = counts.setdefault(region, [0] * len(SCORE_FIELDS))
        entries_per_region[region] = entries_per_region.get(region, 0) + 1
        for i, value in enumerate(values[: len(SCORE_FIELDS)]):
            number = _number(value)
            if number is not None:
                sums[i] += number
                ns[i] += 1
    out = []
    for region in sorted(totals):
        row: dict[str, Any] = {"region": region, "n": entries_per_region[region]}
        for i, key in enumerate(SCORE_FIELDS):
            row[key] = totals[region][i] / counts[region][i] if counts[region][i] else None
        out.append(row)
    return out
