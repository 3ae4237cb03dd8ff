"""The store's side of photos that went missing or were damaged on the tablet.

A mixin of :class:`field_app.store.Store` (split from it along this seam; every method takes
the store's lock). A finalized entry waiting to be sent can be reopened as a draft, so that the
officer retakes or removes a lost photo and finalizes it again; until then the entry stays in
the outbox and the sync holds it back (it cannot be sent without its photos).
"""

from __future__ import annotations

from pathlib import Path

from field_app import entries
from field_app.photo_check import PhotoProblem, photo_problems

__all__ = ["PhotosMixin"]


class PhotosMixin:
    """Reopening entries and checking their photos, for :class:`~field_app.store.Store`."""

    @property
    def attachments_folder(self) -> Path:
        """Where the photos are kept (``attachments/`` next to the store's folder)."""
        return self.folder.parent / "attachments"

    def reopen_entry(self, entry_id: str) -> None:
        """Turn a finalized entry the server has not acknowledged back into a draft.

        Raises ``LifecycleError("not_reopenable")`` for any other status (a sent entry is
        corrected through :meth:`start_correction` instead). The move is the store's usual
        one: the draft's file is written first, then the outbox copy removed.
        """
        with self._lock:
            record = entries.reopen(self._record(entry_id), self._clock())
            self._put_many([record])

    def entry_photo_problems(self, entry_id: str) -> list[PhotoProblem]:
        """Every photo of the entry that is missing or damaged on the tablet."""
        with self._lock:
            answers = self._record(entry_id)["answers"]
        return photo_problems(self.attachments_folder, answers)
