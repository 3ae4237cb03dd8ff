"""Figures of the dashboard: entries per day and the last contact of each officer's tablets.
Queries over a connection; the page module only renders them. Scores, indicator results and the
survey's IKM per area: :mod:`.dashboard_areas`; the map: :mod:`.dashboard_map`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from ..device_contacts import contacts_of
from ..entry_filters import EntryFilter, apply_filter, apply_user_scope
from ..meta_times import in_zone
from ..schema import device_tokens, entries, user_regions, users
from .i18n import WIB, parse_iso

__all__ = ["entries_per_day", "last_sync"]


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
        local = in_zone(parse_iso(f"{stamp}:00:00Z"), WIB)  # never raises on a stored value
        if local is None:
            continue
        day = local.date()
        if day in per_day:
            per_day[day] += count
    return sorted(per_day.items())


def last_sync(
    conn: Connection, user: Any, now: datetime, stale_days: int = 3
) -> list[dict[str, Any]]:
    """Each active officer of the user's regions (admins: all), those out of touch longest
    first: the last time any of their tablets called the sync API (``last_contact``), what
    that tablet reported waiting on it then (``waiting``, ``drafts``; ``None`` when it sent no
    report), when their newest entry arrived, and their devices (contact, report, sign-in).
    ``stale`` when no tablet of theirs made contact for ``stale_days`` days (or ever)."""
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
    pushes = dict(
        conn.execute(
            select(entries.c.officer, func.max(entries.c.created_at))
            .where(entries.c.officer.in_(list(people)))
            .group_by(entries.c.officer)
        ).all()
    )
    signed_in: dict[tuple[int, str], str] = {}
    for row in conn.execute(
        select(
            device_tokens.c.user_id, device_tokens.c.device_id, func.max(device_tokens.c.created_at)
        )
        .where(device_tokens.c.user_id.in_([p["id"] for p in people.values()]))
        .group_by(device_tokens.c.user_id, device_tokens.c.device_id)
    ):
        signed_in[(row[0], row[1])] = row[2]
    contacts = contacts_of(conn, list(people))
    out = []
    limit = now - timedelta(days=stale_days)
    for username, person in people.items():
        seen = contacts.get(username, [])
        devices = [
            {
                "device_id": c["device_id"],
                "last_contact": c["last_contact_at"],
                "waiting": c["waiting"],
                "drafts": c["drafts"],
                "reported_at": c["reported_at"],
                "signed_in": signed_in.get((person["id"], c["device_id"])),
            }
            for c in seen
        ]
        known = {d["device_id"] for d in devices}
        devices += [
            {
                "device_id": dev,
                "last_contact": None,
                "waiting": None,
                "drafts": None,
                "reported_at": None,
                "signed_in": at,
            }
            for (uid, dev), at in sorted(signed_in.items())
            if uid == person["id"] and dev not in known
        ]
        latest = devices[0] if seen else None
        moment = parse_iso(latest["last_contact"]) if latest else None
        out.append(
            {
                "username": username,
                "full_name": person["full_name"],
                "last_contact": latest["last_contact"] if latest else None,
                "waiting": latest["waiting"] if latest else None,
                "drafts": latest["drafts"] if latest else None,
                "last_push": pushes.get(username),
                "devices": devices,
                "stale": moment is None or moment < limit,
            }
        )
    out.sort(key=lambda r: (r["last_contact"] or "", r["username"]))
    return out
