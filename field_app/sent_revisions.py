"""The tablet's archive of revisions the server acknowledged, to send again after a restore.

The store keeps one record per entry (its current answers and head), not the history the
server holds. When the server is restored from a backup it loses every revision sent after the
backup; to send them again, the tablet keeps each acknowledged push payload here, and the heads
it pulled for its own entries (a supervisor's edit the officer then corrected is the parent of
the correction: without it the correction could never be stored again).

One small JSON file per entry, ``<store>/sent/<entry_id>.json`` =
``{"entry_id", "revisions": [{"origin": "pushed"|"pulled", "payload": {...}}, ...]}`` in the
order they were recorded (parents before children), each written atomically, so a push of a few
entries rewrites only their files. A damaged file is skipped (its entry is then re-sent only
from the store's record, see :func:`field_app.reconcile.legacy_payloads`).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from field_app.storage import atomic_write_bytes

__all__ = ["SentRevisions"]

log = logging.getLogger(__name__)

_ENTRY_ID = re.compile(r"^[0-9A-Za-z_-]{1,64}$")


class SentRevisions:
    """The archive in ``folder`` (thread-safe)."""

    def __init__(self, folder: Path, *, durable: bool = True) -> None:
        """Open (and create) the archive folder."""
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.durable = durable
        self._lock = threading.Lock()

    def _path(self, entry_id: str) -> Path | None:
        return self.folder / f"{entry_id}.json" if _ENTRY_ID.match(entry_id) else None

    def _read(self, path: Path) -> list[dict[str, Any]]:
        try:
            doc = json.loads(path.read_bytes())
            items = doc["revisions"]
            if not isinstance(items, list):
                raise TypeError("revisions is not a list")
            return [item for item in items if isinstance(item, dict) and "payload" in item]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("sent revisions file %s unreadable, skipped: %s", path, exc)
            return []

    def record(self, payloads: Iterable[dict[str, Any]], origin: str = "pushed") -> int:
        """Add revisions (push payloads) not yet archived; returns how many were added."""
        by_entry: dict[str, list[dict[str, Any]]] = {}
        for payload in payloads:
            by_entry.setdefault(str(payload.get("entry_id")), []).append(payload)
        added = 0
        with self._lock:
            for entry_id, items in by_entry.items():
                path = self._path(entry_id)
                if path is None:
                    continue
                existing = self._read(path)
                known = {item["payload"].get("rev") for item in existing}
                fresh = []
                for payload in items:
                    if payload.get("rev") and payload["rev"] not in known:
                        known.add(payload["rev"])
                        fresh.append({"origin": origin, "payload": payload})
                if not fresh:
                    continue
                doc = {"entry_id": entry_id, "revisions": [*existing, *fresh]}
                data = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
                atomic_write_bytes(path, data, durable=self.durable)
                added += len(fresh)
        return added

    def entries(self) -> dict[str, list[dict[str, Any]]]:
        """Every archived revision by entry: ``{entry_id: [{"origin", "payload"}...]}``."""
        out: dict[str, list[dict[str, Any]]] = {}
        with self._lock:
            for path in sorted(self.folder.glob("*.json")):
                items = self._read(path)
                if items:
                    out[path.stem] = items
        return out

    def last_pushed(self, entry_id: str) -> dict[str, Any] | None:
        """The last revision of ``entry_id`` this tablet pushed and the server acknowledged."""
        path = self._path(entry_id)
        if path is None:
            return None
        with self._lock:
            items = self._read(path)
        pushed = [item["payload"] for item in items if item.get("origin") == "pushed"]
        return pushed[-1] if pushed else None
