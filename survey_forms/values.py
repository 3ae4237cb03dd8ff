"""Answer values: checking and normalising JSON values per question type, and their XPath text.

The JSON shape of each type is listed in ``docs/architecture.md``. :func:`normalize` accepts the
canonical JSON value and a few lenient spellings (an integer as a string, a geopoint as ODK's
``"lat lon alt acc"`` text) and returns the canonical value, or raises :class:`ValueTypeError`.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

__all__ = ["ValueTypeError", "is_empty", "normalize", "xpath_text"]

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class ValueTypeError(ValueError):
    """A value that does not fit its question's type; ``code`` is ``"type.<type>"``."""

    def __init__(self, qtype: str) -> None:
        self.code = f"type.{qtype}"
        super().__init__(f"value does not fit type {qtype}")


def is_empty(value: Any) -> bool:
    """True for an unanswered value: ``None``, ``""`` or an empty list."""
    return value is None or value == "" or value == []


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def normalize(qtype: str, value: Any) -> Any:
    """Return the canonical JSON value of ``value`` for a question of type ``qtype``."""
    check = _NORMALIZERS.get(qtype)
    if check is None:
        raise ValueTypeError("group" if qtype in {"group", "repeat", "note"} else qtype)
    return check(value)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueTypeError("text")
    return value


