"""The OpenAPI 3 description of API v1, served at ``GET /api/v1/openapi.json``.

A test checks that every route of the ``api`` and ``auth`` blueprints is described here and that
nothing described here is missing from the routes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, jsonify

from survey_forms.instance_keys import KEY, KEY_RE

from ..push import MAX_ISSUES
from . import bp

__all__ = ["document"]


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


def document(config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The OpenAPI document (a plain dict), with the limits of ``config`` (the defaults of
    :mod:`sync_server.config` when None)."""
    from .. import __version__
    from ..api_limits import MAX_COMMENT, MAX_DEVICE_ID, MAX_HASHES, MAX_PASSWORD, MAX_USERNAME
    from ..config import DEFAULTS
    from .openapi_limits import add_body_limits, add_head

    cfg = {**DEFAULTS, **(config or {})}
    comment = {"type": "string", "maxLength": MAX_COMMENT}
    doc = {
        "openapi": "3.0.3",
        "info": {
            "title": "KPK field survey sync server",
            "version": __version__,
            "description": "Tablets sign in, push entry revisions, pull changes and upload "
            "attachments. Errors are JSON {error, message, message_id}. JSON bodies must hold "
            "finite numbers a double-precision float can hold: NaN/Infinity are not JSON "
            "(400 malformed_json) and numbers such as 1e400 or an integer of 400 digits are "
            "refused (400 number_out_of_range).",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/health": {
                "get": _op(
                    "Liveness, database and free disk space (status ok, degraded or unavailable)",
                    {"200": _json(_ref("Health")), "503": _json(_ref("Health"))},
                    security=[],
                )
            },
            "/openapi.json": {
                "get": _op("This document", {"200": _json({"type": "object"})}, security=[])
            },
            "/sessions": {
                "post": _op(
                    "Sign in from a device; gives a bearer token and a known-device marker "
                    "(send it back as device_marker at the next sign-in: failures elsewhere do "
                    "not slow that device down). Throttled: 429 rate_limited with Retry-After",
                    {"201": _json(_ref("Session")), "429": ERR},
                    security=[],
                    requestBody=_body(
                        _obj(
                            {
                                "username": {
                                    "type": "string",
                                    "minLength": 1,
                                    "maxLength": MAX_USERNAME,
                                },
                                "password": {"type": "string", "maxLength": MAX_PASSWORD},
                                "device_id": {
                                    "type": "string",
                                    "minLength": 1,
                                    "maxLength": MAX_DEVICE_ID,
                                },
                                "device_marker": STRING,
                            },
                            ["username", "password", "device_id"],
                        )
                    ),
                )
            },
            "/sessions/current": {
                "delete": _op("Sign out (revoke this token)", {"204": {"description": "Done"}})
            },
            "/forms": {
                "get": _op(
                    "Published forms and versions (ETag / If-None-Match)",
                    {
                        "200": _json(_obj({"forms": {"type": "array", "items": _ref("FormInfo")}})),
                        "304": {"description": "Not modified"},
                    },
                )
            },
            "/forms/{form_id}/{version}": {
                "get": _op(
                    "Compiled form JSON of one version (ETag / If-None-Match)",
                    {"200": _json({"type": "object"}), "304": {"description": "Not modified"}},
                    parameters=[
                        {"name": "form_id", "in": "path", "required": True, "schema": STRING},
                        {"name": "version", "in": "path", "required": True, "schema": STRING},
                    ],
                )
            },
            "/sync/push": {
                "post": _op(
                    "Push a batch of entry revisions; one result each, in order. The server "
                    "stores its own values of the form's calculations (a different value sent is "
                    "replaced and audited); a rejected invalid revision lists at most "
                    f"{MAX_ISSUES} issues",
                    {
                        "200": _json(
                            _obj({"results": {"type": "array", "items": _ref("PushResult")}})
                        )
                    },
                    requestBody=_body(
                        _obj(
                            {
                                "revisions": {
                                    "type": "array",
                                    "items": _ref("Revision"),
                                    "maxItems": cfg["MAX_BATCH"],
                                }
                            },
                            ["revisions"],
                        )
                    ),
                )
            },
            "/sync/pull": {
                "get": _op(
                    "Changes for this user after a cursor, in order",
                    {"200": _json(_ref("PullPage"))},
                    description=(
                        "A page holds at most `limit` changes and stops before the change that "
                        "would take it past PULL_PAGE_BYTES (4 MiB by default) of changes; it "
                        "always holds at least one change when there is one, so `next` moves "
                        "on even past an entry larger than the bound. Ask again with "
                        "`since=next` while `more` is true."
                    ),
                    parameters=[
                        {
                            "name": "since",
                            "in": "query",
                            "schema": {"type": "string", "pattern": CURSOR_PATTERN},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": cfg["PULL_LIMIT_MAX"],
                            },
                        },
                    ],
                )
            },
            "/sync/revisions/missing": {
                "post": _op(
                    "Which of these sent revisions of the caller's entries the server lacks "
                    "(after a restore; at most 1000 a request), and which files of them",
                    {
                        "200": _json(
                            _obj(
                                {
                                    "missing": {"type": "array", "items": _ref("RevisionRef")},
                                    "missing_attachments": {"type": "array", "items": STRING},
                                }
                            )
                        )
                    },
                    requestBody=_body(
                        _obj(
                            {"revisions": {"type": "array", "items": _ref("RevisionRef")}},
                            ["revisions"],
                        )
                    ),
                )
            },
            "/attachments/missing": {
                "post": _op(
                    "Which of these files the caller should upload",
                    {"200": _json(_obj({"missing": {"type": "array", "items": STRING}}))},
                    description=(
                        "A file the caller may not see (not uploaded by the caller and used by "
                        "no entry the caller may read) is listed as missing, exactly like a "
                        "file the server does not hold."
                    ),
                    requestBody=_body(
                        _obj(
                            {
                                "sha256": {
                                    "type": "array",
                                    "items": {"type": "string", "pattern": SHA_PATTERN},
                                    "maxItems": MAX_HASHES,
                                }
                            },
                            ["sha256"],
                        )
                    ),
                )
            },
            "/attachments/{sha256}": {
                "parameters": [SHA_PARAM],
                "head": _op(
                    "Does the caller have this file on the server (uploaded it, or may read an "
                    "entry that uses it); 404 otherwise",
                    {"200": {"description": "Yes"}},
                ),
                "get": _op(
                    "Download a file the caller may see (its uploader; officers: their "
                    "entries; supervisors: their regions; admins: all); 404 otherwise",
                    {
                        "200": {
                            "description": "The file, as a download (Content-Disposition: "
                            "attachment, Cache-Control: private)",
                            "content": {
                                "image/jpeg": {},
                                "image/png": {},
                                "image/webp": {},
                                "application/octet-stream": {},
                            },
                        }
                    },
                ),
                "put": _op(
                    "Upload a JPEG, PNG or WebP photo; its SHA-256 must match (a repeat by the "
                    "same account is a no-op: 200)",
                    {
                        "201": _json(_obj({"sha256": STRING, "stored": {"type": "boolean"}})),
                        "200": _json(_obj({"sha256": STRING, "stored": {"type": "boolean"}})),
                        "415": _json(_ref("Error"), "Not a JPEG, PNG or WebP file (by its bytes)"),
                        "429": _json(_ref("Error"), "Hourly upload rate passed (Retry-After)"),
                    },
                    description=(
                        "The type is read from the file's first bytes. 413 "
                        "upload_quota_exceeded: the caller's uploads that no entry uses yet "
                        "would pass UPLOAD_QUOTA_BYTES (200 MiB by default); pushing the "
                        "entries frees it. 429 upload_rate_limited: more than "
                        "UPLOAD_BYTES_PER_HOUR (1 GiB by default) within an hour."
                    ),
                    requestBody={
                        "required": True,
                        "content": {
                            "image/jpeg": {},
                            "image/png": {},
                            "image/webp": {},
                            "application/octet-stream": {},
                        },
                    },
                ),
            },
            "/entries/missing-attachments": {
                "get": _op(
                    "Entries that still miss attachment files",
                    {
                        "200": _json(
                            _obj(
                                {
                                    "entries": {
                                        "type": "array",
                                        "items": _obj(
                                            {
                                                "entry_id": STRING,
                                                "missing": {"type": "array", "items": STRING},
                                            }
                                        ),
                                    }
                                }
                            )
                        )
                    },
                )
            },
            "/entries/{entry_id}": {
                "parameters": [ENTRY_PARAM],
                "get": _op(
                    "An entry: head, review state, conflicts, history",
                    {"200": _json(_ref("Entry"))},
                ),
                "delete": _op("Soft-delete (admins)", {"200": _json({"type": "object"})}),
            },
            "/entries/{entry_id}/review": {
                "parameters": [ENTRY_PARAM],
                "post": _op(
                    "Set the review status with a comment (supervisors, admins); 409 "
                    "unresolved_conflict, or entry_deleted on a deleted entry (restore first)",
                    {"200": _json({"type": "object"}), "409": ERR},
                    requestBody=_body(
                        _obj(
                            {
                                "status": {
                                    "type": "string",
                                    "enum": [
                                        "received",
                                        "approved",
                                        "needs_correction",
                                        "rejected",
                                    ],
                                },
                                "comment": comment,
                            },
                            ["status"],
                        )
                    ),
                ),
            },
            "/entries/{entry_id}/revisions": {
                "parameters": [ENTRY_PARAM],
                "post": _op(
                    "A supervisor edit: new revision on the head, validated, calculations "
                    "computed by the server; 409 entry_deleted on a deleted entry",
                    {"201": _json({"type": "object"}), "409": ERR, "422": ERR},
                    requestBody=_body(
                        _obj(
                            {
                                "parent_rev": STRING,
                                "answers": _ref("Answers"),
                                "comment": comment,
                            },
                            ["parent_rev", "answers"],
                        )
                    ),
                ),
            },
            "/entries/{entry_id}/resolve": {
                "parameters": [ENTRY_PARAM],
                "post": _op(
                    "Resolve a conflict with the supervisor's answers; 409 entry_deleted on a "
                    "deleted entry",
                    {"201": _json({"type": "object"}), "409": ERR, "422": ERR},
                    requestBody=_body(
                        _obj(
                            {
                                "answers": _ref("Answers"),
                                "comment": comment,
                                "parent_rev": STRING,
                            },
                            ["answers"],
                        )
                    ),
                ),
            },
            "/entries/{entry_id}/restore": {
                "parameters": [ENTRY_PARAM],
                "post": _op("Undo a soft delete (admins)", {"200": _json({"type": "object"})}),
            },
            "/entries/{entry_id}/move": {
                "parameters": [ENTRY_PARAM],
                "post": _op(
                    "Move an entry to another region and/or officer (admins); the officer's "
                    "tablet pulls the change",
                    {
                        "200": _json(
                            _obj(
                                {
                                    "entry_id": STRING,
                                    "region": STRING,
                                    "officer": STRING,
                                    "head_rev": STRING,
                                    "review_status": STRING,
                                }
                            )
                        ),
                        "409": ERR,
                        "422": ERR,
                    },
                    requestBody=_body(_obj({"region": STRING, "officer": STRING})),
                ),
            },
            "/users/me": {
                "get": _op(
                    "The signed-in account as it is now (tablets refresh it at every sync)",
                    {"200": _json(_ref("User"))},
                ),
            },
            "/users/{username}/revoke-tokens": {
                "parameters": [
                    {"name": "username", "in": "path", "required": True, "schema": STRING}
                ],
                "post": _op(
                    "Revoke a user's device tokens (admins)",
                    {"200": _json(_obj({"username": STRING, "revoked": {"type": "integer"}}))},
                ),
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": _schemas(cfg),
        },
    }
    add_body_limits(doc["paths"], cfg["MAX_CONTENT_LENGTH"])
    add_head(doc["paths"])
    return doc


