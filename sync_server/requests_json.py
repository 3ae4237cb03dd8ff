"""Reading JSON request bodies strictly: UTF-8, an object, known fields, right types.

Anything else is an :class:`~sync_server.errors.ApiError` (400/415), never a crash.
"""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec
from flask import request

from .errors import ApiError

__all__ = ["check_no_unknown", "parse_json_bytes", "read_json_object", "require_fields"]


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


#: msgspec's decoder accepts a subset of what the ``json`` path below accepts (strict JSON in
#: valid UTF-8: no NaN or Infinity, no lone surrogates, no number out of a float's range) and
#: gives the same values; anything it refuses goes through that path, which decides.
_FAST_DECODER = msgspec.json.Decoder()


def parse_json_bytes(raw: bytes) -> Any:
    """Decode strict UTF-8 JSON (no NaN/Infinity); raises :class:`ApiError` on failure."""
    try:
        return _FAST_DECODER.decode(raw)
    except (msgspec.DecodeError, RecursionError):
        pass  # the strict path below gives the value or the error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "not_utf8") from exc
    try:
        value = json.loads(text, parse_constant=_reject_constant)
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
