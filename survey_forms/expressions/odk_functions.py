"""ODK functions beyond XPath 1.0: ``digest``, ``base64-decode``, ``checklist``,
``weighted-checklist``, ``date-time``, ``uuid`` and ``random``, as JavaRosa evaluates them.

Where JavaRosa raises an error (an unknown digest algorithm, a date out of range), these give
``""`` or NaN: an officer's answer must not break the form.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import secrets
import string
import uuid as uuid_module
from datetime import UTC, datetime, timedelta
from typing import Any

from .dates import format_datetime, parse_datetime, parse_loose
from .values import NodeSet, Value, to_boolean, to_number, to_string

__all__ = [
    "base64_decode",
    "checklist",
    "date_time",
    "digest",
    "random_number",
    "uuid",
    "weighted_checklist",
]

_DIGESTS = {
    "MD5": "md5",
    "SHA1": "sha1",
    "SHA256": "sha256",
    "SHA384": "sha384",
    "SHA512": "sha512",
}


def digest(text: Value, algorithm: Value, encoding: Value = "base64") -> str:
    """``digest(text, 'SHA-256'[, 'hex'])``: the hash of the UTF-8 text, base64 by default.

    Algorithms MD5, SHA-1, SHA-256, SHA-384, SHA-512 (any case, dashes optional, as
    JavaRosa); an unknown algorithm or encoding gives ``""``."""
    name = _DIGESTS.get(to_string(algorithm).upper().replace("-", ""))
    kind = to_string(encoding).upper()
    if name is None or kind not in ("BASE64", "HEX"):
        return ""
    raw = hashlib.new(name, to_string(text).encode("utf-8", "surrogatepass")).digest()
    return raw.hex() if kind == "HEX" else base64.b64encode(raw).decode("ascii")


def base64_decode(text: Value) -> str:
    """``base64-decode(s)``: the UTF-8 text encoded; ``""`` for invalid base64 (as JavaRosa).

    Bytes that are not UTF-8 become U+FFFD, as Java's decoder does."""
    try:
        raw = base64.b64decode(to_string(text), validate=True)
    except (binascii.Error, ValueError):
        return ""
    return raw.decode("utf-8", "replace")


def _flags(values: tuple[Value, ...]) -> list[Value]:
    flags: list[Value] = []
    for value in values:
        if type(value) is NodeSet:
            flags.extend(value)
        else:
            flags.append(value)
    return flags


def _java_int(value: Value) -> int:
    number = to_number(value)
    if number != number:
        return 0
    if math.isinf(number):
        return 2**31 - 1 if number > 0 else -(2**31)
    return int(number)


def checklist(low: Value, high: Value, *factors: Value) -> bool:
    """``checklist(min, max, f1, f2, ...)``: whether the number of true factors is between min
    and max (inclusive); -1 means no bound."""
    count = sum(1 for factor in _flags(factors) if to_boolean(factor))
    minimum, maximum = _java_int(low), _java_int(high)
    return (minimum < 0 or count >= minimum) and (maximum < 0 or count <= maximum)


def weighted_checklist(low: Value, high: Value, *pairs: Value) -> bool:
    """``weighted-checklist(min, max, f1, w1, f2, w2, ...)``: whether the sum of the weights of
    the true factors is between min and max (inclusive). Two node-sets of factors and weights
    may be given instead of pairs."""
    if len(pairs) == 2 and type(pairs[0]) is NodeSet and type(pairs[1]) is NodeSet:
        flags, weights = list(pairs[0]), list(pairs[1])
        if len(flags) != len(weights):
            return False
    else:
        flags, weights = list(pairs[0::2]), list(pairs[1::2])
    total = sum(to_number(w) for f, w in zip(flags, weights, strict=False) if to_boolean(f))
    return to_number(low) <= total <= to_number(high)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY_LIMIT = 2**31 - 1


def date_time(ctx: Any, value: Value) -> Value:
    """``date-time(x)``: a dateTime from a date/dateTime string, or from a number of days since
    1970-01-01T00:00Z (shown in the device's zone, as JavaRosa). ``""`` when it is neither."""
    if type(value) is bool:
        return ""
    if type(value) is float:
        if value != value:
            return value  # NaN (an empty number) stays NaN, as JavaRosa
        if not math.isfinite(value) or abs(value) > _DAY_LIMIT:
            return ""
        try:
            moment = _EPOCH + timedelta(milliseconds=math.trunc(value * 86_400_000))
        except OverflowError:
            return ""
        zone = ctx.now().tzinfo or UTC
        return format_datetime(moment.astimezone(zone))
    text = to_string(value)
    if not text.strip():
        return ""
    stripped = text.strip()
    moment = parse_datetime(stripped) or parse_loose(stripped)
    if moment is None:
        return ""
    if moment.tzinfo is None:
        return moment.isoformat(timespec="milliseconds")
    return format_datetime(moment)


def uuid(length: Value | None = None) -> str:
    """``uuid()``: a random version 4 UUID; ``uuid(n)``: n random characters (0-9, A-Z)."""
    if length is None:
        return str(uuid_module.uuid4())
    count = max(0, min(_java_int(length), 10_000))
    alphabet = string.digits + string.ascii_uppercase
    return "".join(secrets.choice(alphabet) for _ in range(count))


def random_number() -> float:
    """``random()``: a random number in [0, 1)."""
    return secrets.randbelow(2**53) / 2**53
