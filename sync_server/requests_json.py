"""Reading JSON request bodies strictly: UTF-8, an object, known fields, right types.

Anything else is an :class:`~sync_server.errors.ApiError` (400/415), never a crash. Numbers
must be finite: ``NaN``/``Infinity`` are not JSON (``malformed_json``), and a number a float
cannot hold (``1e400``, an integer of 400 digits) is refused as ``number_out_of_range``, so
no stored value can become an infinity later (in an average, in the pull feed's JSON).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import msgspec
from flask import request

from .errors import ApiError

__all__ = ["check_no_unknown", "parse_json_bytes", "read_json_object", "require_fields"]


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


#: The smallest integer ``float()`` cannot convert (larger ones overflow to an error).
_FLOAT_LIMIT = 2**1024


class _OutOfRangeError(ValueError):
    """A JSON number a float cannot hold."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text if len(text) <= 40 else f"{text[:20]}...({len(text)} digits)"


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _OutOfRangeError(text)
    return number


def _float_sized_int(text: str) -> int:
    if len(text) > 320:  # well past 2**1024 (309 digits); int() refuses 4,300 digits anyway
        raise _OutOfRangeError(text)
    number = int(text)
    if abs(number) >= _FLOAT_LIMIT:
        raise _OutOfRangeError(text)
    return number


#: msgspec's decoder accepts a subset of what the ``json`` path below accepts (strict JSON in
#: valid UTF-8: no NaN or Infinity, no lone surrogates, no float out of range) and gives the
#: same values; anything it refuses goes through that path, which decides. msgspec does accept
#: integers of any size: a body with a run of 309 digits or more (perhaps such an integer,
#: perhaps only text) goes through the strict path too.
_FAST_DECODER = msgspec.json.Decoder()
#: Each byte of a body as ``1`` (an ASCII digit) or ``0`` (anything else): a run of 309 digits
#: is then a plain substring search (``_DIGIT_RUN in raw.translate(_DIGIT_MARKS)``), both in
#: C at about a byte a nanosecond. This scan is on every JSON body the server reads; RE2's
#: ``[0-9]{309}`` took about 4 times as long on a push body, ``re`` about 25 times.
_DIGIT_MARKS = bytes(0x31 if 0x30 <= byte <= 0x39 else 0x30 for byte in range(256))
_DIGIT_RUN = b"1" * 309


def has_long_digit_run(raw: bytes) -> bool:
    """Whether ``raw`` holds 309 or more ASCII digits in a row (see ``_FAST_DECODER``)."""
    return _DIGIT_RUN in raw.translate(_DIGIT_MARKS)


def parse_json_bytes(raw: bytes) -> Any:
    """Decode strict UTF-8 JSON with finite numbers; raises :class:`ApiError` on failure."""
    try:
        value = _FAST_DECODER.decode(raw)
    except (msgspec.DecodeError, RecursionError):
        pass  # the strict path below gives the value or the error
    else:
        if not has_long_digit_run(raw):
            return value
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "not_utf8") from exc
    try:
        value = json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            parse_int=_float_sized_int,
        )
    except _OutOfRangeError as exc:
        raise ApiError(400, "number_out_of_range", number=exc.text) from None
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "malformed_json") from exc
    if _SURROGATE_ESCAPE.search(text):
        # "\ud800" escapes can smuggle lone surrogates, which are not text: refuse them here
        # rather than fail later when the value is hashed or stored.
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ApiError(400, "not_utf8") from exc
    return value


def read_json_object() -> dict[str, Any]:
    """The request body as a JSON object (413 over the size limit, 415 if not JSON)."""
    mimetype = request.mimetype or ""
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiError(415, "unsupported_media_type")
    body = parse_json_bytes(request.get_data(cache=True))
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", detail="the body must be a JSON object")
    return body


def check_no_unknown(obj: dict[str, Any], allowed: set[str] | dict[str, Any], where: str) -> None:
    """Raise 400 when ``obj`` has a key outside ``allowed``."""
    unknown = sorted(set(obj) - set(allowed))
    if unknown:
        raise ApiError(400, "bad_request", detail=f"unknown field {unknown[0]!r} in {where}")


def require_fields(
    obj: dict[str, Any], required: dict[str, type | tuple[type, ...]], optional: dict[str, Any]
) -> None:
    """Check required and optional fields and their types; unknown fields are refused."""
    check_no_unknown(obj, set(required) | set(optional), "the body")
    for name, kind in required.items():
        if name not in obj:
            raise ApiError(400, "bad_request", detail=f"missing field {name!r}")
        if not isinstance(obj[name], kind) or (isinstance(obj[name], bool) and kind is not bool):
            raise ApiError(400, "bad_request", detail=f"field {name!r} has the wrong type")
    for name, kind in optional.items():
        if name in obj and obj[name] is not None and not isinstance(obj[name], kind):
            raise ApiError(400, "bad_request", detail=f"field {name!r} has the wrong type")
    for name, value in obj.items():
        if isinstance(value, str) and "\x00" in value:  # PostgreSQL text cannot hold it
            raise ApiError(400, "bad_request", detail=f"field {name!r} holds a NUL character")
