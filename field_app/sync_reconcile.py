"""Reconciliation after a server restore (a mixin of :class:`field_app.sync_client.SyncClient`).

When the server was restored from a backup (the pull says ``reset``, or names another server or
epoch than the last one), when a correction's parent is unknown to the server, and once a day
anyway: ask the server which of the revisions this tablet holds as sent it lacks, send those
again from the archive (:mod:`field_app.sent_revisions`, parents first), upload the photos it
lacks, and pull again from the beginning of the feed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from field_app import reconcile
from field_app.entries import ACKNOWLEDGED
from field_app.http_api import ApiClient
from field_app.sync_outcome import SyncOutcome
from field_app.sync_push import PushMixin, Report

__all__ = ["ReconcileMixin"]

log = logging.getLogger(__name__)


class ReconcileMixin(PushMixin):
    """Reconciliation of :class:`~field_app.sync_client.SyncClient`."""

    clock: Callable[[], float]

    # -------------------------------------------------------------- reconcile

    def _reconcile_due(self) -> bool:
        last = self.store.get_setting("last_reconcile_at")
        return not isinstance(last, (int, float)) or (
            self.clock() - last >= reconcile.RECONCILE_INTERVAL_SECONDS
        )

    def _reconcile(
        self,
        api: ApiClient,
        report: Report,
        outcome: SyncOutcome,
        reason: str,
    ) -> None:
        """Send again what the server lacks of what this tablet sent (see the module doc)."""
        outcome.reconciled = reason
        log.info("reconciling with the server (%s)", reason)
        with self.store.lock:
            # the signed-in officer's entries only: another officer's are never sent under
            # this officer's name, even to a server that lost them
            mine = [s["entry_id"] for s in self.store.list_entries()]
            records = [self.store.get_entry(entry_id) for entry_id in mine]
        archive = {entry_id: items for entry_id, items in self.sent_archive.entries().items()
                   if entry_id in set(mine)}
        for payload in reconcile.legacy_payloads(records, self.store.device_id):
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
                self.store.set_setting("last_reconcile_at", self.clock())
                return
            body = response.json()
            missing.update((m["entry_id"], m["rev"]) for m in body["missing"])
            lacking_files.update(body.get("missing_attachments") or [])
        plan = reconcile.plan_resend(archive, missing)
        for start in range(0, len(plan), self.batch_size):
            batch = plan[start:start + self.batch_size]
            self._upload_attachments(api, [r for r in batch if self._has_files(r)], report)
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
        files = [sha for sha in sorted(lacking_files) if sha in media and self._have_file(sha)]
        if files:
            self._upload(api, files, media, report)
        if outcome.resend_rejected:
            log.warning("revisions the server refused again: %s", outcome.resend_rejected[:10])
        self.store.set_setting("last_reconcile_at", self.clock())

    def _has_files(self, revision: dict[str, Any]) -> bool:
        return all(self._have_file(a["sha256"]) for a in revision.get("attachments") or [])
