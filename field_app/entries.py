"""The life of an entry on the tablet, as pure functions over plain dicts.

::

    draft ──finalize (form valid)──▶ finalized ──server acknowledged──▶ sent
      ▲                                  │                                │
      └────── rejected by the server ◀───┘        pull: needs_correction ◀┤
      ▲                                                                   │ pull: conflict
      └──────── start_correction (new revision, parent = sent) ◀──────────┘
      ▲                                  │
      └──── reopen (unsent: retake/remove ┘
            a photo, finalize again)

An entry record (one per ``entry_id``) holds the officer's current answers and status, the
last revision the server acknowledged (``sent_rev``) and the server's review state. Drafts carry
no revision id: it is computed from the content at finalize time
(:func:`survey_forms.revisions.revision_id`), so a resend of an unchanged revision is recognised
by the server as a duplicate. Only drafts can be deleted, and only by the officer.

Every function returns a new dict and never changes its argument; the store persists the result.
"""

from __future__ import annotations

import json
from typing import Any

from survey_forms.revisions import revision_id

__all__ = [
    "CONFLICT",
    "DRAFT",
    "FINALIZED",
    "NEEDS_CORRECTION",
    "SENT",
    "STATUSES",
    "LifecycleError",
    "apply_pull_change",
    "apply_push_result",
    "can_delete",
    "clone",
    "finalize",
    "new_draft",
    "push_payload",
    "reopen",
    "set_answers",
    "start_correction",
]

DRAFT = "draft"
FINALIZED = "finalized"
SENT = "sent"
NEEDS_CORRECTION = "needs_correction"
CONFLICT = "conflict"
STATUSES = (DRAFT, FINALIZED, SENT, NEEDS_CORRECTION, CONFLICT)

#: The meta fields the push API accepts (others stay on the tablet).
PUSHED_META = ("officer", "device_id", "started_at", "finalized_at", "app_version")

#: Rejections that say the entry is someone else's or outside the officer's regions: the
#: entry is real work to be moved on the server, never something to delete.
OWNERSHIP_ERRORS = ("not_owner", "region_forbidden")

#: Push result statuses that mean "the server has this revision".
ACKNOWLEDGED = ("stored", "duplicate", "merged", "conflict")


def clone(value: Any) -> Any:
    """Return a deep copy of JSON data (faster than ``copy.deepcopy`` for plain JSON)."""
    return json.loads(json.dumps(value))


class LifecycleError(Exception):
    """An operation not allowed in the entry's current status (``code`` names which)."""

    def __init__(self, code: str, entry_id: str, status: str) -> None:
        super().__init__(f"{code}: entry {entry_id} is {status}")
        self.code = code
        self.entry_id = entry_id
        self.status = status


def _require(entry: dict[str, Any], allowed: tuple[str, ...], code: str) -> None:
    if entry["status"] not in allowed:
        raise LifecycleError(code, entry["entry_id"], entry["status"])


