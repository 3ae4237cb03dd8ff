"""After a server restore: which archived revisions to send again, in which order (pure).

The server answers which of the revisions the tablet holds as sent it lacks
(``POST /sync/revisions/missing``). The tablet sends its own missing revisions again, with the
missing ancestors they need (a pulled supervisor edit the officer corrected is such an
ancestor), parents first. Revision ids carry the generation (``"<n>-<hash>"``), which grows
from parent to child, so sorting by it puts every parent before its children.
"""

from __future__ import annotations

from typing import Any

from field_app import entries
from survey_forms.revisions import revision_id

__all__ = ["generation", "legacy_payloads", "plan_resend", "pulled_payload"]

#: How often the tablet checks the server still holds what it sent, without a restore.
RECONCILE_INTERVAL_SECONDS = 24 * 3600


def generation(rev: str) -> int:
    """The generation of a revision id (0 when it has none)."""
    head = rev.split("-", 1)[0]
    return int(head) if head.isdigit() else 0


def _verifies(payload: dict[str, Any]) -> bool:
    """The revision id is the one its content gives (only such revisions can be pushed)."""
    try:
        return payload["rev"] == revision_id(
            payload.get("parent_rev"),
            payload["form_id"],
            str(payload["form_version"]),
            payload["region"],
            payload["answers"],
        )
    except (KeyError, TypeError, ValueError):
        return False


def _payload(source: dict[str, Any]) -> dict[str, Any]:
    answers = entries.clone(source.get("answers") or {})
    return {
        "entry_id": source["entry_id"],
        "rev": source["rev"],
        "parent_rev": source.get("parent_rev"),
        "form_id": source["form_id"],
        "form_version": str(source["form_version"]),
        "region": source.get("region", ""),
        "answers": answers,
        "meta": {
            key: value
            for key, value in (source.get("meta") or {}).items()
            if key in entries.PUSHED_META and isinstance(value, str)
        },
        "attachments": entries.attachments_of(answers),
    }


def pulled_payload(change: dict[str, Any]) -> dict[str, Any] | None:
    """A pulled entry change as a push payload, when it is one a device can push (not a merge)."""
    if change.get("kind") != "entry" or not change.get("rev"):
        return None
    try:
        payload = _payload(change)
    except KeyError:
        return None
    return payload if _verifies(payload) else None


def legacy_payloads(records: list[dict[str, Any]], device_id: str) -> list[dict[str, Any]]:
    """Revisions sent before the archive existed: each record's current revision, when the
    server acknowledged it, this device made it and its id verifies."""
    out = []
    for record in records:
        if record.get("status") not in (entries.SENT, entries.NEEDS_CORRECTION, entries.CONFLICT):
            continue
        if not record.get("rev") or (record.get("meta") or {}).get("device_id") != device_id:
            continue
        try:
            payload = _payload(record)
        except KeyError:
            continue
        if _verifies(payload):
            out.append(payload)
    return out


def plan_resend(
    archive: dict[str, list[dict[str, Any]]], missing: set[tuple[str, str]]
) -> list[dict[str, Any]]:
    """The payloads to push again, parents first: every missing revision the tablet pushed
    itself, and the missing archived ancestors it needs."""
    plan: list[dict[str, Any]] = []
    for entry_id, items in archive.items():
        by_rev = {item["payload"]["rev"]: item for item in items}
        needed: set[str] = set()
        for item in items:
            rev = item["payload"]["rev"]
            if item.get("origin") == "pulled" or (entry_id, rev) not in missing:
                continue
            needed.add(rev)
            parent = item["payload"].get("parent_rev")
            while parent in by_rev and (entry_id, parent) in missing and parent not in needed:
                needed.add(parent)
                parent = by_rev[parent]["payload"].get("parent_rev")
        chosen = [by_rev[rev]["payload"] for rev in needed]
        plan += sorted(chosen, key=lambda p: generation(p["rev"]))
    return plan
