"""The store's side of a sync: the outbox to push, the server's answers, pulled changes.

A mixin of :class:`field_app.store.Store` (split from it along this seam); every method takes
the store's lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from field_app import entries

__all__ = ["SyncMixin"]


class SyncMixin:
    """Push and pull bookkeeping of :class:`~field_app.store.Store`."""

    def has_unsent(self) -> bool:
        """Whether finalized revisions wait to be pushed."""
        with self._lock:
            return len(self._table("outbox")) > 0

    def pending_revisions(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Return push payloads of finalized revisions, oldest finalized first."""
        with self._lock:
            docs = sorted(
                (doc for _, doc in self._all_docs("outbox")),
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
    ) -> int:
        """Store one page of pulled changes, then (and only then) the new cursor.

        ``forms`` are the compiled forms announced by the page; ``accept(change)`` chooses which
        entries not on the device to keep (default: all). Returns the number of entries changed.
        """
        with self._lock:
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
                if entry_id in self._index:
                    before = self._record(entry_id)
                    after = entries.apply_pull_change(before, change, now)
                    if after != before:
                        changed.append(after)
                elif accept is None or accept(change):
                    changed.append(entries.apply_pull_change(None, change, now))
            self._put_many(changed)
            self._set_device(pull_cursor=next_cursor)
            return len(changed)
