"""The ``components.schemas`` of the OpenAPI document (:mod:`sync_server.api.openapi`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from survey_forms.instance_keys import KEY, KEY_RE

from ..push import MAX_ISSUES
from .openapi_common import STRING, _obj, _ref

__all__ = ["schemas"]


def schemas(config: Mapping[str, Any]) -> dict[str, Any]:
    """The ``components.schemas`` of the document, with the limits of ``config``."""
    nullable_string = {"type": "string", "nullable": True}
    meta_time = {
        "type": "string",
        "format": "date-time",
        "maxLength": 40,
        "description": "ISO 8601 with a UTC offset of at most 14 h, years 2000-2100 "
        "(e.g. 2024-08-13T11:00:00+07:00); anything else is left out of the stored meta "
        "(the revision is stored: it is only the tablet's claim)",
    }
    text = {"type": "string", "maxLength": config["MAX_STRING_LENGTH"]}
    attachment = _obj(
        {"sha256": STRING, "filename": STRING, "media_type": STRING},
        ["sha256", "filename", "media_type"],
    )
    writer = {
        "type": "object",
        "properties": {
            "rev": STRING,
            "author": nullable_string,
            "kind": {"type": "string", "enum": ["device", "supervisor"]},
            "device_id": nullable_string,
            "at": nullable_string,
            "made_at": nullable_string,
        },
        "description": "The revision that wrote a side's value: who (author, kind, device) "
        "and when (at: received by the server; made_at: finalized on the device).",
    }
    conflict = {
        "type": "object",
        "properties": {
            "path": STRING,
            "base": {},
            "ours": {},
            "theirs": {},
            "ours_by": writer,
            "theirs_by": writer,
            "kind": {"type": "string", "enum": ["invalid"]},
            "code": STRING,
            "message": {"type": "object", "properties": {"id": STRING, "en": STRING}},
        },
        "description": "A field conflict, or (kind invalid) a validation issue of the merged "
        "head: code and message say why. ours_by/theirs_by name who wrote each value, and when "
        "(absent when not known, e.g. conflicts recorded before they were kept).",
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
                "meta": {
                    **_obj(
                        {
                            "officer": STRING,
                            "device_id": STRING,
                            "started_at": meta_time,
                            "finalized_at": meta_time,
                            "app_version": STRING,
                        }
                    ),
                    "description": (
                        "What the tablet says about the revision, stored with it. Trusted: "
                        "officer is replaced by the pushing account, whatever was sent. "
                        "Checked: started_at and finalized_at (else the revision is refused "
                        "as malformed). Not verified: device_id and app_version (shown as the "
                        "tablet's claim)."
                    ),
                },
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
                        "region_mismatch",
                        "repeat_keys_missing",
                    ],
                    "description": "entry_mismatch: the entry id exists for another form_id or "
                    "region (an entry keeps its form and region; a new form_version is allowed); "
                    "region_mismatch: the region question answers another region; "
                    "repeat_keys_missing: a repeat instance without '@key' where the parent "
                    "revision's list holds keys (an app from before instance keys: update it)",
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
        "UploadState": _obj(
            {
                "sha256": STRING,
                "offset": {"type": "integer", "minimum": 0},
                "complete": {"type": "boolean"},
            },
            ["sha256", "offset", "complete"],
        ),
    }
