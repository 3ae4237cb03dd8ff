"""The device's one store: forms, entries, outbox, pull cursor, credentials and settings.

All state lives in TinyDB databases on :class:`~field_app.storage.AtomicJSONStorage`, in the
``store/`` folder of the app's data folder:

* ``device.json``   device id, credentials (token and user), pull cursor, settings
* ``forms.json``    the cached compiled forms (``Form.to_json()``), one document per version
* ``drafts/<entry_id>.json``  one small file per entry being edited (``draft``): an answer
  rewrites only its own draft's file
* ``outbox.json``   ``finalized`` revisions waiting for the server's acknowledgement
* ``archive.json``  ``sent``, ``needs_correction`` and ``conflict`` entries

TinyDB rewrites a whole file on every write, so the files are split by how often they change:
an autosave rewrites one draft's file, however many entries a season has archived or how many
drafts are open.

Moving an entry between files (finalize, acknowledged, correction) writes the destination
first and removes it from the source second. Each record carries a ``local_version`` that grows
with every change; if a crash leaves an entry in two files, the store keeps the newer copy when
it opens.

A damaged file (flash corruption, a card pulled out) never stops the store from opening: each
file is read and checked by :func:`field_app.recovery.load_checked`, which writes the records it
can still read to a fresh copy and records a report before it renames the damaged one to
``<name>.corrupt-<time>`` (a full disk at that moment hides nothing: the store refuses to open
with a clear message, and everything is back once space is freed). The other files
load as they are (drafts are one file each, so one bad draft costs at most that draft).
:meth:`Store.set_aside_files` lists what was set aside until the officer has seen the message.

One writer: every method takes the store's lock, so the UI thread and the sync thread never
write at the same time. Records handed out are copies; change them through the store only.

The class is split along its seams: the device file and cached forms in
:mod:`field_app.store_device`, whose entries an officer sees in :mod:`field_app.store_owners`,
the outbox and pulled changes in :mod:`field_app.store_sync`, reopening an unsent entry and
checking its photos in :mod:`field_app.store_photos`.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.table import Table

from field_app import __version__, entries, entry_meta, regions
from field_app.recovery import SetAsideFile, load_checked
from field_app.storage import (
    TEMP_MARKER,
    AtomicJSONStorage,
    CorruptStoreError,
    fsync_dir,
    make_dir,
)
from field_app.store_device import DeviceMixin, replace_with
from field_app.store_owners import OwnersMixin
from field_app.store_photos import PhotosMixin
from field_app.store_sync import SyncMixin

__all__ = ["EntryNotFoundError", "Store", "local_now"]

log = logging.getLogger(__name__)

SHELF_OF_STATUS = {
    entries.DRAFT: "drafts",
    entries.FINALIZED: "outbox",
    entries.SENT: "archive",
    entries.NEEDS_CORRECTION: "archive",
    entries.CONFLICT: "archive",
}
DRAFTS = "drafts"
SHARED_SHELVES = ("outbox", "archive")
SHELVES = (DRAFTS, *SHARED_SHELVES)
ENTRY_TABLE = "entries"


def local_now() -> str:
    """Return the current local time as ISO 8601 with its UTC offset (``...+07:00``)."""
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


class EntryNotFoundError(KeyError):
    """No entry with this id on the device."""


class Store(DeviceMixin, OwnersMixin, SyncMixin, PhotosMixin):
    """The device's store. Open it once per process and share it (it is thread-safe)."""

    def __init__(
        self,
        folder: str | Path,
        *,
        durable: bool = True,
        clock: Callable[[], str] = local_now,
    ) -> None:
        """Open (or create) the store in ``folder``."""
        self.folder = Path(folder)
        make_dir(self.folder, durable=durable)  # a new folder is fsynced into its parent
        self.durable = durable
        self._clock = clock
        self._lock = threading.RLock()
        self._dbs: dict[str, TinyDB] = {}
        #: files found damaged while opening (set aside, salvaged): see :mod:`field_app.recovery`
        self.set_aside: list[SetAsideFile] = []
        for name in ("device", "forms", *SHARED_SHELVES):
            db = self._open_checked(self.folder / f"{name}.json", name)
            if db is None:
                raise CorruptStoreError(
                    f"{self.folder / name}.json is damaged and cannot be moved aside")
            self._dbs[name] = db
        self._drafts_folder = self.folder / "drafts"
        make_dir(self._drafts_folder, durable=durable)
        for leftover in self._drafts_folder.glob(f".*{TEMP_MARKER}*"):
            leftover.unlink(missing_ok=True)  # a draft's first write cut short
        self._drafts: dict[str, TinyDB] = {}
        self._index: dict[str, tuple[str, int]] = {}
        self._version = 0
        self._listeners: list[Callable[[str], None]] = []
        self._load_index()
        if not self._device_doc().get("device_id"):
            self._set_device(device_id=str(uuid.uuid4()))
        self._upgrade_cursor()
        officer = self.officer()
        if officer:
            self._adopt_unowned(officer)

    @classmethod
    def open_default(cls, data_folder: Path | None = None) -> Store:
        """Open the store in the platform's data folder (see :mod:`field_app.paths`)."""
        from field_app.paths import data_dir, store_dir

        return cls(store_dir(data_folder or data_dir()))

    # ----------------------------------------------------------------- plumbing

    def now(self) -> str:
        """The store's clock: local time, ISO 8601 with its offset."""
        return self._clock()

    @property
    def lock(self) -> threading.RLock:
        """The store's lock (held by every method)."""
        return self._lock

    def _open_db(self, path: Path, clean_temps: bool = True) -> TinyDB:
        return TinyDB(path, storage=AtomicJSONStorage, durable=self.durable,
                      clean_temps=clean_temps)

    def _open_checked(self, path: Path, kind: str, clean_temps: bool = True) -> TinyDB | None:
        """Open a store file, setting it aside and salvaging it if it is damaged.

        ``None`` when there is nothing to open: a damaged draft with nothing salvaged, or a
        damaged file that could not even be renamed (it is left alone, never written over).
        """
        db = self._open_db(path, clean_temps)
        storage = db.storage
        assert isinstance(storage, AtomicJSONStorage)
        try:
            data, report = load_checked(
                path, kind, durable=self.durable,
                keep_report=None if kind == "device" else self._keep_report)
        except BaseException:
            db.close()
            raise
        if report is None:
            storage.preload(data)
            return db
        log.warning("store file %s set aside as %s: %s (%d records recovered)",
                    report.path, report.kept_as, report.reason, report.recovered)
        self.set_aside.append(report)
        if report.kept_as == report.path or (kind == DRAFTS and not data):
            db.close()
            return None
        storage.preload(data or None)  # the salvaged records, already in a fresh file
        return db

    def _keep_report(self, report: SetAsideFile) -> None:
        """Record a file set aside in the device file (before the file is moved)."""
        earlier = [item for item in self._device_doc().get("set_aside") or []
                   if (item.get("path"), item.get("when")) != (report.path, report.when)]
        self._set_device(set_aside=[*earlier, report.to_json()])

    def _table(self, name: str, table: str = ENTRY_TABLE) -> Table:
        return self._dbs[name].table(table)

    def _entry_table(self, shelf: str, entry_id: str) -> Table:
        if shelf == DRAFTS:
            db = self._drafts.get(entry_id)
            if db is None:
                db = self._drafts[entry_id] = self._open_db(self._draft_path(entry_id),
                                                            clean_temps=False)
            return db.table(ENTRY_TABLE)
        return self._table(shelf)

    def _draft_path(self, entry_id: str) -> Path:
        if not entry_id or "/" in entry_id or entry_id.startswith("."):
            raise ValueError(f"unsafe entry id {entry_id!r}")
        return self._drafts_folder / f"{entry_id}.json"

    def _drop_draft_file(self, entry_id: str) -> None:
        db = self._drafts.pop(entry_id, None)
        if db is not None:
            db.close()
        self._draft_path(entry_id).unlink(missing_ok=True)
        if self.durable:
            fsync_dir(self._drafts_folder)

    def _storage(self, name: str) -> AtomicJSONStorage:
        storage = self._dbs[name].storage
        assert isinstance(storage, AtomicJSONStorage)
        return storage

    @contextmanager
    def _batch(self, names: Iterable[str]) -> Iterator[None]:
        with ExitStack() as stack:
            for name in names:
                if name != DRAFTS:
                    stack.enter_context(self._storage(name).batch())
            yield

    def _all_docs(self, shelf: str) -> Iterator[tuple[int, dict[str, Any]]]:
        """``(doc_id, raw record)`` of a shelf; raw: never hand these out or change them."""
        if shelf == DRAFTS:
            for db in self._drafts.values():
                raw = (db.storage.read() or {}).get(ENTRY_TABLE, {})
                for key, doc in raw.items():
                    yield int(key), doc
            return
        raw = (self._storage(shelf).read() or {}).get(ENTRY_TABLE, {})
        for key, doc in raw.items():
            yield int(key), doc

    def _load_index(self) -> None:
        """Index entries by id; drop the older copy of an entry a crash left in two files."""
        for path in sorted(self._drafts_folder.glob("*.json")):
            db = self._open_checked(path, DRAFTS, clean_temps=False)
            if db is not None:
                self._drafts[path.stem] = db
        seen: dict[str, tuple[str, int, int]] = {}
        stale: list[tuple[str, str, int]] = []
        for shelf in SHELVES:
            for doc_id, doc in self._all_docs(shelf):
                version = int(doc.get("local_version", 0))
                self._version = max(self._version, version)
                entry_id = doc["entry_id"]
                previous = seen.get(entry_id)
                if previous is None or version > previous[2]:
                    if previous is not None:
                        stale.append((previous[0], entry_id, previous[1]))
                    seen[entry_id] = (shelf, doc_id, version)
                else:
                    stale.append((shelf, entry_id, doc_id))
        empty_drafts = [key for key in self._drafts if key not in seen
                        or seen[key][0] != DRAFTS]
        for shelf, entry_id, doc_id in stale:
            if shelf != DRAFTS:
                self._table(shelf).remove(doc_ids=[doc_id])
            elif entry_id in self._drafts and seen[entry_id][0] == DRAFTS:
                # a second copy inside the draft's own file (a write half-applied when the
                # storage was full): it would be listed and counted twice
                self._drafts[entry_id].table(ENTRY_TABLE).remove(doc_ids=[doc_id])
        for entry_id in empty_drafts:
            self._drop_draft_file(entry_id)
        self._index = {key: (shelf, doc_id) for key, (shelf, doc_id, _) in seen.items()}

    def add_listener(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(entry_id)`` after every change to an entry (e.g. to refresh a list)."""
        self._listeners.append(callback)

    def _notify(self, entry_ids: Iterable[str]) -> None:
        for entry_id in entry_ids:
            for callback in list(self._listeners):
                callback(entry_id)

    def _record(self, entry_id: str) -> dict[str, Any]:
        try:
            shelf, doc_id = self._index[entry_id]
        except KeyError:
            raise EntryNotFoundError(entry_id) from None
        doc = self._entry_table(shelf, entry_id).get(doc_id=doc_id)
        if doc is None:  # pragma: no cover - index and tables out of step would be a bug
            raise EntryNotFoundError(entry_id)
        return entries.clone(dict(doc))

    def _put_many(self, records: list[dict[str, Any]]) -> None:
        """Save records: write each destination file once, then drop moved-away copies."""
        if not records:
            return
        by_dest: dict[str, list[dict[str, Any]]] = {}
        for record in records:
            self._version += 1
            record["local_version"] = self._version
            by_dest.setdefault(SHELF_OF_STATUS[record["status"]], []).append(record)
        removals: list[tuple[str, str, int]] = []
        new_index: dict[str, tuple[str, int]] = {}
        with self._batch(by_dest):
            for dest, group in by_dest.items():
                if dest == DRAFTS:
                    for record in group:
                        where = self._index.get(record["entry_id"])
                        table = self._entry_table(DRAFTS, record["entry_id"])
                        if where is not None and where[0] == DRAFTS:
                            table.update(replace_with(record), doc_ids=[where[1]])
                            new_index[record["entry_id"]] = where
                        else:
                            new_index[record["entry_id"]] = (DRAFTS, table.insert(record))
                            if where is not None:
                                removals.append((where[0], record["entry_id"], where[1]))
                    continue
                # shared files: one TinyDB operation per kind, whatever the group's size
                table = self._table(dest)
                in_place = {}
                moving = []
                for record in group:
                    where = self._index.get(record["entry_id"])
                    if where is not None and where[0] == dest:
                        in_place[where[1]] = record
                        new_index[record["entry_id"]] = where
                    else:
                        moving.append(record)
                        if where is not None:
                            removals.append((where[0], record["entry_id"], where[1]))
                if in_place:
                    table.update(_replace_by_id(in_place), doc_ids=list(in_place))
                if moving:
                    doc_ids = table.insert_multiple(moving)
                    for record, doc_id in zip(moving, doc_ids, strict=True):
                        new_index[record["entry_id"]] = (dest, doc_id)
        if removals:
            shared = {shelf for shelf, _, _ in removals}
            with self._batch(shared):
                for shelf in shared:
                    if shelf != DRAFTS:
                        self._table(shelf).remove(
                            doc_ids=[doc_id for s, _, doc_id in removals if s == shelf])
                for shelf, entry_id, _ in removals:
                    if shelf == DRAFTS:
                        self._drop_draft_file(entry_id)
        self._index.update(new_index)
        self._notify(record["entry_id"] for record in records)

    # ----------------------------------------------------------------- entries

    def create_draft(
        self,
        form_id: str,
        form_version: str,
        region: str,
        answers: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> str:
        """Start a new draft entry and return its id."""
        with self._lock:
            officer = self.officer()
            base_meta = {"device_id": self.device_id, "officer": officer}
            entry_id = str(uuid.uuid4())
            record = entries.new_draft(
                entry_id, form_id, str(form_version), region, {**base_meta, **(meta or {})},
                self._clock(), answers,
            )
            record["owner"] = officer  # the entry is the officer's who made it, here as there
            self._put_many([record])
            return entry_id

    def save_answers(self, entry_id: str, answers: dict[str, Any]) -> None:
        """Autosave a draft's answers (returns once they are on disk)."""
        with self._lock:
            record = entries.set_answers(self._record(entry_id), answers, self._clock())
            self._put_many([record])

    def get_entry(self, entry_id: str) -> dict[str, Any]:
        """Return a copy of the entry record."""
        with self._lock:
            return self._record(entry_id)

    def has_entry(self, entry_id: str) -> bool:
        """Whether an entry with this id is on the device."""
        with self._lock:
            return entry_id in self._index

    def list_entries(
        self, status: str | None = None, form_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Return the signed-in officer's entry summaries (no answers), newest change first."""
        keys = ("entry_id", "form_id", "form_version", "region", "status", "review_status",
                "review_comment", "created_at", "updated_at", "sent_rev", "server_deleted",
                "owner")
        with self._lock:
            visible = self._visible
            summaries = []
            for shelf in SHELVES:
                for _, doc in self._all_docs(shelf):
                    if not visible(doc):
                        continue
                    if status is not None and doc["status"] != status:
                        continue
                    if form_id is not None and doc["form_id"] != form_id:
                        continue
                    summary = {key: doc.get(key) for key in keys}
                    summary["rejected"] = doc.get("rejection") is not None
                    summary["rejection_error"] = (doc.get("rejection") or {}).get("error")
                    summary["deletable"] = entries.can_delete(doc)
                    summaries.append(summary)
        summaries.sort(key=lambda s: s["updated_at"] or "", reverse=True)
        return summaries

    def counts(self) -> dict[str, int]:
        """Return the number of the signed-in officer's entries per status."""
        with self._lock:
            visible = self._visible
            result = dict.fromkeys(entries.STATUSES, 0)
            for shelf in SHELVES:
                for _, doc in self._all_docs(shelf):
                    if visible(doc):
                        result[doc["status"]] += 1
            return result

    def finalize_entry(self, entry_id: str, form: Any) -> list[Any]:
        """Finalize a draft if ``form.validate(answers)`` passes; return the issues found.

        An empty list means the entry is now ``finalized`` and waits in the outbox.
        """
        with self._lock:
            record = self._record(entry_id)
            if hasattr(form, "graph"):  # every finalize stamps ``end`` (as ODK Collect does)
                record["answers"] = entry_meta.stamp_finalized(form, record["answers"],
                                                               self._clock())
                # the region question's answer decides the entry's region
                record["region"] = regions.region_from_answers(form, record["answers"],
                                                               record["region"])
            issues = list(form.validate(record["answers"]))
            if issues:
                return issues
            self._put_many([entries.finalize(record, issues, self._clock(),
                                             {"app_version": __version__})])
            return []

    def delete_draft(self, entry_id: str) -> None:
        """Delete a draft (only drafts never sent; raises ``LifecycleError`` otherwise)."""
        with self._lock:
            record = self._record(entry_id)
            if not entries.can_delete(record):
                raise entries.LifecycleError("not_deletable", entry_id, record["status"])
            self._drop_draft_file(entry_id)
            del self._index[entry_id]
            self._notify([entry_id])

    def start_correction(self, entry_id: str) -> None:
        """Turn an entry that needs correction into a draft editing the server's revision."""
        with self._lock:
            record = entries.start_correction(self._record(entry_id), self._clock())
            self._put_many([record])

    def set_aside_files(self, unseen_only: bool = True) -> list[SetAsideFile]:
        """Damaged files set aside so far (by default those the officer was not told of)."""
        with self._lock:
            doc = self._device_doc()
            found = [SetAsideFile.from_json(item) for item in doc.get("set_aside") or []]
            return found[int(doc.get("set_aside_seen") or 0):] if unseen_only else found

    def mark_set_aside_seen(self) -> None:
        """The officer saw the message about the files set aside (it is not shown again)."""
        with self._lock:
            self._set_device(set_aside_seen=len(self._device_doc().get("set_aside") or []))

    def close(self) -> None:
        """Close the databases."""
        with self._lock:
            for db in [*self._dbs.values(), *self._drafts.values()]:
                db.close()


def _replace_by_id(
    records: dict[int, dict[str, Any]],
) -> Callable[[dict[str, Any]], None]:
    """An update function for TinyDB that replaces each document by its new record."""
    by_entry = {record["entry_id"]: record for record in records.values()}

    def replace(doc: dict[str, Any]) -> None:
        record = by_entry[doc["entry_id"]]
        doc.clear()
        doc.update(record)

    return replace
