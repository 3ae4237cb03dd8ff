"""The store's side of a sync: the outbox to push, the server's answers, pulled changes.

A mixin of :class:`field_app.store.Store` (split from it along this seam); every method takes
the store's lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from field_app import entries, regions

__all__ = ["SyncMixin"]


class SyncMixin:
    """Push and pull bookkeeping of :class:`~field_app.store.Store`."""

    def has_unsent(self) -> bool:
        """Whether finalized revisions wait to be pushed."""
        with self._lock:
            visible = self._visible
            return any(visible(doc) for _, doc in self._all_docs("outbox"))

    def pending_revisions(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Return push payloads of the signed-in officer's finalized revisions, oldest first.

        Another officer's entries wait on the tablet until their owner signs in: they are
        never sent under someone else's name.
        """
        with self._lock:
            visible = self._visible
            docs = sorted(
                (doc for _, doc in self._all_docs("outbox") if visible(doc)),
                key=lambda d: (d["meta"].get("finalized_at") or "", d["local_version"]),
            )
            if limit is not None:
                docs = docs[:limit]
            return [entries.push_payload(doc) for doc in docs]

    def apply_push_results(self, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Record the server's answers to a push; return the records that changed."""
        with self._lock:
            now = self._clock()
            changed = []
            for result in results:
                entry_id = result.get("entry_id")
                if entry_id not in self._index:
                    continue
                before = self._record(entry_id)
                after = entries.apply_push_result(before, result, now)
                if after != before:
                    changed.append(after)
            self._put_many(changed)
            return entries.clone(changed)

    def apply_pull(
        self,
        changes: list[dict[str, Any]],
        next_cursor: str,
        forms: Iterable[dict[str, Any]] = (),
        accept: Callable[[dict[str, Any]], bool] | None = None,
        transitions: list[tuple[dict[str, Any] | None, dict[str, Any]]] | None = None,
    ) -> int:
        """Store one page of pulled changes, then (and only then) the new cursor.

        ``forms`` are the compiled forms announced by the page; ``accept(change)`` chooses which
        entries not on the device to keep (default: all). Returns the number of entries changed.
        Each entry belongs to the officer the server names (``officer``; an admin may have
        moved it), else to the signed-in officer; the cursor is the signed-in officer's.
        ``transitions`` (when given) receives ``(before, after)`` of every changed entry
        (``before`` None: new on the tablet).
        """
        with self._lock:
            officer = self.officer()
            forms = list(forms)
            if forms:
                self.save_forms(forms)
            now = self._clock()
            latest: dict[str, dict[str, Any]] = {}
            for change in changes:
                if change.get("kind") == "entry":
                    latest[change["entry_id"]] = change
            changed = []
            for entry_id, change in latest.items():
                owner = change.get("officer") or officer
                if entry_id in self._index:
                    before = self._record(entry_id)
                    after = entries.apply_pull_change(before, change, now)
                    if owner:
                        after["owner"] = owner
                    if after != before:
                        changed.append(after)
                        if transitions is not None:
                            transitions.append((before, entries.clone(after)))
                elif accept is None or accept(change):
                    after = entries.apply_pull_change(None, change, now)
                    if owner:
                        after["owner"] = owner
                    changed.append(after)
                    if transitions is not None:
                        transitions.append((None, entries.clone(after)))
            self._put_many(changed)
            self._set_pull_cursor(next_cursor)
            return len(changed)

    def moved_entries(self) -> list[dict[str, Any]]:
        """The officer's drafts refused as someone else's that the server has since moved.

        (A pulled change arrived after the refusal: an admin moved the entry to this officer or
        to a region the officer works in.)
        """
        with self._lock:
            visible = self._visible
            return [
                entries.clone(doc)
                for _, doc in self._all_docs("drafts")
                if visible(doc) and (doc.get("rejection") or {}).get("moved")
            ]

    def resend_moved(self, entry_id: str, form: Any, region: str) -> list[Any]:
        """Finalize again a moved entry for ``region`` (its region question answered so).

        The revision builds on the server's head (the move) when it had no parent there.
        Returns the issues (``[]``: it waits in the outbox).
        """
        with self._lock:
            record = self._record(entry_id)
            record["answers"] = regions.with_region(form, record["answers"], region)
            record["region"] = region
            if record.get("parent_rev") is None and record.get("sent_rev"):
                record["parent_rev"] = record["sent_rev"]
            record["rejection"] = None
            self._put_many([record])
            return self.finalize_entry(entry_id, form)
