"""Sync between the tablet's store and the sync server: sign-in, push, pull.

:class:`SyncClient.sync` runs one sync synchronously (the background thread and the automatic
sync live in :mod:`field_app.background`):

1. **Push** the finalized revisions the server has not acknowledged, in batches. For each
   batch, attachments first: ask the server which it lacks, upload those, ask again to check.
   Then push the batch; a revision is marked sent only when the server acknowledged it.
   A batch cut off halfway is simply pushed again (the server recognises the revision ids).
2. **Account**: refresh the officer's account (``GET /users/me``: regions, role, full name) and
   learn the server's time from its ``Date`` header (the clock warning).
3. **Forms**: download published form versions the device does not have.
4. **Pull** from the officer's saved cursor, page by page; each page's changes are stored
   before its cursor, so an interrupted pull resumes where it stopped and never skips a change.
5. **Reconcile** when the server was restored from a backup (the pull says ``reset``, or names
   another server or epoch than the last one), when a correction's parent is unknown to the
   server, and once a day anyway: ask the server which of the revisions this tablet holds as
   sent it lacks, send those again from the archive (:mod:`field_app.sent_revisions`, parents
   first), upload the photos it lacks, and pull again from the beginning of the feed.
6. **Resend** what an admin moved to this officer after the server refused it as someone
   else's (``not_owner``, ``region_forbidden``), pushing once more.

Only the signed-in officer's entries are pushed: another officer's stay on the tablet until
their owner signs in.

Any failure stops the sync where it is: what was acknowledged stays recorded, nothing else
changes, and the outcome carries a reason in Indonesian and English.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from field_app import device_report, reconcile
from field_app.attachments import attachment_path, read_verified
from field_app.clock_check import clock_offset
from field_app.entries import ACKNOWLEDGED
from field_app.http_api import ApiClient, SyncError
from field_app.messages import bilingual
from field_app.rejections import describe_rejection
from field_app.sent_revisions import SentRevisions
from field_app.storage import is_storage_full
from field_app.store import Store

__all__ = ["Progress", "SyncClient", "SyncOutcome"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    """Where a running sync is: ``phase`` (attachments, push, forms, pull), items and bytes."""

    phase: str
    done: int
    total: int | None
    bytes_sent: int
    bytes_received: int
    message: dict[str, str]


@dataclass
class SyncOutcome:
    """The result of one sync, for people (``message``) and for code (``reason``)."""

    ok: bool
    reason: str | None
    message: dict[str, str]
    sent: int = 0
    received: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    held_back: list[dict[str, Any]] = field(default_factory=list)
    detail: str = ""
    #: seconds the server's clock is ahead of the tablet's (``None``: not learned this sync)
    clock_offset: float | None = None
    #: why a reconciliation ran in this sync (None: none ran), and what it sent again
    reconciled: str | None = None
    resent: int = 0
    resend_rejected: list[dict[str, Any]] = field(default_factory=list)


ProgressCallback = Callable[[Progress], None]


class _Traffic:
    def __init__(self) -> None:
        self.sent = 0
        self.received = 0

    def __call__(self, sent: int, received: int) -> None:
        self.sent += sent
        self.received += received


class SyncClient:
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
        self._forms: dict[tuple[str, str], Any] = {}
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
        """The cached form as a ``survey_forms.Form`` (``None`` if not on the device)."""
        key = (form_id, str(version))
        if key not in self._forms:
            definition = self.store.form_definition(form_id, str(version))
            if definition is None:
                return None
            from survey_forms import Form

            self._forms[key] = Form.from_json(definition)
        return self._forms[key]

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
        traffic = _Traffic()

        def report(phase: str, done: int, total: int | None) -> None:
            if progress is not None:
                progress(Progress(phase, done, total, traffic.sent, traffic.received,
                                  bilingual(f"sync.progress.{phase}", done=done, total=total)))

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
            return failed
        except (ValueError, KeyError, TypeError) as exc:  # a reply that breaks the contract
            log.exception("unexpected reply from the server")
            failed = _failed(SyncError("server_error", f"unexpected reply: {exc!r}"))
            failed.sent = outcome.sent
            return failed
        finally:
            api.close()
        if outcome.held_back:
            first = outcome.held_back[0]
            outcome.ok, outcome.reason = False, "attachment_missing"
            outcome.message = bilingual("sync.error.attachment_missing",
                                        filename=first["filename"])
        elif outcome.rejected:
            outcome.ok, outcome.reason = False, "entry_rejected"
            outcome.message = bilingual("sync.error.entry_rejected", count=len(outcome.rejected))
        else:
            outcome.message = bilingual("sync.ok", sent=outcome.sent, received=outcome.received)
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

    # ------------------------------------------------------------------- push

    def _push(
        self,
        api: ApiClient,
        report: Callable[[str, int, int | None], None],
        outcome: SyncOutcome,
        hold_unknown_parent: bool = False,
    ) -> int:
        """Push the outbox; returns how many revisions were held back (still finalized)
        because the server lacks their parent (only with ``hold_unknown_parent``)."""
        held = 0
        pending = self.store.pending_revisions()
        ready = []
        for revision in pending:
            lacking = [a for a in revision["attachments"] if not self._have_file(a["sha256"])]
            if lacking:
                outcome.held_back.append({"entry_id": revision["entry_id"], **lacking[0]})
            else:
                ready.append(revision)
        total = len(ready)
        report("push", 0, total)
        done = 0
        for start in range(0, total, self.batch_size):
            batch = ready[start:start + self.batch_size]
            self._upload_attachments(api, batch, report)
            results = api.push(batch)
            if not isinstance(results, list) or len(results) != len(batch):
                raise SyncError("server_error", "push answer does not match the batch")
            for revision, result in zip(batch, results, strict=True):
                if (result.get("entry_id"), result.get("rev")) != (
                    revision["entry_id"], revision["rev"]
                ):
                    raise SyncError("server_error", "push answer out of order")
            self.sent_archive.record(
                revision for revision, result in zip(batch, results, strict=True)
                if result.get("status") in ACKNOWLEDGED
            )
            if hold_unknown_parent:
                kept = [r for r in results if r.get("error") != "unknown_parent"]
                held += len(results) - len(kept)
                results = kept
            changed = self.store.apply_push_results(results)
            for record in changed:
                if record["status"] == "draft" and record.get("rejection"):
                    form = self._form_or_none(record["form_id"], record["form_version"])
                    outcome.rejected.append(
                        describe_rejection(record["entry_id"], record["rejection"], form,
                                           record.get("region") or "")
                    )
                else:
                    outcome.sent += 1
            late = sorted({sha for r in results for sha in r.get("missing_attachments") or []})
            if late:
                media = {a["sha256"]: a for rev in batch for a in rev["attachments"]}
                self._upload(api, [sha for sha in late if sha in media], media, report)
            done += len(batch)
            report("push", done, total)
        self._resend_lost_photos(api, report)
        return held

    def _resend_lost_photos(
        self, api: ApiClient, report: Callable[[str, int, int | None], None]
    ) -> None:
        """Upload the photos of already sent entries that the server reports missing (its copy
        was lost or damaged) and that this tablet still holds; the others are left alone. A
        photo the server refuses (type, size, quota) is logged and skipped."""
        from field_app.entries import attachments_of

        media: dict[str, dict[str, Any]] = {}
        for item in api.entries_missing_attachments():
            entry_id = item.get("entry_id")
            if not isinstance(entry_id, str) or not self.store.has_entry(entry_id):
                continue
            wanted = set(item.get("missing") or [])
            for ref in attachments_of(self.store.get_entry(entry_id).get("answers")):
                if ref["sha256"] in wanted and self._have_file(ref["sha256"]):
                    media.setdefault(ref["sha256"], ref)
        for sha in sorted(media):
            try:
                self._upload(api, [sha], media, report)
            except SyncError as exc:  # best effort: a refused photo must not stop the sync
                if exc.reason not in ("upload_refused", "too_large", "attachment_missing"):
                    raise
                log.warning("lost photo %s not sent again: %s", sha, exc)

    def _have_file(self, sha256: str) -> bool:
        # existence only: the bytes are checked against the hash when uploaded
        try:
            return attachment_path(self.attachments_folder, sha256).is_file()
        except ValueError:
            return False

    def _upload_attachments(
        self,
        api: ApiClient,
        batch: list[dict[str, Any]],
        report: Callable[[str, int, int | None], None],
    ) -> None:
        media = {a["sha256"]: a for rev in batch for a in rev["attachments"]}
        if not media:
            return
        missing = [sha for sha in api.missing_attachments(sorted(media)) if sha in media]
        if not missing:
            return
        self._upload(api, missing, media, report)
        still = api.missing_attachments(missing)
        if still:
            raise SyncError("server_error", f"attachments still missing after upload: {still}")

    def _upload(
        self,
        api: ApiClient,
        hashes: list[str],
        media: dict[str, dict[str, Any]],
        report: Callable[[str, int, int | None], None],
    ) -> None:
        report("attachments", 0, len(hashes))
        for done, sha in enumerate(hashes, start=1):
            try:
                data = read_verified(self.attachments_folder, sha)
            except (OSError, ValueError) as exc:
                raise SyncError("attachment_missing", str(exc),
                                filename=media[sha]["filename"]) from exc
            api.put_attachment(sha, data, media[sha]["media_type"])
            report("attachments", done, len(hashes))

    def _form_or_none(self, form_id: str, version: str) -> Any:
        try:
            return self.form(form_id, version)
        except Exception:  # a damaged cached form must not hide the rejection itself
            log.exception("cached form %s %s cannot be loaded", form_id, version)
            return None

    # ------------------------------------------------------------------- pull

    def _download_forms(
        self, api: ApiClient, report: Callable[[str, int, int | None], None],
        wanted: list[tuple[str, str]] | None = None,
    ) -> int:
        if wanted is None:
            wanted = [(f["form_id"], str(f["version"])) for f in api.list_forms()]
        have = {(f["form_id"], f["version"]) for f in self.store.list_forms()}
        todo = [key for key in dict.fromkeys(wanted) if key not in have]
        if not todo:
            return 0
        report("forms", 0, len(todo))
        definitions = []
        for done, (form_id, version) in enumerate(todo, start=1):
            definitions.append(api.get_form(form_id, version))
            report("forms", done, len(todo))
        self.store.save_forms(definitions)
        return len(definitions)

    def _pull(
        self,
        api: ApiClient,
        report: Callable[[str, int, int | None], None],
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
            received += self.store.apply_pull(changes, str(page["next"]))
            pulled = [p for p in map(reconcile.pulled_payload, changes) if p is not None]
            if pulled:
                self.sent_archive.record(pulled, origin="pulled")
            cursor = str(page["next"])
            report("pull", received, None)
            if not page.get("more"):
                return received

    # -------------------------------------------------------------- reconcile

    def _reconcile_due(self) -> bool:
        last = self.store.get_setting("last_reconcile_at")
        return not isinstance(last, (int, float)) or (
            self.clock() - last >= reconcile.RECONCILE_INTERVAL_SECONDS
        )

    def _reconcile(
        self,
        api: ApiClient,
        report: Callable[[str, int, int | None], None],
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


def _failed(exc: SyncError) -> SyncOutcome:
    return SyncOutcome(False, exc.reason, exc.message, detail=str(exc))

