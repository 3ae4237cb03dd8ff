"""Opening store files that a bad flash card or a power cut damaged, without losing anything.

A store file that cannot be read (zero-filled, truncated, binary garbage, invalid UTF-8, valid
JSON of the wrong shape, or an I/O error) must neither stop the app from starting nor be
deleted. :func:`load_checked` reads one file and checks its shape; when something is wrong it:

1. salvages every record it can still read from the bytes (:func:`salvage`): records before
   and after a damaged stretch, each one checked like a healthy file's records, records with
   invalid UTF-8 left out;
2. writes the salvaged copy and keeps a :class:`SetAsideFile` report (for the message the app
   shows) BEFORE anything moves, so a full disk at that moment hides nothing;
3. renames the damaged file to ``<name>.corrupt-<YYYYmmddTHHMMSS>`` in the same folder (never
   deleted, never overwritten: a technician can look at it or recover it by hand) and puts the
   salvaged copy in its place.

Nothing here imports Kivy or TinyDB; the store (:mod:`field_app.store`) calls it per file.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from field_app import entries
from field_app.storage import (
    StoreUnavailableError,
    atomic_write_bytes,
    fsync_dir,
    is_storage_full,
    remove_leftover_temps,
)

__all__ = [
    "CORRUPT_MARKER", "KINDS", "SALVAGE_MARKER", "SetAsideFile", "check_tables", "load_checked",
    "salvage", "set_aside_path",
]

#: Files set aside are named ``<name><CORRUPT_MARKER><timestamp>``.
CORRUPT_MARKER = ".corrupt-"

Tables = dict[str, dict[str, Any]]


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _entry_check(statuses: tuple[str, ...]) -> Callable[[Any], bool]:
    def check(doc: Any) -> bool:
        return _entry_ok(doc) and doc["status"] in statuses

    return check


def _entry_ok(doc: Any) -> bool:
    return (isinstance(doc, dict) and _is_text(doc.get("entry_id"))
            and isinstance(doc.get("status"), str) and isinstance(doc.get("form_id"), str)
            and isinstance(doc.get("form_version"), str)
            and isinstance(doc.get("answers"), dict) and isinstance(doc.get("meta"), dict)
            and isinstance(doc.get("local_version", 0), int))


def _device_ok(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("device_id", ""), str)


def _form_ok(doc: Any) -> bool:
    return (isinstance(doc, dict) and isinstance(doc.get("form_id"), str)
            and isinstance(doc.get("version"), str) and isinstance(doc.get("definition"), dict))


#: kind of file -> (its table, the check of one record in it). The entry files are the
#: store's shelves; each holds entries of its statuses only (``store.SHELF_OF_STATUS``).
KINDS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "drafts": ("entries", _entry_check((entries.DRAFT,))),
    "outbox": ("entries", _entry_check((entries.FINALIZED,))),
    "archive": ("entries", _entry_check((entries.SENT, entries.NEEDS_CORRECTION,
                                         entries.CONFLICT))),
    "device": ("device", _device_ok),
    "forms": ("forms", _form_ok),
}


@dataclass(frozen=True)
class SetAsideFile:
    """A store file that could not be read as it was, and where it is kept now."""

    path: str        #: where the file was
    kept_as: str     #: where it is now (``path`` itself if it could not even be renamed)
    reason: str      #: what was wrong, in English (for the log and a technician)
    recovered: int   #: records read back from it and kept in the store
    when: str        #: local time it was set aside (ISO 8601)

    def to_json(self) -> dict[str, Any]:
        """A plain dict (saved in the store's device file)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SetAsideFile:
        """Back from :meth:`to_json`."""
        return cls(**{key: data.get(key) for key in cls.__dataclass_fields__})


def _utf8_clean(doc: Any) -> bool:
    """False when a string holds bytes that were not UTF-8 (decoded as lone surrogates)."""
    try:
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_tables(data: Any, kind: str) -> str | None:
    """Why ``data`` (a whole parsed file) is not a healthy file of ``kind``; ``None`` if it is."""
    if not isinstance(data, dict):
        return "not a JSON object"
    table, record_ok = KINDS[kind]
    for name, docs in data.items():
        if not isinstance(docs, dict):
            return f"table {name!r} is not an object"
        if name != table:
            continue
        for doc_id, doc in docs.items():
            if not doc_id.isdigit() or not record_ok(doc):
                return f"record {doc_id!r} of table {name!r} is damaged"
    return None


_DOC_START = re.compile(r'[{,]\s*"(\d+)"\s*:\s*(?=\{)')
_WS = re.compile(r"\s*")


def salvage(raw: bytes, kind: str) -> Tables:
    """Every readable, well-formed record of a damaged file of ``kind``.

    The records of the file's table are found wherever they still parse: a damaged stretch
    (zeroed block, garbage, cut-off end) loses only the records it touches. Records with
    invalid UTF-8 or the wrong shape are left out (they stay in the set-aside file).
    """
    table, record_ok = KINDS[kind]
    text = raw.decode("utf-8", errors="surrogateescape")
    decoder = json.JSONDecoder()
    found: dict[str, Any] = {}
    pos = 0
    while True:
        match = _DOC_START.search(text, pos)
        if match is None:
            break
        start = match.end()
        try:
            doc, end = decoder.raw_decode(text, start)
        except ValueError:
            pos = match.start() + 1
            continue
        doc_id = match.group(1)
        if record_ok(doc) and _utf8_clean(doc) and doc_id not in found:
            found[doc_id] = doc
            pos = end
        else:
            pos = match.start() + 1  # maybe a record nested in a damaged one: look inside
    return {table: found} if found else {}


def set_aside_path(path: Path, now: datetime) -> Path:
    """A free name next to ``path`` for the file set aside at ``now``."""
    stamp = now.strftime("%Y%m%dT%H%M%S")
    candidate = path.with_name(f"{path.name}{CORRUPT_MARKER}{stamp}")
    number = 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.name}{CORRUPT_MARKER}{stamp}-{number}")
    return candidate


