"""Reconciling with the server: send again what the server lacks of what this tablet sent
(after a restore of the server, a reset feed, or once a day); see :mod:`field_app.sync_client`
for when it runs and :mod:`field_app.reconcile` for the plan."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from field_app import reconcile
from field_app.entries import ACKNOWLEDGED
from field_app.http_api import ApiClient

if TYPE_CHECKING:
    from field_app.sync_client import SyncClient, SyncOutcome

__all__ = ["reconcile_due", "reconcile_with_server"]

log = logging.getLogger("field_app.sync_client")


def reconcile_due(client: SyncClient) -> bool:
    """True when the daily check of what the server lacks is due."""
    last = client.store.get_setting("last_reconcile_at")
    return not isinstance(last, (int, float)) or (
        client.clock() - last >= reconcile.RECONCILE_INTERVAL_SECONDS
    )

def reconcile_with_server(
    client: SyncClient,
    api: ApiClient,
    report: Callable[[str, int, int | None], None],
    outcome: SyncOutcome,
    reason: str,
) -> None:
    """Send again what the server lacks of what this tablet sent (see the module doc)."""
    outcome.reconciled = reason
    log.info("reconciling with the server (%s)", reason)
    with client.store.lock:
        # the signed-in officer's entries only: another officer's are never sent under
        # this officer's name, even to a server that lost them
        mine = [s["entry_id"] for s in client.store.list_entries()]
        records = [client.store.get_entry(entry_id) for entry_id in mine]
    archive = {entry_id: items for entry_id, items in client.sent_archive.entries().items()
               if entry_id in set(mine)}
    for payload in reconcile.legacy_payloads(records, client.store.device_id):
        items = archive.setdefault(payload["entry_id"], [])
        if all(item["payload"]["rev"] != payload["rev"] for item in items):
            items.append({"origin": "pushed", "payload": payload})
    asked = [(entry_id, item["payload"]["rev"])
             for entry_id, items in archive.items() for item in items]
    missing: set[tuple[str, str]] = set()
    lacking_files: set[str] = set()
    report("reconcile", 0, len(asked))
    for start in range(0, len(asked), 1000):
        response = api.request("POST", "/sync/revisions/missing", ok=(200, 404), body={
            "revisions": [{"entry_id": e, "rev": r} for e, r in asked[start:start + 1000]]})
        if response.status_code == 404:  # a server older than this check: nothing to do
            log.info("the server cannot tell which revisions it lacks; check skipped")
            client.store.set_setting("last_reconcile_at", client.clock())
            return
        body = response.json()
        missing.update((m["entry_id"], m["rev"]) for m in body["missing"])
        lacking_files.update(body.get("missing_attachments") or [])
    plan = reconcile.plan_resend(archive, missing)
    for start in range(0, len(plan), client.batch_size):
        batch = plan[start:start + client.batch_size]
        client._upload_attachments(api, [r for r in batch if _has_files(client, r)], report)
        results = api.push(batch)
        for payload, result in zip(batch, results, strict=True):
            if result.get("status") in ACKNOWLEDGED:
                outcome.resent += 1
            else:
                outcome.resend_rejected.append(
                    {"entry_id": payload["entry_id"], "rev": payload["rev"],
                     "error": result.get("error")})
        report("reconcile", start + len(batch), len(plan))
    media = {a["sha256"]: a for items in archive.values() for item in items
             for a in item["payload"].get("attachments") or []}
    files = [sha for sha in sorted(lacking_files) if sha in media and client._have_file(sha)]
    if files:
        client._upload(api, files, media, report)
    if outcome.resend_rejected:
        log.warning("revisions the server refused again: %s", outcome.resend_rejected[:10])
    client.store.set_setting("last_reconcile_at", client.clock())

def _has_files(client: SyncClient, revision: dict[str, Any]) -> bool:
    return all(client._have_file(a["sha256"]) for a in revision.get("attachments") or [])
