"""The store's device file: device id, credentials, pull cursor, settings; and the cached forms.

A mixin of :class:`field_app.store.Store` (split from it along this seam); every method takes
the store's lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from tinydb.table import Document

from field_app import entries

__all__ = ["DeviceMixin", "replace_with"]


class DeviceMixin:
    """Device settings and cached forms of :class:`~field_app.store.Store`."""

    _lock: threading.RLock
    _clock: Callable[[], str]

    def _device_doc(self) -> dict[str, Any]:
        doc = self._table("device", "device").get(doc_id=1)
        return dict(doc) if doc else {}

    def _set_device(self, **fields: Any) -> None:
        self._table("device", "device").upsert(Document(fields, doc_id=1))

    @property
    def device_id(self) -> str:
        """This installation's id (a UUID made when the store was first created)."""
        with self._lock:
            return self._device_doc()["device_id"]

    def credentials(self) -> dict[str, Any] | None:
        """Return ``{"token", "user", "server_url"}`` if signed in, else ``None``."""
        with self._lock:
            creds = self._device_doc().get("credentials")
            return entries.clone(creds) if creds else None

    def set_credentials(self, token: str, user: dict[str, Any], server_url: str) -> None:
        """Remember a sign-in (or a refreshed account: regions, role, full name).

        Entries recorded before owners were (no ``owner``), and the pull cursor of that time,
        become the signed-in officer's.
        """
        with self._lock:
            self._set_device(
                credentials={"token": token, "user": entries.clone(user), "server_url": server_url}
            )
            if user.get("username"):
                self._adopt_unowned(str(user["username"]))

    def officer(self) -> str | None:
        """The signed-in officer's username (``None`` when nobody is signed in)."""
        with self._lock:
            creds = self._device_doc().get("credentials") or {}
            name = (creds.get("user") or {}).get("username")
            return str(name) if name else None

    def clear_credentials(self) -> None:
        """Forget the token (sign out). Entries, unsent ones included, are kept."""
        with self._lock:
            self._set_device(credentials=None)

    def pull_cursor(self) -> str:
        """The signed-in officer's cursor of the last pull stored (``""`` at first).

        Each officer has their own: the server sends each officer their own entries.
        """
        with self._lock:
            doc = self._device_doc()
            return (doc.get("pull_cursors") or {}).get(self.officer() or "") or ""

    def _set_pull_cursor(self, cursor: str) -> None:
        cursors = dict(self._device_doc().get("pull_cursors") or {})
        cursors[self.officer() or ""] = cursor
        self._set_device(pull_cursors=cursors)

    def _upgrade_cursor(self) -> None:
        """Stores made before cursors were per officer kept one ``pull_cursor``: keep it."""
        doc = self._device_doc()
        if doc.get("pull_cursor"):
            cursors = dict(doc.get("pull_cursors") or {})
            cursors.setdefault("", doc["pull_cursor"])
            self._set_device(pull_cursors=cursors, pull_cursor=None)

    def _adopt_cursor(self, owner: str) -> None:
        """The cursor kept with no officer (older stores) becomes ``owner``'s."""
        cursors = dict(self._device_doc().get("pull_cursors") or {})
        unowned = cursors.pop("", None)
        if unowned and owner not in cursors:
            cursors[owner] = unowned
            self._set_device(pull_cursors=cursors)

    def get_setting(self, key: str, default: Any = None) -> Any:
        """Return a setting (server address, language...)."""
        with self._lock:
            return entries.clone(self._device_doc().get("settings", {}).get(key, default))

    def set_setting(self, key: str, value: Any) -> None:
        """Save a setting."""
        with self._lock:
            settings = self._device_doc().get("settings", {})
            self._set_device(settings={**settings, key: entries.clone(value)})

    # ------------------------------------------------------------------- forms

    def save_forms(self, definitions: Iterable[dict[str, Any]]) -> None:
        """Cache compiled forms (``Form.to_json()`` dicts) in one write."""
        with self._lock:
            table = self._table("forms", "forms")
            existing = {(d["form_id"], d["version"]): d.doc_id for d in table}
            with self._batch(["forms"]):
                for definition in definitions:
                    key = (str(definition["form_id"]), str(definition["version"]))
                    doc = {
                        "form_id": key[0],
                        "version": key[1],
                        "definition": definition,
                        "saved_at": self._clock(),
                    }
                    if key in existing:
                        table.update(replace_with(doc), doc_ids=[existing[key]])
                    else:
                        existing[key] = table.insert(doc)

    def form_definition(self, form_id: str, version: str) -> dict[str, Any] | None:
        """Return a cached compiled form, or ``None``."""
        with self._lock:
            for doc in self._table("forms", "forms"):
                if doc["form_id"] == form_id and doc["version"] == str(version):
                    return entries.clone(doc["definition"])
            return None

    def list_forms(self) -> list[dict[str, str]]:
        """Return ``{"form_id", "version", "title"}`` of every cached form version."""
        with self._lock:
            return [
                {
                    "form_id": d["form_id"],
                    "version": d["version"],
                    "title": d["definition"].get("title"),
                }
                for d in self._table("forms", "forms")
            ]


def replace_with(record: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    """An update function for TinyDB that replaces a document by ``record``."""

    def replace(doc: dict[str, Any]) -> None:
        doc.clear()
        doc.update(record)

    return replace