def _read(path: Path) -> tuple[bytes | None, str | None]:
    """The file's bytes (``None`` if missing), or the read error."""
    try:
        return path.read_bytes(), None
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return b"", f"cannot be read ({exc.strerror or exc})"


#: The salvaged copy is written as ``.<name><SALVAGE_MARKER>`` before it takes the file's place.
SALVAGE_MARKER = ".salvaged"


def load_checked(
    path: Path, kind: str, *, durable: bool = True, now: Callable[[], datetime] = datetime.now,
    keep_report: Callable[[SetAsideFile], None] | None = None,
) -> tuple[Tables | None, SetAsideFile | None]:
    """Read a store file; salvage it and set it aside when it is damaged.

    Returns ``(tables, None)`` for a healthy file (``None`` tables when there is no file) and
    ``(salvaged tables, report)`` for a damaged one. The steps go in the order that never hides
    an entry, whatever step fails (a full disk, a power cut):

    1. the salvaged copy is written next to the file (``.<name>.salvaged``);
    2. the report is kept (``keep_report(report)``; a damaged device file carries its own);
    3. the damaged file is renamed to ``<name>.corrupt-<time>``;
    4. the salvaged copy takes the file's place.

    A failure in 1 or 2 changes nothing (the copy is removed) and raises
    :class:`~field_app.storage.StoreUnavailableError`: the store refuses to open with a clear
    message and everything is back once the cause (e.g. a full storage) is gone. When the
    rename in 3 is refused the damaged file stays where it is (``report.kept_as ==
    report.path``; do not write over it). An existing empty file is damaged too: the store
    never writes one.
    """
    fresh = path.with_name(f".{path.name}{SALVAGE_MARKER}")
    remove_leftover_temps(fresh)
    if fresh.exists():  # a recovery cut short: finish it (file moved aside) or start again
        if path.exists():
            fresh.unlink()
        else:
            fresh.replace(path)
    raw, problem = _read(path)
    if raw is None:
        return None, None
    data: Any = None
    if problem is None:
        if not raw.strip():
            problem = "empty file"
        else:
            try:
                data = json.loads(raw)
            except ValueError as exc:  # UnicodeDecodeError is a ValueError too
                problem = f"not valid JSON ({exc})"
            else:
                problem = check_tables(data, kind)
    if problem is None:
        return data, None
    when = now()
    target = set_aside_path(path, when)
    salvaged = salvage(raw, kind) if raw else {}
    recovered = sum(len(docs) for docs in salvaged.values())
    report = SetAsideFile(path=str(path), kept_as=str(target), reason=problem,
                          recovered=recovered, when=when.isoformat(timespec="seconds"))
    if kind == "device":  # the device file holds the reports: its salvaged copy carries its own
        salvaged = _with_report(salvaged, report)
    try:
        if salvaged:
            payload = json.dumps(salvaged, ensure_ascii=False, separators=(",", ":"))
            atomic_write_bytes(fresh, payload.encode("utf-8"), durable=durable)
        if keep_report is not None and kind != "device":
            keep_report(report)
    except OSError as exc:
        with contextlib.suppress(OSError):
            fresh.unlink()
        raise StoreUnavailableError(
            f"{path} is damaged and its salvaged copy cannot be written "
            f"({exc.strerror or exc}); nothing was changed",
            storage_full=is_storage_full(exc)) from exc
    try:
        path.replace(target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            fresh.unlink()
        report = SetAsideFile(path=str(path), kept_as=str(path),
                              reason=f"{problem}; could not be renamed ({exc.strerror or exc})",
                              recovered=recovered, when=report.when)
        if keep_report is not None and kind != "device":
            keep_report(report)
        return _with_report(salvaged, report) if kind == "device" else salvaged, report
    if salvaged:
        try:
            fresh.replace(path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                target.replace(path)  # put the damaged file back: nothing is hidden
            raise StoreUnavailableError(
                f"{path} is damaged and its salvaged copy cannot take its place "
                f"({exc.strerror or exc})", storage_full=is_storage_full(exc)) from exc
    if durable:
        fsync_dir(path.parent)
    return salvaged, report


def _with_report(tables: Tables, report: SetAsideFile) -> Tables:
    """Device tables with ``report`` among the files set aside (replacing an earlier copy)."""
    tables = json.loads(json.dumps(tables))
    device = tables.setdefault("device", {}).setdefault("1", {})
    earlier = [r for r in device.get("set_aside") or []
               if (r.get("path"), r.get("when")) != (report.path, report.when)]
    device["set_aside"] = [*earlier, report.to_json()]
    return tables
