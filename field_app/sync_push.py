"""The push half of a sync (a mixin of :class:`field_app.sync_client.SyncClient`).

Order, so that one photo never holds back other entries:

1. Every photo of every waiting revision is checked on the tablet first. An entry with a
   missing or damaged photo is held back alone, named with *every* affected photo and whether it
   is missing or damaged (``SyncOutcome.held_back``); the others go on.
2. The server is asked once which photos it lacks. Entries without photos, or whose photos are
   all on the server already, are pushed first, in batches.
3. Then the entries that need uploads, those with the fewest bytes to send first: each entry's
   photos are uploaded (resumable, :mod:`field_app.sync_upload`) and the entry is pushed at
   once. A photo the server refuses (type, size, quota) holds back only its own entry. When the
   server's storage is full (507), this entry and every other one still waiting for uploads
   stay on the tablet (problem ``server_full``) and the sync goes on with the pull; they are
   sent at a later sync, once an admin has freed space.

A revision is marked sent only when the server acknowledged it; a batch cut off halfway is
simply pushed again (the server recognises the revision ids).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from field_app.attachments import attachment_path, read_verified
from field_app.entries import ACKNOWLEDGED, attachments_of
from field_app.http_api import ApiClient, SyncError
from field_app.rejections import describe_rejection
from field_app.sent_revisions import SentRevisions
from field_app.store import Store
from field_app.sync_outcome import SyncOutcome
from field_app.sync_summary import NAMED
from field_app.sync_upload import photo_problem, upload_resumable
from survey_forms.names import tidy_name

__all__ = ["PushMixin", "Report"]

log = logging.getLogger(__name__)

#: ``report(phase, done, total, **detail)``: see :class:`field_app.sync_outcome.Progress`
Report = Callable[..., None]
#: what the server may refuse of one photo without the sync stopping
_PHOTO_REFUSALS = ("upload_refused", "too_large", "attachment_missing")
#: the server cannot store any photo now (its disk is full): every upload waits
SERVER_FULL = "server_storage_full"
_MISSING_QUERY = 1000  # hashes per ``POST /attachments/missing``


class PushMixin:
    """Push and photo uploads of :class:`~field_app.sync_client.SyncClient`."""

    store: Store
    attachments_folder: Path
    batch_size: int
    sent_archive: SentRevisions
    form: Callable[[str, str], Any]

    # ------------------------------------------------------------------- push

    def _push(
        self,
        api: ApiClient,
        report: Report,
        outcome: SyncOutcome,
        hold_unknown_parent: bool = False,
    ) -> int:
        """Push the outbox; returns how many revisions were held back (still finalized)
        because the server lacks their parent (only with ``hold_unknown_parent``)."""
        ready = []
        for revision in self.store.pending_revisions():
            problems = []
            for ref in revision["attachments"]:
                problem = photo_problem(self.attachments_folder, ref["sha256"])
                if problem:
                    problems.append({**ref, "problem": problem})
            if problems:
                self._hold_back(outcome, revision, problems)
            else:
                ready.append(revision)
        lacking = self._server_lacks(api, ready)
        first = [r for r in ready if not any(a["sha256"] in lacking for a in r["attachments"])]
        later = [r for r in ready if any(a["sha256"] in lacking for a in r["attachments"])]
        sizes = {sha: self._size(sha) for sha in lacking}
        later.sort(key=lambda r: sum(sizes.get(a["sha256"], 0) for a in r["attachments"]))
        total, done, held = len(ready), 0, 0
        report("push", 0, total)
        for start in range(0, len(first), self.batch_size):
            batch = first[start:start + self.batch_size]
            held += self._push_batch(api, batch, report, outcome, hold_unknown_parent)
            done += len(batch)
            report("push", done, total)
        uploads = _PhotoBytes(sum(sizes.values()))
        server_full = False
        for revision in later:
            if server_full and any(a["sha256"] in lacking for a in revision["attachments"]):
                self._hold_back_server_full(outcome, revision, lacking)
                continue
            try:
                self._upload_for(api, revision, lacking, report, uploads)
            except SyncError as exc:
                if exc.reason == SERVER_FULL:  # no upload can succeed now: the rest wait
                    log.warning("server storage full, entries with photos wait: %s", exc)
                    server_full = True
                    self._hold_back_server_full(outcome, revision, lacking)
                    continue
                if exc.reason not in _PHOTO_REFUSALS:
                    raise
                log.warning("entry %s held back by a photo: %s", revision["entry_id"], exc)
                ref = exc.params.get("ref") or {}
                problem = "refused"
                if exc.reason == "attachment_missing":  # changed or gone during this sync
                    problem = photo_problem(self.attachments_folder,
                                            ref.get("sha256", "")) or "damaged"
                self._hold_back(outcome, revision, [{**ref, "problem": problem}])
                continue
            held += self._push_batch(api, [revision], report, outcome, hold_unknown_parent)
            done += 1
            report("push", done, total)
        self._resend_lost_photos(api, report)
        return held

    def _push_batch(
        self,
        api: ApiClient,
        batch: list[dict[str, Any]],
        report: Report,
        outcome: SyncOutcome,
        hold_unknown_parent: bool,
    ) -> int:
        held = 0
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
        for record in self.store.apply_push_results(results):
            item = {"entry_id": record["entry_id"], "label": ""}
            if record["status"] == "draft" and record.get("rejection"):
                form = self._form_or_none(record["form_id"], record["form_version"])
                described = describe_rejection(record["entry_id"], record["rejection"], form,
                                               record.get("region") or "",
                                               on_server=bool(record.get("sent_rev")))
                outcome.rejected.append(described)
                self._note(outcome, "rejected", record, {
                    **item, "error": described["error"], "message": described["message"]})
            else:
                outcome.sent += 1
                self._note(outcome, "sent", record, item)
                if record["status"] == "conflict":
                    self._note(outcome, "conflicts", record, {
                        **item, "fields": [c.get("path") for c in record.get("conflicts") or []
                                           if isinstance(c, dict)]})
        late = sorted({sha for r in results for sha in r.get("missing_attachments") or []})
        if late:
            media = {a["sha256"]: a for rev in batch for a in rev["attachments"]}
            self._upload(api, [sha for sha in late if sha in media], media, report)
        return held

    def _hold_back(self, outcome: SyncOutcome, revision: dict[str, Any],
                   photos: list[dict[str, Any]]) -> None:
        """Record an entry held back by its photos (every affected photo, and why)."""
        listed = [{"filename": p.get("filename", ""), "sha256": p.get("sha256", ""),
                   "problem": p["problem"]} for p in photos]
        item = {"entry_id": revision["entry_id"], **photos[0], "photos": listed}
        outcome.held_back.append(item)
        outcome.summary["held_back"].append(
            {"entry_id": revision["entry_id"], "label": self._label(revision),
             "photos": listed})

    def _hold_back_server_full(self, outcome: SyncOutcome, revision: dict[str, Any],
                               lacking: set[str]) -> None:
        """Keep an entry on the tablet because the server's disk is full: its photos that
        the server still lacks are named with the problem ``server_full``."""
        self._hold_back(outcome, revision, [
            {**a, "problem": "server_full"} for a in revision["attachments"]
            if a["sha256"] in lacking])

    def _server_lacks(self, api: ApiClient, revisions: list[dict[str, Any]]) -> set[str]:
        hashes = sorted({a["sha256"] for r in revisions for a in r["attachments"]})
        lacking: set[str] = set()
        for start in range(0, len(hashes), _MISSING_QUERY):
            lacking.update(api.missing_attachments(hashes[start:start + _MISSING_QUERY]))
        return lacking

    def _size(self, sha256: str) -> int:
        try:
            return attachment_path(self.attachments_folder, sha256).stat().st_size
        except (OSError, ValueError):
            return 0

    def _note(self, outcome: SyncOutcome, kind: str, record: dict[str, Any],
              item: dict[str, Any]) -> None:
        """Add ``item`` to the summary's ``kind``, named for the officer when it is among the
        first :data:`~field_app.sync_summary.NAMED` (the others are only counted: naming
        every entry of a first sync of a thousand would cost seconds on a tablet)."""
        listed = outcome.summary[kind]
        listed[:] = [i for i in listed if i["entry_id"] != item["entry_id"]]
        if len(listed) < NAMED:
            item = {**item, "label": self._label(record)}
        listed.append(item)

    def _label(self, revision: dict[str, Any]) -> str:
        """The entry's name for the officer (its instance_name), else its id's start."""
        form = self._form_or_none(revision.get("form_id", ""), str(revision.get("form_version")))
        if form is not None:
            try:
                name = form.new_session(revision.get("answers") or {}).instance_name()
            except Exception:  # an odd entry must still be named
                name = ""
            name = tidy_name(str(name or ""))  # no dangling " – " of an empty part
            if any(char.isalnum() for char in name):
                return name
        return str(revision["entry_id"])[:8]

    # ---------------------------------------------------------------- uploads

    def _upload_for(
        self,
        api: ApiClient,
        revision: dict[str, Any],
        lacking: set[str],
        report: Report,
        uploads: _PhotoBytes,
    ) -> None:
        """Upload the photos of one entry that the server lacks, reporting bytes."""
        todo = list(dict.fromkeys(a["sha256"] for a in revision["attachments"]
                                  if a["sha256"] in lacking))
        refs = {a["sha256"]: a for a in revision["attachments"]}
        label = self._label(revision)
        for index, sha in enumerate(todo, start=1):
            try:
                data = read_verified(self.attachments_folder, sha)
            except (OSError, ValueError) as exc:
                raise SyncError("attachment_missing", str(exc), filename=refs[sha]["filename"],
                                ref=refs[sha]) from exc

            def sent(count: int, sha: str = sha, index: int = index, size: int = len(data)
                     ) -> None:
                uploads.at(sha, count)
                report("attachments", index, len(todo), entry_id=revision["entry_id"],
                       entry_label=label, file_sent=count, file_size=size,
                       photo_sent=uploads.sent, photo_total=uploads.total)

            try:
                upload_resumable(api, sha, data, refs[sha]["media_type"], sent)
            except SyncError as exc:
                if exc.reason in _PHOTO_REFUSALS:
                    exc.params["ref"] = refs[sha]
                raise
            lacking.discard(sha)

    def _resend_lost_photos(self, api: ApiClient, report: Report) -> None:
        """Upload the photos of already sent entries that the server reports missing (its copy
        was lost or damaged) and that this tablet still holds; the others are left alone. A
        photo the server refuses (type, size, quota) is logged and skipped."""
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
                if exc.reason == SERVER_FULL:
                    log.warning("lost photos not sent again, server storage full: %s", exc)
                    return
                if exc.reason not in _PHOTO_REFUSALS:
                    raise
                log.warning("lost photo %s not sent again: %s", sha, exc)

    def _have_file(self, sha256: str) -> bool:
        # existence only: the bytes are checked against the hash when uploaded
        try:
            return attachment_path(self.attachments_folder, sha256).is_file()
        except ValueError:
            return False

    def _upload_attachments(
        self, api: ApiClient, batch: list[dict[str, Any]], report: Report
    ) -> None:
        """Upload what the server lacks of the photos of ``batch``, then check."""
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
        report: Report,
    ) -> None:
        report("attachments", 0, len(hashes))
        uploads = _PhotoBytes(sum(self._size(sha) for sha in hashes))
        for done, sha in enumerate(hashes, start=1):
            try:
                data = read_verified(self.attachments_folder, sha)
            except (OSError, ValueError) as exc:
                raise SyncError("attachment_missing", str(exc),
                                filename=media[sha]["filename"]) from exc

            def sent(count: int, sha: str = sha, done: int = done, size: int = len(data)
                     ) -> None:
                uploads.at(sha, count)
                report("attachments", done, len(hashes), file_sent=count, file_size=size,
                       photo_sent=uploads.sent, photo_total=uploads.total)

            upload_resumable(api, sha, data, media[sha]["media_type"], sent)

    def _form_or_none(self, form_id: str, version: str) -> Any:
        try:
            return self.form(form_id, version)
        except Exception:  # a damaged cached form must not hide the rejection itself
            log.exception("cached form %s %s cannot be loaded", form_id, version)
            return None


class _PhotoBytes:
    """Bytes of this sync's photo uploads on the server so far, out of ``total``."""

    def __init__(self, total: int) -> None:
        self.total = total
        self._files: dict[str, int] = {}

    def at(self, sha256: str, sent: int) -> None:
        self._files[sha256] = sent

    @property
    def sent(self) -> int:
        return sum(self._files.values())
