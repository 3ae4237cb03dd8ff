"""Figures of the dashboard: entries per day, last sync per officer and device, observation
scores per region. Queries over a connection; the page module only renders them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Connection, Float, cast, func, select
from sqlalchemy.sql.elements import ColumnElement

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


def scores_by_region(conn: Connection, user: Any, flt: EntryFilter) -> list[dict[str, Any]]:
    """Average of the observation form's component scores and total per region (head
    revisions of the entries matching ``flt``), with the number of entries averaged."""
    head = revisions.alias("head")
    columns = [
        func.avg(cast(func.nullif(_json_text(conn, head.c.answers, key), ""), Float)).label(key)
        for key in SCORE_FIELDS
    ]
    stmt = (
        select(entries.c.region, func.count().label("n"), *columns)
        .select_from(
            entries.join(
                head, (head.c.entry_id == entries.c.entry_id) & (head.c.rev == entries.c.head_rev)
            )
        )
        .group_by(entries.c.region)
        .order_by(entries.c.region)
    )
    stmt = apply_user_scope(apply_filter(stmt, flt), user)
    return [dict(row) for row in conn.execute(stmt).mappings()]


def _json_text(conn: Connection, column: Any, key: str) -> ColumnElement[Any]:
    if is_sqlite(conn):
        return func.json_extract(column, f"$.{key}")
    return cast(column, JSON)[key].as_string()
