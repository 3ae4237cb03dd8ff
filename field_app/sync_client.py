"""Sync between the tablet's store and the sync server: sign-in, push, pull.

:class:`SyncClient.sync` runs one sync synchronously (the background thread and the automatic
sync live in :mod:`field_app.background`):

1. **Push** the finalized revisions the server has not acknowledged
   (:mod:`field_app.sync_push`): entries without photos to upload first, then each entry
   right after its photos (resumable uploads, :mod:`field_app.sync_upload`); a missing,
   damaged or refused photo holds back only its own entry.
2. **Account**: refresh the officer's account (``GET /users/me``: regions, role, full name) and
   learn the server's time from its ``Date`` header (the clock warning).
3. **Forms**: download published form versions the device does not have.
4. **Pull** from the officer's saved cursor, page by page; each page's changes are stored
   before its cursor, so an interrupted pull resumes where it stopped and never skips a change.
5. **Reconcile** (:mod:`field_app.sync_reconcile`) when the server was restored from a backup
   (the pull says ``reset``, or names another server or epoch than the last one), when a
   correction's parent is unknown to the server, and once a day anyway: ask the server which
   of the revisions this tablet holds as sent it lacks, send those again from the archive
   (:mod:`field_app.sent_revisions`, parents first), upload the photos it lacks, and pull
   again from the beginning of the feed.
6. **Resend** what an admin moved to this officer after the server refused it as someone
   else's (``not_owner``, ``region_forbidden``), pushing once more.

Only the signed-in officer's entries are pushed: another officer's stay on the tablet until
their owner signs in.

Any failure stops the sync where it is: what was acknowledged stays recorded, nothing else
changes, and the outcome carries a reason in Indonesian and English. Progress and outcome
(with the officer's summary of what changed) are described in :mod:`field_app.sync_outcome`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from field_app import device_report, reconcile
from field_app.clock_check import clock_offset
from field_app.form_sync import FormShelf
from field_app.http_api import ApiClient, SyncError
from field_app.messages import bilingual
from field_app.sent_revisions import SentRevisions
from field_app.storage import is_storage_full
from field_app.store import Store
from field_app.sync_outcome import Progress, SyncOutcome, Traffic, classify_pulled
from field_app.sync_outcome import failed as _failed
from field_app.sync_push import Report
from field_app.sync_reconcile import ReconcileMixin
from field_app.sync_summary import changed_count, held_back_reason, photo_problems_message

__all__ = ["Progress", "SyncClient", "SyncOutcome"]

log = logging.getLogger(__name__)

ProgressCallback = Callable[[Progress], None]


class SyncClient(ReconcileMixin):
    """Signs in, pushes and pulls for one store. Safe to share; one sync runs at a time."""

    def __init__(
        self,
        store: Store,
        server_url: str | None = None,
        *,
        attachments_folder: Path | None = None,
        batch_size: int = 100,
        pull_limit: int = 200,
        api_options: dict[str, Any] | None = None,
    ) -> None:
        """``server_url`` defaults to the one saved at sign-in or in the settings."""
        self.store = store
        self._server_url = server_url
        self.attachments_folder = attachments_folder or store.folder.parent / "attachments"
        self.batch_size = batch_size
        self.pull_limit = pull_limit
        self.api_options = dict(api_options or {})
        self.shelf = FormShelf(store)
        self._running = threading.Lock()
        #: revisions the server acknowledged, to send again after a restore
        self.sent_archive = SentRevisions(store.folder / "sent", durable=store.durable)
        self.clock: Callable[[], float] = time.time

    # ------------------------------------------------------------------ helpers

    @property
    def server_url(self) -> str | None:
        """The server this client talks to."""
        if self._server_url:
            return self._server_url
        creds = self.store.credentials()
        if creds and creds.get("server_url"):
            return creds["server_url"]
        return self.store.get_setting("server_url")

    def api(
        self,
        token: str | None = None,
        cancel: threading.Event | None = None,
        traffic: Callable[[int, int], None] | None = None,
    ) -> ApiClient:
        """A fresh API client for this server."""
        if not self.server_url:
            raise SyncError("not_signed_in", "no server address")
        return ApiClient(self.server_url, token, cancel=cancel, on_bytes=traffic,
                         **self.api_options)

    def form(self, form_id: str, version: str) -> Any:
        """The cached form as a ``survey_forms.Form`` (``None`` if not on the device), with the
        choice lists of the files downloaded with it (:mod:`field_app.form_sync`)."""
        return self.shelf.form(form_id, version)

    # ---------------------------------------------------------------- sign-in

    def sign_in(self, username: str, password: str, server_url: str | None = None) -> dict:
        """Sign in and save the token in the store; return the user. Raises ``SyncError``."""
        if server_url:
            self._server_url = server_url
            self.store.set_setting("server_url", server_url)
        api = self.api()
        marker_key = f"device_marker:{username}"
        try:
            body = api.sign_in(username, password, self.store.device_id,
                               self.store.get_setting(marker_key))
        finally:
            api.close()
        self.store.set_credentials(body["token"], body["user"], self.server_url or "")
        if body.get("device_marker"):  # this device is known for this account from now on
            self.store.set_setting(marker_key, body["device_marker"])
        return body["user"]

    def sign_out(self) -> None:
        """Forget the token (revoking it on the server if reachable). Entries are kept."""
        creds = self.store.credentials()
        if creds:
            api = self.api(creds["token"])
            api.max_retries = 0
            try:
                api.sign_out()
            except SyncError as exc:
                log.info("sign-out not confirmed by the server: %s", exc)
            finally:
                api.close()
        self.store.clear_credentials()

    def probe(self, timeout: float = 3.0) -> bool:
        """Is the server reachable (one light ``/health`` call)?"""
        try:
            api = self.api()
        except SyncError:
            return False
        try:
            return api.health(timeout)
        finally:
            api.close()

    # ------------------------------------------------------------------- sync

    @property
    def running(self) -> bool:
        """Whether a sync is in progress."""
        return self._running.locked()

    def sync(
        self,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
        *,
        push: bool = True,
        pull: bool = True,
    ) -> SyncOutcome:
        """Run one sync (push, forms, pull) and return its outcome; never raises."""
        if not self._running.acquire(blocking=False):
            return _failed(SyncError("busy", "a sync is already running"))
        try:
            return self._sync(progress, cancel or threading.Event(), push, pull)
        except Exception as exc:  # e.g. a full disk: report it, never a traceback to people
            log.exception("sync failed")
            reason = "storage_full" if is_storage_full(exc) else "unexpected"
            return _failed(SyncError(reason, repr(exc)))
        finally:
            self._running.release()

    def _sync(
        self, progress: ProgressCallback | None, cancel: threading.Event, push: bool, pull: bool
    ) -> SyncOutcome:
        creds = self.store.credentials()
        if not creds:
            return _failed(SyncError("not_signed_in"))
        traffic = Traffic()

        def report(phase: str, done: int, total: int | None, **detail: Any) -> None:
            if progress is None:
                return
            key = f"sync.progress.{phase}"
            params: dict[str, Any] = {"done": done, "total": total}
            if detail.get("file_size"):  # a photo on its way: which entry, bytes and percent
                key = "sync.progress.photo"
                whole = detail.get("photo_total") or detail["file_size"]
                params.update(
                    entry=detail.get("entry_label") or "",
                    sent_kb=(detail.get("photo_sent") or 0) // 1024, total_kb=whole // 1024,
                    percent=int(100 * (detail.get("photo_sent") or 0) / whole),
                )
            progress(Progress(phase, done, total, traffic.sent, traffic.received,
                              bilingual(key, **params), **detail))

        outcome = SyncOutcome(True, None, {})
        api = self.api(creds["token"], cancel, traffic)
        api.session.headers[device_report.HEADER] = device_report.header_value(self.store)
        try:
            if push and self._push(api, report, outcome, hold_unknown_parent=True):
                # a correction whose parent the server lacks: the server lost what this tablet
                # sent (a restore); send the history again, then the correction
                self._reconcile(api, report, outcome, "unknown_parent")
                self._push(api, report, outcome, hold_unknown_parent=False)
            # after the push (which the server checks against the account as it is now), so a
            # connection lost early never delays what waits to be sent
            self._refresh_account(api, creds, outcome)
            if pull:
                self._download_forms(api, report)
                outcome.received = self._pull(api, report, outcome)
                if outcome.reconciled is None and self._reconcile_due():
                    self._reconcile(api, report, outcome, "daily")
                if push and self._requeue_moved():
                    self._push(api, report, outcome, hold_unknown_parent=False)
        except SyncError as exc:
            if exc.reason == "token_revoked":
                self.store.clear_credentials()
            failed = _failed(exc)
            failed.sent, failed.received = outcome.sent, outcome.received
            failed.rejected, failed.held_back = outcome.rejected, outcome.held_back
            failed.summary = outcome.summary
            return failed
        except (ValueError, KeyError, TypeError) as exc:  # a reply that breaks the contract
            log.exception("unexpected reply from the server")
            failed = _failed(SyncError("server_error", f"unexpected reply: {exc!r}"))
            failed.sent, failed.summary = outcome.sent, outcome.summary
            return failed
        finally:
            api.close()
        if outcome.held_back:
            outcome.ok, outcome.reason = False, held_back_reason(outcome.held_back)
            outcome.message = photo_problems_message(outcome.held_back)
        elif outcome.rejected:
            outcome.ok, outcome.reason = False, "entry_rejected"
            outcome.message = bilingual("sync.error.entry_rejected", count=len(outcome.rejected))
        else:
            changed = changed_count(outcome.summary)
            outcome.message = bilingual("sync.ok_changes" if changed else "sync.ok",
                                        sent=outcome.sent, changed=changed)
        return outcome

    # ---------------------------------------------------------------- account

    def _refresh_account(self, api: ApiClient, creds: dict[str, Any], outcome: SyncOutcome
                         ) -> None:
        """Refresh the officer's account (regions, role, full name) and learn the server's time.

        An officer moved to another region works there from this sync on. The server's HTTP
        ``Date`` gives the tablet's clock offset (:mod:`field_app.clock_check`).
        """
        try:
            response = api.request("GET", "/users/me")
        except SyncError as exc:
            if exc.reason == "unexpected":  # an older server without /users/me
                log.info("account not refreshed: %s", exc)
                return
            raise
        offset = clock_offset(response.headers.get("Date"))
        if offset is not None:
            outcome.clock_offset = offset
            self.store.set_setting("clock_offset", offset)
        user = response.json()
        same = isinstance(user, dict) and user.get("username") == creds["user"].get("username")
        if same and user != creds["user"]:
            self.store.set_credentials(creds["token"], user, creds.get("server_url") or "")

    def _requeue_moved(self) -> int:
        """Send again what the server moved to this officer (see :meth:`Store.moved_entries`).

        A ``region_forbidden`` entry goes again once its region on the server is one the
        officer now works in. Returns how many wait in the outbox again.
        """
        user = (self.store.credentials() or {}).get("user") or {}
        regions = set(user.get("regions") or [])
        requeued = 0
        for record in self.store.moved_entries():
            rejection = record["rejection"]
            region = rejection.get("server_region") or record["region"]
            if rejection.get("error") == "region_forbidden" and region not in regions:
                continue
            form = self._form_or_none(record["form_id"], record["form_version"])
            if form is None:
                continue
            if not self.store.resend_moved(record["entry_id"], form, region):
                requeued += 1
        return requeued

    # ------------------------------------------------------------------- pull

    def _download_forms(
        self, api: ApiClient, report: Report,
        wanted: list[tuple[str, str]] | None = None,
    ) -> int:
        return self.shelf.download(api, report, wanted)

    def _pull(
        self,
        api: ApiClient,
        report: Report,
        outcome: SyncOutcome,
    ) -> int:
        cursor = self.store.pull_cursor()
        known = self.store.get_setting("sync_server_identity")
        received = restarts = 0
        report("pull", 0, None)
        while True:
            page = api.pull(cursor, self.pull_limit)
            server = page.get("server")
            if page.get("reset") or (server and known and server != known):
                # the server was restored (or is another one): it may lack what this tablet
                # sent, and its feed is not the one the cursor counted; this page is not
                # applied before the tablet's revisions are sent again
                restarts += 1
                if restarts > 2:
                    raise SyncError("server_error", "the server keeps restarting its feed")
                if outcome.reconciled is None:
                    self._reconcile(api, report, outcome,
                                    str(page.get("reset_reason") or "other_epoch"))
                self.store.apply_pull([], "")
                self.store.set_setting("sync_server_identity", server)
                known, cursor = server, ""
                continue
            if server and server != known:
                self.store.set_setting("sync_server_identity", server)
                known = server
            changes = list(page["changes"])
            wanted = [(c["form_id"], str(c["version"])) for c in changes if c.get("kind") == "form"]
            wanted += [(c["form_id"], str(c["form_version"])) for c in changes
                       if c.get("kind") == "entry"]
            self._download_forms(api, report, wanted)
            # the server sends only what this account may see (an officer: their own entries)
            transitions: list[tuple[dict[str, Any] | None, dict[str, Any]]] = []
            received += self.store.apply_pull(changes, str(page["next"]),
                                              transitions=transitions)
            self._summarize_pulled(outcome, transitions)
            pulled = [p for p in map(reconcile.pulled_payload, changes) if p is not None]
            if pulled:
                self.sent_archive.record(pulled, origin="pulled")
            cursor = str(page["next"])
            report("pull", received, None)
            if not page.get("more"):
                return received

    def _summarize_pulled(
        self, outcome: SyncOutcome,
        transitions: list[tuple[dict[str, Any] | None, dict[str, Any]]],
    ) -> None:
        """Add what pulled changes mean to the officer to the summary (echoes are no news)."""
        for before, after in transitions:
            kind = classify_pulled(before, after)
            if kind is None:
                continue
            item: dict[str, Any] = {"entry_id": after["entry_id"], "label": ""}
            if kind == "returned":
                item["comment"] = after.get("review_comment") or ""
            if kind == "review_rejected":  # by the supervisor: the comment says why
                comment = after.get("review_comment") or ""
                item["message"] = {"id": comment, "en": comment}
            if kind == "conflicts":
                item["fields"] = [c.get("path") for c in after.get("conflicts") or []
                                  if isinstance(c, dict)]
            self._note(outcome, kind, after, item)
