"""The moment a pushed revision's ``now()`` and ``today()`` stand for (split from
:mod:`sync_server.push` along this seam)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from survey_forms.session import WIB

from .meta_times import parse_meta_time

__all__ = ["FUTURE_SKEW", "finalized_moment"]

#: a ``finalized_at`` further ahead of the server's clock than this is not believed
FUTURE_SKEW = timedelta(hours=24)


def finalized_moment(meta: Any, server_now: datetime | None = None) -> datetime | None:
    """The moment ``now()`` and ``today()`` stand for when the server checks a revision: the
    tablet's ``finalized_at`` (with its offset), as the officer's constraints were checked
    then; ``None`` (the server's clock) when it is missing, not plausible
    (:mod:`sync_server.meta_times`), or more than :data:`FUTURE_SKEW` ahead of the server. So an
    entry finalized at 23:50 WIB and pushed after midnight still meets ``. = today()``.

    The moment is given in WIB, the zone the tablet's form session checks ``today()`` in
    (:class:`survey_forms.session.FormSession`), whatever zone the tablet's system clock is
    set to: ``finalized_at`` carries the system's offset, so a tablet set to UTC or to WIT
    (Jayapura) would otherwise be checked against another day than it was finalized on.
    """
    moment = parse_meta_time(meta.get("finalized_at") if isinstance(meta, dict) else None)
    if moment is None:
        return None
    now = server_now or datetime.now(UTC)
    if moment - now > FUTURE_SKEW:
        return None
    return moment.astimezone(WIB)


