"""The component schemas of the OpenAPI document (:mod:`sync_server.api.openapi`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from survey_forms.instance_keys import KEY, KEY_RE

__all__ = ["STRING", "obj", "ref", "schemas"]

STRING = {"type": "string"}


def ref(name: str) -> dict[str, str]:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    """A closed object schema."""
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = required
    return out


def schemas(config: Mapping[str, Any]) -> dict[str, Any]:
    """The component schemas, with the limits of ``config``."""
    nullable_string = {"type": "string", "nullable": True}
    text = {"type": "string", "maxLength": config["MAX_STRING_LENGTH"]}
    attachment = obj(
        {"sha256": STRING, "filename": STRING, "media_type": STRING},
        ["sha256", "filename", "media_type"],
    )
    conflict = {
        "type": "object",
        "properties": {"path": STRING, "base": {}, "ours": {}, "theirs": {}},
    }
    return {
        "Error": {
            "type": "object",
            "required": ["error", "message", "message_id"],
            "properties": {"error": STRING, "message": STRING, "message_id": STRING, "details": {}},
        },
        "Session": obj(
            {
                "token": STRING,
                "device_marker": STRING,
                "user": obj(
                    {
                        "username": STRING,
                        "full_name": STRING,
                        "role": STRING,
                        "regions": {"type": "array", "items": STRING},
                    }
                ),
            }
        ),
        "FormInfo": obj(
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
                    {"type": "array", "items": ref("RepeatInstance")},
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
        "Revision": obj(
            {
                "entry_id": {"type": "string", "format": "uuid"},
                "rev": STRING,
                "parent_rev": nullable_string,
                "form_id": STRING,
                "form_version": STRING,
                "region": STRING,
                "answers": ref("Answers"),
                "meta": obj(
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
                    ],
                },
                "message": STRING,
                "message_id": STRING,
                "issues": {"type": "array", "items": {"type": "object"}},
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
                "next": {"type": "string", "pattern": "^(c[0-9]{1,19})?$"},
                "more": {"type": "boolean"},
            },
        },
        "Entry": {"type": "object"},
    }
