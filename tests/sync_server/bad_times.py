"""Implausible meta times a tablet might send (or an old row hold), one of each kind."""

from __future__ import annotations

__all__ = ["BAD_MOMENTS"]

#: one bad moment of each kind
BAD_MOMENTS = {
    "far future, UTC": "9999-12-31T23:00:00+00:00",
    "far future, offset -23:59": "9999-12-31T23:59:59-23:59",
    "year 1, offset +23:59": "0001-01-01T00:00:00+23:59",
    "offset -23:59 in a normal year": "2024-08-13T11:00:00-23:59",
    "offset +15:00": "2024-08-13T11:00:00+15:00",
    "offset +99:00": "2024-08-13T11:00:00+99:00",
    "year 2999": "2999-01-01T00:00:00+07:00",
    "year 1999": "1999-12-31T23:59:59+07:00",
    "no offset": "2024-08-13T11:00:00",
    "a date only": "2024-08-13",
    "garbage": "garbage",
    "empty": "",
    "too long": "2024-08-13T11:00:00.000000000000000000000+07:00",
}
