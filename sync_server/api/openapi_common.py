"""Helpers and shared pieces of the OpenAPI document (:mod:`sync_server.api.openapi`)."""

from __future__ import annotations

from typing import Any

__all__ = [
    "CURSOR_PATTERN", "ENTRY_PARAM", "ERR", "ERRORS", "SHA_PARAM", "SHA_PATTERN", "STRING",
    "_body", "_json", "_obj", "_op", "_ref",
]

def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERR = _json(_ref("Error"), "Error")
ERRORS = {"400": ERR, "401": ERR, "403": ERR, "404": ERR}
#: The cursor of ``GET /sync/pull`` (sync_server.feed.decode_cursor): empty, or "c" and digits.
CURSOR_PATTERN = "^(c[0-9]{1,19})?$"
SHA_PATTERN = "^[0-9a-f]{64}$"
SHA_PARAM = {
    "name": "sha256",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": SHA_PATTERN},
}
ENTRY_PARAM = {"name": "entry_id", "in": "path", "required": True, "schema": {"type": "string"}}
STRING = {"type": "string"}


def _op(summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "responses": {**responses, **ERRORS}, **extra}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = required
    return out