def new_draft(
    entry_id: str,
    form_id: str,
    form_version: str,
    region: str,
    meta: dict[str, Any],
    now: str,
    answers: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return a new draft entry record."""
    return {
        "entry_id": entry_id,
        "form_id": form_id,
        "form_version": form_version,
        "region": region,
        "status": DRAFT,
        "answers": clone(answers or {}),
        "rev": None,
        "parent_rev": None,
        "sent_rev": None,
        "meta": {"started_at": now, **clone(meta)},
        "review_status": None,
        "review_comment": None,
        "conflicts": [],
        "rejection": None,
        "server": None,
        "created_at": now,
        "updated_at": now,
    }


def set_answers(entry: dict[str, Any], answers: dict[str, Any], now: str) -> dict[str, Any]:
    """Return the draft with its answers replaced (autosave). Only drafts are editable."""
    _require(entry, (DRAFT,), "not_editable")
    updated = clone(entry)
    updated["answers"] = clone(answers)
    updated["updated_at"] = now
    return updated


def attachments_of(answers: Any) -> list[dict[str, str]]:
    """Return the image answers (``{"sha256", "filename", "media_type"}``) found in answers."""
    found: dict[str, dict[str, str]] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("sha256"), str) and "filename" in value:
                found.setdefault(
                    value["sha256"],
                    {
                        "sha256": value["sha256"],
                        "filename": value["filename"],
                        "media_type": value.get("media_type", "application/octet-stream"),
                    },
                )
                return
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(answers)
    return list(found.values())


def finalize(
    entry: dict[str, Any], issues: list[Any], now: str, meta: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Return the entry finalized with its revision id; ``issues`` must be empty.

    ``issues`` is the result of ``form.validate(answers)``: a form that does not validate is
    never finalized (raises ``LifecycleError("invalid")``).
    """
    _require(entry, (DRAFT,), "not_draft")
    if issues:
        raise LifecycleError("invalid", entry["entry_id"], entry["status"])
    updated = clone(entry)
    updated["status"] = FINALIZED
    updated["rev"] = revision_id(
        entry["parent_rev"], entry["form_id"], entry["form_version"], entry["region"],
        entry["answers"],
    )
    updated["meta"] = {**updated["meta"], **(meta or {}), "finalized_at": now}
    updated["rejection"] = None
    updated["updated_at"] = now
    return updated


def push_payload(entry: dict[str, Any]) -> dict[str, Any]:
    """Return the revision as the push API expects it (finalized entries only)."""
    _require(entry, (FINALIZED,), "not_finalized")
    return {
        "entry_id": entry["entry_id"],
        "rev": entry["rev"],
        "parent_rev": entry["parent_rev"],
        "form_id": entry["form_id"],
        "form_version": entry["form_version"],
        "region": entry["region"],
        "answers": clone(entry["answers"]),
        "meta": {key: value for key, value in entry["meta"].items()
                 if key in PUSHED_META and isinstance(value, str)},
        "attachments": attachments_of(entry["answers"]),
    }


def apply_push_result(entry: dict[str, Any], result: dict[str, Any], now: str) -> dict[str, Any]:
    """Return the entry after the server answered a push of its revision.

    Anything but ``rejected`` means the server holds the revision: the entry becomes ``sent``
    (or ``conflict`` when the server's merge found conflicting fields). A rejected revision goes
    back to ``draft`` with the server's reason so the officer can correct it; it is never resent
    unchanged. A result for another revision than the one waiting (stale answer) changes nothing.
    """
    status = result.get("status")
    reopened = entry.get("reopened") or {}
    if (entry["status"] == DRAFT and reopened.get("rev") == result.get("rev")
            and result.get("rev") and status in ACKNOWLEDGED):
        # reopened while a sync was sending it, and the server took it after all: the
        # draft now edits that revision (its next finalize is a child of it, never a twin)
        updated = clone(entry)
        updated["sent_rev"] = result.get("head_rev") or result["rev"]
        updated["parent_rev"] = updated["sent_rev"]
        updated["server"] = {"status": status, "at": now}
        updated["reopened"] = {**reopened, "acknowledged": True}
        updated["updated_at"] = now
        return updated
    if entry["status"] != FINALIZED or result.get("rev") != entry["rev"]:
        return clone(entry)
    updated = clone(entry)
    updated["updated_at"] = now
    if status in ACKNOWLEDGED:
        updated["sent_rev"] = result.get("head_rev") or entry["rev"]
        updated["server"] = {"status": status, "at": now}
        if status == "conflict":
            updated["status"] = CONFLICT
            updated["review_status"] = CONFLICT
            updated["conflicts"] = clone(result.get("conflicts") or [])
        else:
            updated["status"] = SENT
            updated["review_status"] = updated.get("review_status") or "received"
        return updated
    if status == "rejected":
        updated["status"] = DRAFT
        updated["rev"] = None
        updated["rejection"] = {
            "error": result.get("error"),
            "message": result.get("message"),
            "message_id": result.get("message_id"),
            "issues": clone(result.get("issues") or []),
            "at": now,
        }
        return updated
    raise ValueError(f"unknown push result status: {status!r}")


def _status_from_review(review_status: str | None) -> str:
    if review_status == "needs_correction":
        return NEEDS_CORRECTION
    if review_status == CONFLICT:
        return CONFLICT
    return SENT


def apply_pull_change(
    entry: dict[str, Any] | None, change: dict[str, Any], now: str
) -> dict[str, Any]:
    """Return the entry after a pulled change (the server's current head and review state).

    A local draft or finalized revision in progress is kept as it is (its parent stays, the
    server merges it later); only the server-side fields are updated. Otherwise the local copy
    becomes the server's head with the status its review implies.
    """
    review_status = change.get("review_status")
    server_fields = {
        "sent_rev": change["rev"],
        "review_status": review_status,
        "review_comment": change.get("review_comment"),
        "conflicts": clone(change.get("conflicts") or []),
        "server": {"status": "pulled", "seq": change.get("seq"), "at": now},
        # an admin's soft delete on the server: shown, never deleted here (sync never deletes)
        "server_deleted": bool(change.get("deleted")),
    }
    if entry is None:
        record = new_draft(
            change["entry_id"], change["form_id"], change["form_version"],
            change.get("region", ""), change.get("meta") or {}, now,
            answers=change.get("answers") or {},
        )
        record["meta"] = clone(change.get("meta") or {})
        record.update(server_fields)
        record["rev"] = change["rev"]
        record["parent_rev"] = change.get("parent_rev")
        record["status"] = _status_from_review(review_status)
        return record
    updated = clone(entry)
    updated.update(server_fields)
    updated["updated_at"] = now
    rejection = entry.get("rejection") or {}
    if entry["status"] == DRAFT and rejection.get("error") in OWNERSHIP_ERRORS:
        # refused as someone else's, and the server now sends it to this officer: moved
        updated["rejection"] = {**rejection, "moved": True,
                                "server_region": change.get("region", entry["region"])}
    if entry["status"] == DRAFT:
        return updated  # the officer's work in progress is kept; its parent stays
    if entry["status"] == FINALIZED and change["rev"] != entry["rev"]:
        return updated  # still to be pushed; the server merges it against its head
    status = _status_from_review(review_status)
    answered = entry.get("correction") or {}
    if (status == NEEDS_CORRECTION and answered
            and change["rev"] != answered.get("flagged_rev")
            and change.get("review_comment") == answered.get("comment")):
        # The server keeps the old flag until a supervisor reviews again, but the head has
        # moved past the flagged revision with the officer's correction: it is sent, awaiting
        # review, not a new request for correction.
        status = SENT
    updated["answers"] = clone(change.get("answers") or {})
    updated["form_id"] = change.get("form_id", entry["form_id"])
    updated["form_version"] = change.get("form_version", entry["form_version"])
    updated["region"] = change.get("region", entry["region"])
    updated["rev"] = change["rev"]
    updated["parent_rev"] = change.get("parent_rev")
    updated["status"] = status
    updated["rejection"] = None
    return updated


def start_correction(entry: dict[str, Any], now: str) -> dict[str, Any]:
    """Return a draft that edits the acknowledged revision (``needs_correction`` or ``sent``).

    The new revision's parent is the server's head, so the server fast-forwards or merges it.
    """
    _require(entry, (NEEDS_CORRECTION, SENT), "not_correctable")
    updated = clone(entry)
    updated["status"] = DRAFT
    updated["parent_rev"] = entry["sent_rev"]
    updated["rev"] = None
    updated["correction"] = {"flagged_rev": entry["sent_rev"],
                             "comment": entry.get("review_comment")}
    updated["meta"] = {**updated["meta"], "correction_started_at": now}
    updated["meta"].pop("finalized_at", None)
    updated["updated_at"] = now
    return updated


def reopen(entry: dict[str, Any], now: str) -> dict[str, Any]:
    """Return a finalized, unsent entry as a draft again (e.g. to retake a lost photo).

    Only an entry waiting in the outbox can be reopened (``LifecycleError("not_reopenable")``
    otherwise). Its parent stays (a correction stays a correction); the revision it had is
    remembered in ``reopened`` so that a push of it already under way, acknowledged late, makes
    the draft build on it (:func:`apply_push_result`). Finalizing again gives a new revision.
    """
    _require(entry, (FINALIZED,), "not_reopenable")
    updated = clone(entry)
    updated["status"] = DRAFT
    updated["reopened"] = {"rev": entry["rev"], "at": now}
    updated["rev"] = None
    updated["meta"] = {**updated["meta"], "reopened_at": now}
    updated["meta"].pop("finalized_at", None)
    updated["updated_at"] = now
    return updated


def can_delete(entry: dict[str, Any]) -> bool:
    """Only drafts that never reached the server, and were not refused as someone else's."""
    rejection = entry.get("rejection") or {}
    return (entry["status"] == DRAFT and entry.get("sent_rev") is None
            and rejection.get("error") not in OWNERSHIP_ERRORS)
