"""Limits added to every operation of the OpenAPI document (:mod:`sync_server.api.openapi`):
the body size and its 413/415 answers, ``HEAD`` beside every ``GET``, and the optional
``X-Device-Report`` header of the operations that take a device token."""

from __future__ import annotations

from typing import Any

from ..device_contacts import REPORT_PATTERN

__all__ = ["add_body_limits", "add_device_report", "add_head"]

_ERROR = {"$ref": "#/components/schemas/Error"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR}}}


def add_body_limits(paths: dict[str, Any], max_bytes: int) -> None:
    """413 (and 415 for JSON bodies) on every operation that takes a body, and the size limit
    ``MAX_CONTENT_LENGTH`` in the body's description."""
    for item in paths.values():
        for method, op in item.items():
            body = op.get("requestBody") if method != "parameters" else None
            if body is None:
                continue
            limit = f"At most MAX_CONTENT_LENGTH ({max_bytes} bytes) of body."
            body["description"] = " ".join(filter(None, [body.get("description"), limit]))
            op["responses"].setdefault("413", _error("Body too large: " + limit))
            if "application/json" in body["content"]:
                op["responses"].setdefault("415", _error("The body is not JSON (Content-Type)"))


def add_head(paths: dict[str, Any]) -> None:
    """``HEAD`` next to every ``GET`` (Flask answers it): the same status codes, no body."""
    for item in paths.values():
        if "get" not in item or "head" in item:
            continue
        get = item["get"]
        head: dict[str, Any] = {
            "summary": "Headers only: " + get["summary"],
            "responses": {
                code: {"description": resp["description"]}
                for code, resp in get["responses"].items()
            },
        }
        for key in ("parameters", "security"):
            if key in get:
                head[key] = get[key]
        item["head"] = head


DEVICE_REPORT_PARAM = {
    "name": "X-Device-Report",
    "in": "header",
    "required": False,
    "description": (
        "Optional: what waits on the tablet as it syncs, `waiting=<n>, drafts=<n>` (finalized "
        "entries not yet accepted by the server; unfinished entries; in this order, each a "
        "whole number of 1-7 digits). The server records it with the time of the call per "
        "account and device (the dashboard's \"who has not synced\"); any call with a "
        "device token counts as contact. A malformed value is answered 400 `invalid_device_report`."
    ),
    "schema": {
        "type": "string",
        "maxLength": 200,
        "pattern": REPORT_PATTERN,
    },
    "example": "waiting=3, drafts=1",
}


def add_device_report(paths: dict[str, Any]) -> None:
    """The optional ``X-Device-Report`` header on every operation that takes a device token
    (those without ``security: []``)."""
    for item in paths.values():
        for method, op in item.items():
            if method == "parameters" or op.get("security") == []:
                continue
            op.setdefault("parameters", []).append(DEVICE_REPORT_PARAM)
