"""Removing uploaded attachment files that no entry refers to, after a grace period.

A tablet uploads its photos before it pushes the entries that use them, so a file without an
entry is normal for a while. Once neither the head of any entry (``entry_attachments``) nor any
stored revision refers to a file, and nobody uploaded it within the grace period
(``UPLOAD_GRACE_DAYS``, 7 by default), :func:`clean_uploads` deletes the file, its
``attachments`` row and its ``attachment_uploads`` rows (with an audit row), left-over
temporary files of interrupted uploads, and abandoned partial uploads (resumable uploads,
:mod:`sync_server.upload_resume`, not continued within the grace period). Run it with
``survey-server clean-uploads`` (e.g. daily from cron).

A tablet that pushes an entry referring to a removed photo is told the photo is missing in the
push result and uploads it again.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine, delete, exists, select

from . import audit
from .clock import iso
from .db import read_tx, write_tx
from .schema import attachment_uploads, attachments, entry_attachments, revisions
from .upload_resume import PARTIAL_DIR

__all__ = ["CleanResult", "clean_uploads", "unreferenced_candidates"]

_BATCH = 1000


@dataclass
class CleanResult:
    """What :func:`clean_uploads` removed (or would remove, with ``dry_run``)."""

    files: int = 0
    bytes: int = 0
    temporary_files: int = 0
    #: abandoned partial (resumable) uploads, and their bytes
    partial_files: int = 0
    partial_bytes: int = 0


def unreferenced_candidates(conn: Connection, cutoff: str) -> dict[str, int]:
    """``{sha256: size}`` of the files stored before ``cutoff`` (ISO time) that no entry head
    refers to and nobody uploaded since ``cutoff``."""
    referenced = exists().where(entry_attachments.c.sha256 == attachments.c.sha256)
    recent = exists().where(
        attachment_uploads.c.sha256 == attachments.c.sha256,
        attachment_uploads.c.uploaded_at >= cutoff,
    )
    rows = conn.execute(
        select(attachments.c.sha256, attachments.c.size).where(
            attachments.c.stored_at < cutoff, ~referenced, ~recent
        )
    )
    return {row.sha256: int(row.size) for row in rows}


def _referenced_by_revisions(conn: Connection, candidates: set[str]) -> set[str]:
    """The candidates that some stored revision (not only a head) refers to."""
    found: set[str] = set()
    last_id = 0
    while True:
        rows = conn.execute(
            select(revisions.c.id, revisions.c.attachments)
            .where(revisions.c.id > last_id, revisions.c.attachments != "[]")
            .order_by(revisions.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return found
        for row in rows:
            for ref in json.loads(row.attachments):
                if ref.get("sha256") in candidates:
                    found.add(ref["sha256"])
        last_id = rows[-1].id


def clean_uploads(
    engine: Engine,
    root: Path,
    grace: timedelta,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    actor: str = "clean-uploads",
) -> CleanResult:
    """Remove files that no entry or revision refers to and that are older than ``grace``."""
    now = now or datetime.now(UTC)
    cutoff = iso(now - grace)
    result = CleanResult()
    with read_tx(engine) as conn:
        candidates = unreferenced_candidates(conn, cutoff)
        if candidates:
            for sha in _referenced_by_revisions(conn, set(candidates)):
                del candidates[sha]
    for sha, size in sorted(candidates.items()):
        if dry_run or _forget(engine, sha, cutoff, actor):
            result.files += 1
            result.bytes += size
            if not dry_run:
                with contextlib.suppress(FileNotFoundError):
                    (root / sha[:2] / sha).unlink()
    before = now.timestamp() - grace.total_seconds()
    result.temporary_files = _clean_temporary(root, before, dry_run)
    result.partial_files, result.partial_bytes = _clean_partial(root, before, dry_run)
    return result


def _forget(engine: Engine, sha: str, cutoff: str, actor: str) -> bool:
    """Delete one file's rows if still unreferenced and not uploaded again; True when deleted."""
    with write_tx(engine) as conn:
        still = conn.execute(
            select(attachments.c.size).where(
                attachments.c.sha256 == sha,
                ~exists().where(entry_attachments.c.sha256 == sha),
                ~exists().where(
                    attachment_uploads.c.sha256 == sha,
                    attachment_uploads.c.uploaded_at >= cutoff,
                ),
            )
        ).first()
        if still is None:
            return False
        conn.execute(delete(attachment_uploads).where(attachment_uploads.c.sha256 == sha))
        conn.execute(delete(attachments).where(attachments.c.sha256 == sha))
        audit.record(conn, actor, "attachment.clean", "attachment", sha, {"size": still.size})
    return True


def _clean_temporary(root: Path, before_epoch: float, dry_run: bool) -> int:
    """Remove ``.upload-*`` files (interrupted uploads) last changed before ``before_epoch``."""
    removed = 0
    if not root.is_dir():
        return 0
    for tmp in root.glob("*/.upload-*"):
        with contextlib.suppress(FileNotFoundError):
            if tmp.stat().st_mtime < min(before_epoch, time.time() - 3600):
                if not dry_run:
                    tmp.unlink()
                removed += 1
    return removed


def _clean_partial(root: Path, before_epoch: float, dry_run: bool) -> tuple[int, int]:
    """Remove partial uploads not continued since ``before_epoch`` (and at least an hour), and
    then empty account folders; return how many files and bytes."""
    partial_root = root / PARTIAL_DIR
    if not partial_root.is_dir():
        return 0, 0
    removed = size = 0
    for part in partial_root.glob("*/.part-*"):
        with contextlib.suppress(FileNotFoundError):
            info = part.stat()
            if info.st_mtime < min(before_epoch, time.time() - 3600):
                if not dry_run:
                    part.unlink()
                removed += 1
                size += info.st_size
    if not dry_run:
        for folder in partial_root.iterdir():
            with contextlib.suppress(OSError):  # not empty: an upload still in progress
                folder.rmdir()
    return removed, size