def _integer(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = _number(value)
    if number is None or not number.is_integer() or abs(number) > 2**53:
        raise ValueTypeError("integer")
    return int(number)


def _decimal(value: Any) -> float | int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = _number(value)
    if number is None:
        raise ValueTypeError("decimal")
    return number


def _date(value: Any) -> str:
    if not isinstance(value, str) or not DATE_RE.match(value):
        raise ValueTypeError("date")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueTypeError("date") from None
    return value


def _time(value: Any) -> str:
    if not isinstance(value, str) or not TIME_RE.match(value):
        raise ValueTypeError("time")
    return value


def _datetime(value: Any) -> str:
    if not isinstance(value, str) or len(value) < 16 or value[10] not in "T ":
        raise ValueTypeError("dateTime")
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise ValueTypeError("dateTime") from None
    return value


def _select_one(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueTypeError("select_one")
    return value


def _select_multiple(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if not isinstance(value, list):
        raise ValueTypeError("select_multiple")
    for item in value:  # non-empty names without spaces (one loop: runs for every answer)
        if not isinstance(item, str) or not item or " " in item:
            raise ValueTypeError("select_multiple")
    if len(set(value)) != len(value):
        raise ValueTypeError("select_multiple")
    return list(value)


def _geopoint(value: Any) -> dict[str, float]:
    if isinstance(value, str):
        parts = value.split()
        if len(parts) < 2 or len(parts) > 4:
            raise ValueTypeError("geopoint")
        value = dict(zip(("latitude", "longitude", "altitude", "accuracy"), parts, strict=False))
    if not isinstance(value, dict) or set(value) - {
        "latitude",
        "longitude",
        "altitude",
        "accuracy",
    }:
        raise ValueTypeError("geopoint")
    out: dict[str, float] = {}
    for key in ("latitude", "longitude", "altitude", "accuracy"):
        if key in value and value[key] is not None:
            number = _number(value[key])
            if number is None:
                raise ValueTypeError("geopoint")
            out[key] = number
    lat, lon = out.get("latitude"), out.get("longitude")
    if lat is None or lon is None or not -90 <= lat <= 90 or not -180 <= lon <= 180:
        raise ValueTypeError("geopoint")
    if out.get("accuracy", 0) < 0:
        raise ValueTypeError("geopoint")
    return out


def _image(value: Any) -> dict[str, str]:
    if (
        not isinstance(value, dict)
        or set(value) != {"sha256", "filename", "media_type"}
        or not isinstance(value["sha256"], str)
        or not SHA256_RE.match(value["sha256"])
        or not isinstance(value["filename"], str)
        or not value["filename"]
        or "/" in value["filename"]
        or "\\" in value["filename"]
        or not isinstance(value["media_type"], str)
        or not value["media_type"].startswith("image/")
    ):
        raise ValueTypeError("image")
    return dict(value)


def _attachment(qtype: str, prefix: str) -> Any:
    """A normaliser for a file answer: ``{"sha256", "filename", "media_type"}`` (as image)."""

    def check(value: Any) -> dict[str, str]:
        if (
            not isinstance(value, dict)
            or set(value) != {"sha256", "filename", "media_type"}
            or not isinstance(value["sha256"], str)
            or not SHA256_RE.match(value["sha256"])
            or not isinstance(value["filename"], str)
            or not value["filename"]
            or "/" in value["filename"]
            or "\\" in value["filename"]
            or not isinstance(value["media_type"], str)
            or "/" not in value["media_type"]
            or not value["media_type"].startswith(prefix)
        ):
            raise ValueTypeError(qtype)
        return dict(value)

    return check


def _shape(qtype: str, minimum: int) -> Any:
    """A normaliser for a geotrace/geoshape: ``{"points": [geopoint, ...]}``; ODK's text
    ``"lat lon alt acc;lat lon alt acc"`` is accepted too. A geoshape needs at least 3 points,
    a geotrace 2."""

    def check(value: Any) -> dict[str, list[dict[str, float]]]:
        if isinstance(value, str):
            parts = [part for part in value.split(";") if part.strip()]
        elif (
            isinstance(value, dict)
            and set(value) == {"points"}
            and isinstance(value["points"], list)
        ):
            parts = value["points"]
        else:
            raise ValueTypeError(qtype)
        try:
            points = [_geopoint(part) for part in parts]
        except ValueTypeError:
            raise ValueTypeError(qtype) from None
        if len(points) < minimum:
            raise ValueTypeError(qtype)
        return {"points": points}

    return check


def _rank(value: Any) -> list[str]:
    try:
        return _select_multiple(value)
    except ValueTypeError:
        raise ValueTypeError("rank") from None


def _range(value: Any) -> float | int:
    try:
        return _decimal(value)
    except ValueTypeError:
        raise ValueTypeError("range") from None


def _barcode(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueTypeError("barcode")
    return value


def _acknowledge(value: Any) -> str:
    if value is True or value == "OK":
        return "OK"
    raise ValueTypeError("acknowledge")


def _metadata(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueTypeError("metadata")
    return value


def _calculated(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _format_number(float(value))
    if not isinstance(value, str):
        raise ValueTypeError("text")
    return value


_NORMALIZERS = {
    "text": _text,
    "integer": _integer,
    "decimal": _decimal,
    "date": _date,
    "time": _time,
    "dateTime": _datetime,
    "select_one": _select_one,
    "select_multiple": _select_multiple,
    "geopoint": _geopoint,
    "image": _image,
    "acknowledge": _acknowledge,
    "start": _metadata,
    "end": _metadata,
    "today": _metadata,
    "deviceid": _metadata,
    "username": _metadata,
    "calculate": _calculated,
    "hidden": _calculated,
    "barcode": _barcode,
    "range": _range,
    "rank": _rank,
    "audio": _attachment("audio", "audio/"),
    "video": _attachment("video", "video/"),
    "file": _attachment("file", ""),
    "geotrace": _shape("geotrace", 2),
    "geoshape": _shape("geoshape", 3),
    "start-geopoint": _geopoint,
}


def _format_number(number: float) -> str:
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number.is_integer() and abs(number) < 1e16:
        return str(int(number))
    return repr(number)


def xpath_text(qtype: str, value: Any) -> str:
    """The text an expression sees for a stored value (``""`` when unanswered)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _format_number(value)
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    if isinstance(value, dict):
        if qtype in {"geopoint", "start-geopoint"}:
            return _geopoint_text(value)
        if qtype in {"geotrace", "geoshape"}:
            return ";".join(_geopoint_text(point) for point in value.get("points", ()))
        if qtype in {"image", "audio", "video", "file"}:
            return str(value.get("filename", ""))
    return str(value)


def _geopoint_text(value: dict[str, Any]) -> str:
    """``lat lon [alt [accuracy]]`` as ODK writes a geopoint: the parts recorded, so a point
    without accuracy has no fourth part (``selected-at(${p}, 3)`` is ``""``, not ``0``, as in
    ODK Collect); a missing altitude before a recorded accuracy is written 0."""
    keys = ["latitude", "longitude"]
    if value.get("accuracy") is not None:
        keys += ["altitude", "accuracy"]
    elif value.get("altitude") is not None:
        keys.append("altitude")
    return " ".join(_format_number(float(value.get(key) or 0)) for key in keys)
