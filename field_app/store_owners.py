"""Whose entries: each entry belongs to the officer who made it (``owner``), on the tablet as on
the server. Signed in, an officer sees, counts and sends only their own entries.

A mixin of :class:`field_app.store.Store` (split from it along this seam). Entries recorded
before owners were (no ``owner``) become the officer's signed in when the store is upgraded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from field_app import entries

__all__ = ["OwnersMixin"]

log = logging.getLogger("field_app.store")


class OwnersMixin:
    """Owners of entries in :class:`~field_app.store.Store`."""

    def _adopt_unowned(self, owner: str) -> None:
        """Entries with no owner (made before owners were recorded) become ``owner``'s."""
        self._adopt_cursor(owner)
        from field_app.store import SHELVES

        unowned = [
            doc for shelf in SHELVES for _, doc in self._all_docs(shelf) if not doc.get("owner")
        ]
        if unowned:
            records = [{**entries.clone(doc), "owner": owner} for doc in unowned]
            self._put_many(records)
            log.info("%d entries recorded before owners were given to %s", len(records), owner)

    @property
    def _visible(self) -> Callable[[dict[str, Any]], bool]:
        """Whether a record is the signed-in officer's (everything when nobody is)."""
        officer = self.officer()
        if officer is None:
            return lambda doc: True
        return lambda doc: doc.get("owner") == officer