def _schemas(config: Mapping[str, Any]) -> dict[str, Any]:
    nullable_string = {"type": "string", "nullable": True}
    text = {"type": "string", "maxLength": config["MAX_STRING_LENGTH"]}
    attachment = _obj(
        {"sha256": STRING, "filename": STRING, "media_type": STRING},
        ["sha256", "filename", "media_type"],
    )
    conflict = {
        "type": "object",
        "properties": {
            "path": STRING,
            "base": {},
            "ours": {},
            "theirs": {},
            "kind": {"type": "string", "enum": ["invalid"]},
            "code": STRING,
            "message": {"type": "object", "properties": {"id": STRING, "en": STRING}},
        },
        "description": "A field conflict, or (kind invalid) a validation issue of the merged "
        "head: code and message say why.",
    }
    return {
        "Error": {
            "type": "object",
            "required": ["error", "message", "message_id"],
            "properties": {"error": STRING, "message": STRING, "message_id": STRING, "details": {}},
        },
        "User": _obj(
            {
                "username": STRING,
                "full_name": STRING,
                "role": STRING,
                "regions": {"type": "array", "items": STRING},
            }
        ),
        "Session": _obj({"token": STRING, "device_marker": STRING, "user": _ref("User")}),
        "FormInfo": _obj(
            {
                "form_id": STRING,
                "version": STRING,
                "title": STRING,
                "published_at": STRING,
                "sha256": STRING,
            }
        ),
        "Attachment": attachment,
        "Answers": {
            "type": "object",
            "description": (
                "An entry's answers, keyed by question name (docs/architecture.md, 'Entry "
                "data'). A repeat is an array of RepeatInstance objects; nested repeats nest "
                "the same way. Every text is at most MAX_STRING_LENGTH "
                f"({config['MAX_STRING_LENGTH']}) characters, and the answers of one revision "
                f"at most MAX_ANSWERS_BYTES ({config['MAX_ANSWERS_BYTES']} bytes) as JSON."
            ),
            "additionalProperties": {
                "anyOf": [
                    text,
                    {"type": "number"},
                    {"type": "array", "items": text},
                    {"type": "array", "items": _ref("RepeatInstance")},
                    {"type": "object"},
                ]
            },
        },
        "RepeatInstance": {
            "type": "object",
            "description": (
                "One instance of a repeat: the answers of the questions inside it, plus its "
                f"identity {KEY!r}, unique within its list. An instance without {KEY!r} (stored "
                "before keys existed) has the implied key '#<its 0-based index>'. Merges match "
                "instances by key; the export never shows it."
            ),
            "properties": {
                KEY: {"type": "string", "pattern": f"^{KEY_RE.pattern}$", "example": "#0"},
            },
            "additionalProperties": True,
        },
        "Conflict": conflict,
        "Revision": _obj(
            {
                "entry_id": {"type": "string", "format": "uuid"},
                "rev": STRING,
                "parent_rev": nullable_string,
                "form_id": STRING,
                "form_version": STRING,
                "region": STRING,
                "answers": _ref("Answers"),
                "meta": _obj(
                    {
                        "officer": STRING,
                        "device_id": STRING,
                        "started_at": STRING,
                        "finalized_at": STRING,
                        "app_version": STRING,
                    }
                ),
                "attachments": {"type": "array", "items": attachment},
            },
            ["entry_id", "rev", "form_id", "form_version", "region", "answers"],
        ),
        "PushResult": {
            "type": "object",
            "required": ["entry_id", "rev", "status"],
            "properties": {
                "entry_id": nullable_string,
                "rev": nullable_string,
                "status": {
                    "type": "string",
                    "enum": ["stored", "duplicate", "merged", "conflict", "rejected"],
                },
                "head_rev": STRING,
                "conflicts": {"type": "array", "items": conflict},
                "error": {
                    "type": "string",
                    "enum": [
                        "invalid",
                        "unknown_form",
                        "region_forbidden",
                        "malformed",
                        "unknown_parent",
                        "not_owner",
                        "entry_deleted",
                        "entry_mismatch",
                    ],
                    "description": "entry_mismatch: the entry id exists for another form_id or "
                    "region (an entry keeps its form and region; a new form_version is allowed)",
                },
                "message": STRING,
                "message_id": STRING,
                "issues": {
                    "type": "array",
                    "items": {"type": "object"},
                    "maxItems": MAX_ISSUES,
                    "description": f"invalid: the first {MAX_ISSUES} validation issues",
                },
                "issue_count": {
                    "type": "integer",
                    "description": "invalid: how many issues there are in all",
                },
                "issues_truncated": {
                    "type": "boolean",
                    "description": "invalid: present (true) when more issues than listed",
                },
                "missing_attachments": {"type": "array", "items": STRING},
            },
        },
        "PullPage": {
            "type": "object",
            "required": ["changes", "next", "more"],
            "properties": {
                "changes": {
                    "type": "array",
                    "items": {"type": "object", "required": ["kind", "seq"]},
                },
                "next": STRING,
                "more": {"type": "boolean"},
                "server": _obj({"server_id": STRING, "epoch": STRING}),
                "reset": {
                    "type": "boolean",
                    "description": "the cursor belongs to another server or epoch (a restore): "
                    "these changes start at the beginning of the feed; reconcile first",
                },
                "reset_reason": {
                    "type": "string",
                    "enum": ["other_server", "other_epoch", "unknown_epoch", "restored"],
                },
            },
        },
        "RevisionRef": _obj({"entry_id": STRING, "rev": STRING}, ["entry_id", "rev"]),
        "Health": {
            "type": "object",
            "required": ["status", "version"],
            "properties": {
                "status": {"type": "string", "enum": ["ok", "degraded", "unavailable"]},
                "version": STRING,
                "database": STRING,
                "disk": {"type": "object"},
                "problems": {"type": "array", "items": STRING},
            },
        },
        "Entry": {"type": "object"},
    }


@bp.get("/openapi.json")
def openapi_json() -> Response:
    """The OpenAPI document (no authentication), with this server's limits."""
    from ..state import state

    return jsonify(document(state().config))
