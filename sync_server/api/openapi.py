"""The OpenAPI 3 description of API v1, served at ``GET /api/v1/openapi.json``.

A test checks that every route of the ``api`` and ``auth`` blueprints is described here and that
nothing described here is missing from the routes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, jsonify

from ..push import MAX_ISSUES
from . import bp
from .openapi_attachments import attachment_paths
from .openapi_common import (
    CURSOR_PATTERN,
    ENTRY_PARAM,
    ERR,
    STRING,
    _body,
    _json,
    _obj,
    _op,
    _ref,
)
from .openapi_schemas import schemas

__all__ = ["document"]



def document(config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The OpenAPI document (a plain dict), with the limits of ``config`` (the defaults of
    :mod:`sync_server.config` when None)."""
    from .. import __version__
    from ..api_limits import MAX_COMMENT, MAX_DEVICE_ID, MAX_PASSWORD, MAX_USERNAME
    from ..config import DEFAULTS
    from .openapi_limits import add_body_limits, add_device_report, add_head

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
            "/forms/{form_id}/{version}/media/{filename}": {
                "get": _op(
                    "A file published with a form version (a choice file of "
                    "select_one_from_file), sent as an attachment; ETag is its SHA-256",
                    {
                        "200": {
                            "description": "The file",
                            "content": {
                                "text/csv": {"schema": {"type": "string"}},
                                "application/xml": {"schema": {"type": "string"}},
                            },
                        },
                        "304": {"description": "Not modified"},
                    },
                    parameters=[
                        {"name": "form_id", "in": "path", "required": True, "schema": STRING},
                        {"name": "version", "in": "path", "required": True, "schema": STRING},
                        {"name": "filename", "in": "path", "required": True, "schema": STRING},
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
            **attachment_paths(cfg),
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
                    "computed by the server. parent_rev is the head the client read (missing: "
                    "422 parent_rev_required; no longer the head: 409 stale_parent). 422 "
                    "region_change_needs_move when the region question names another region "
                    "(an admin moves entries), 422 repeat_keys_missing when a repeat instance "
                    "lacks the '@key' the head holds (send the keys as read; a new instance "
                    "needs a new key); 409 entry_deleted on a deleted entry",
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
                    "Resolve a conflict with the supervisor's answers. parent_rev is the head "
                    "the client read (missing: 422 parent_rev_required; no longer the head, "
                    "e.g. a tablet wrote meanwhile: 409 stale_parent, look again). 422 "
                    "region_change_needs_move and repeat_keys_missing as for an edit; 409 "
                    "entry_deleted on a deleted entry",
                    {"201": _json({"type": "object"}), "409": ERR, "422": ERR},
                    requestBody=_body(
                        _obj(
                            {
                                "answers": _ref("Answers"),
                                "comment": comment,
                                "parent_rev": STRING,
                            },
                            ["parent_rev", "answers"],
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
            "schemas": schemas(cfg),
        },
    }
    add_body_limits(doc["paths"], cfg["MAX_CONTENT_LENGTH"])
    add_device_report(doc["paths"])
    add_head(doc["paths"])
    return doc


@bp.get("/openapi.json")
def openapi_json() -> Response:
    """The OpenAPI document (no authentication), with this server's limits."""
    from ..state import state

    return jsonify(document(state().config))
