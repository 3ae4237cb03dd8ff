"""Helpers shared by the API views: query parameters and conditional GET."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Response, request

from ..errors import ApiError

__all__ = ["conditional_json", "int_arg"]


def int_arg(name: str, default: int, lowest: int, highest: int) -> int:
    """An integer query parameter within ``[lowest, highest]`` (400 otherwise)."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise ApiError(400, "bad_request", detail=f"{name!r} must be a whole number")
    value = int(raw)
    if not lowest <= value <= highest:
        raise ApiError(400, "bad_request", detail=f"{name!r} must be {lowest}-{highest}")
    return value


def conditional_json(body: Any, etag: str | None = None, *, raw: str | None = None) -> Response:
    """A JSON response with an ``ETag``; 304 when ``If-None-Match`` matches.

    ``raw`` is already-serialised JSON (sent as is); otherwise ``body`` is serialised.
    """
    text = raw if raw is not None else json.dumps(body, ensure_ascii=False)
    etag = etag or hashlib.sha256(text.encode("utf-8")).hexdigest()
    if request.if_none_match.contains(etag):
        resp = Response(status=304)
        resp.set_etag(etag)
        return resp
    resp = Response(text, mimetype="application/json")
    resp.set_etag(etag)
    return resp
