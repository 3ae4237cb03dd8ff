"""``survey-server check``: is the database sound and is every photo there, unchanged?

Checks, each giving findings an admin can act on:

* the database: SQLite's ``PRAGMA integrity_check`` and ``foreign_key_check``; on PostgreSQL
  that every table reads and the feed's sequence is not behind its rows (a restore gone wrong
  would make every new change fail); on both, that the schema is the code's and that every
  entry's head and every revision's parent is a stored revision;
* photos: every photo the database holds is on disk with the right SHA-256 and size; photos
  referenced by entries but never received are reported (their tablets send them at their next
  sync);
* entries whose form version is not published (a restore loses the forms published after its
  backup, while tablets send their entries again): the export and the entry pages need it;
* orphan files in the attachments folder (no database row, e.g. left by a restore of an older
  backup: listed, no action needed; a cut upload's temporary file older than a day: a problem).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, select, text
from sqlalchemy.orm import aliased

from .backup_files import file_sha256
from .db import is_sqlite, read_tx
from .migrate import head_revision
from .schema import attachments, changes, entries, entry_attachments, forms, revisions
from .upload_resume import PARTIAL_DIR

__all__ = ["Finding", "Report", "run_check"]

_SHA = re.compile(r"^[0-9a-f]{64}$")
STALE_TEMP_SECONDS = 24 * 3600
#: kinds listed by ``check`` that need no action (not counted as problems; exit code 0)
INFORMATIVE = frozenset({"orphan_photo"})


@dataclass(frozen=True)
class Finding:
    """One problem: ``kind`` (a stable code), ``subject`` (what), ``detail`` (for people)."""

    kind: str
    subject: str
    detail: str = ""


@dataclass
class Report:
    """What ``check`` found: ``problems`` (each one needs action) and ``notes`` (informative)."""

    problems: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """No problem found."""
        return not self.problems


def _database_findings(conn: Connection) -> list[Finding]:
    found = []
    if is_sqlite(conn):
        rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").fetchall()]
        if rows != ["ok"]:
            found += [Finding("database_damaged", "sqlite", row) for row in rows[:20]]
        for row in conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()[:20]:
            found.append(Finding("foreign_key", str(row[0]), f"row {row[1]} -> {row[2]}"))
    else:
        last = conn.execute(select(func.max(changes.c.seq))).scalar() or 0
        sequence = conn.execute(
            text("SELECT pg_get_serial_sequence(:t, 'seq')"), {"t": changes.name}
        ).scalar()
        if sequence:
            value = conn.execute(text(f"SELECT last_value FROM {sequence}")).scalar() or 0
            if value < last:
                found.append(
                    Finding("sequence_behind", sequence, f"at {value}, the feed is at {last}")
                )
    version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if version != head_revision():
        found.append(
            Finding("schema_version", str(version), f"expected {head_revision()}: run init-db")
        )
    heads = conn.execute(
        select(entries.c.entry_id)
        .select_from(
            entries.outerjoin(
                revisions,
                and_(
                    revisions.c.entry_id == entries.c.entry_id,
                    revisions.c.rev == entries.c.head_rev,
                ),
            )
        )
        .where(revisions.c.id.is_(None))
        .limit(20)
    ).scalars()
    found += [
        Finding("head_missing", entry_id, "the head revision is not stored") for entry_id in heads
    ]
    parent = aliased(revisions)
    orphans = conn.execute(
        select(revisions.c.entry_id, revisions.c.rev)
        .select_from(
            revisions.outerjoin(
                parent,
                and_(
                    parent.c.entry_id == revisions.c.entry_id,
                    parent.c.rev == revisions.c.parent_rev,
                ),
            )
        )
        .where(revisions.c.parent_rev.is_not(None), parent.c.id.is_(None))
        .limit(20)
    ).all()
    found += [
        Finding("parent_missing", f"{row.entry_id} {row.rev}", "its parent revision is not stored")
        for row in orphans
    ]
    return found


def _form_findings(conn: Connection) -> list[Finding]:
    """Entries of a form version that is not published, one finding per version."""
    rows = conn.execute(
        select(entries.c.form_id, entries.c.form_version, func.count())
        .select_from(
            entries.outerjoin(
                forms,
                and_(
                    forms.c.form_id == entries.c.form_id, forms.c.version == entries.c.form_version
                ),
            )
        )
        .where(forms.c.id.is_(None))
        .group_by(entries.c.form_id, entries.c.form_version)
        .order_by(entries.c.form_id, entries.c.form_version)
    ).all()
    return [
        Finding("form_not_published", f"{form_id} {version}", _entries(count))
        for form_id, version, count in rows
    ]


def _entries(count: int) -> str:
    return f"{count} {'entry' if count == 1 else 'entries'}"


def _photo_findings(conn: Connection, root: Path, report: Report) -> set[str]:
    held: dict[str, int] = {
        row.sha256: int(row.size)
        for row in conn.execute(select(attachments.c.sha256, attachments.c.size))
    }
    for sha, size in sorted(held.items()):
        path = root / sha[:2] / sha
        try:
            actual, actual_size = file_sha256(path)
        except FileNotFoundError:
            report.problems.append(Finding("photo_missing", sha, str(path)))
            continue
        except OSError as exc:
            report.problems.append(Finding("photo_unreadable", sha, str(exc)))
            continue
        if actual != sha or actual_size != size:
            report.problems.append(
                Finding(
                    "photo_corrupt",
                    sha,
                    f"{path}: content hash {actual[:12]}..., {actual_size} bytes",
                )
            )
    awaited = conn.execute(
        # one row per file name an entry uses the photo under: count the entries once
        select(entry_attachments.c.sha256, func.count(func.distinct(entry_attachments.c.entry_id)))
        .select_from(
            entry_attachments.outerjoin(
                attachments, attachments.c.sha256 == entry_attachments.c.sha256
            )
        )
        .where(attachments.c.sha256.is_(None))
        .group_by(entry_attachments.c.sha256)
    ).all()
    report.notes += [
        Finding("photo_not_received", row[0], f"referenced by {_entries(row[1])}")
        for row in awaited
    ]
    report.counts["photos_held"] = len(held)
    report.counts["photos_not_received"] = len(awaited)
    return set(held)


def _orphan_findings(root: Path, held: set[str], now: float) -> list[Finding]:
    found: list[Finding] = []
    if not root.is_dir():
        return found
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(root)
        if rel.parts[0] == PARTIAL_DIR:  # resumable uploads in progress: clean-uploads' job
            continue
        name = path.name
        if name.startswith("."):
            if now - path.stat().st_mtime > STALE_TEMP_SECONDS:
                found.append(Finding("stale_temporary_file", str(rel), "a cut upload's leftover"))
            continue
        if _SHA.match(name) and rel.parts == (name[:2], name):
            if name not in held:
                found.append(Finding("orphan_photo", str(rel), "no database row refers to it"))
        else:
            found.append(Finding("unexpected_file", str(rel), "not a stored photo"))
    return found


def run_check(engine: Engine, attachments_dir: Path) -> Report:
    """Check the database and the attachments folder (read-only)."""
    report = Report()
    with read_tx(engine) as conn:
        report.problems += _database_findings(conn)
        report.problems += _form_findings(conn)
        report.counts["entries"] = conn.execute(select(func.count()).select_from(entries)).scalar()
        report.counts["revisions"] = conn.execute(
            select(func.count()).select_from(revisions)
        ).scalar()
        held = _photo_findings(conn, attachments_dir, report)
    for finding in _orphan_findings(attachments_dir, held, time.time()):
        (report.notes if finding.kind in INFORMATIVE else report.problems).append(finding)
    return report


ADVICE = {
    "database_damaged": "restore the newest good backup (survey-server restore BACKUP)",
    "foreign_key": "restore the newest good backup (survey-server restore BACKUP)",
    "sequence_behind": "restore again with survey-server restore, or SELECT setval(...) to the "
    "feed's last seq",
    "schema_version": "run survey-server init-db",
    "head_missing": "restore the newest good backup; tablets then send their revisions again",
    "parent_missing": "restore the newest good backup; tablets then send their revisions again",
    "photo_missing": "copy the file back from a backup (survey-server restore copies photos "
    "back), or delete its attachments row so the tablet uploads it again",
    "photo_unreadable": "check the disk and the folder's permissions",
    "photo_corrupt": "copy the file back from a backup; a damaged disk shows this first",
    "form_not_published": "publish that form version again (survey-server publish-form FILE, "
    "or the admin's form page), e.g. after a restore of a backup made before it was published",
    "orphan_photo": "nothing needed; keep it if a restore may still need it, else delete it "
    "(survey-server clean-uploads does not touch it)",
    "stale_temporary_file": "harmless; delete it",
    "unexpected_file": "move it out of the attachments folder",
}


def _grouped(findings: list[Finding], heading: Callable[[str, int], str]) -> list[str]:
    """A heading per kind of finding, then its first ten subjects (and how many more)."""
    by_kind: dict[str, list[Finding]] = {}
    for finding in findings:
        by_kind.setdefault(finding.kind, []).append(finding)
    lines = []
    for kind, items in by_kind.items():
        lines.append(heading(kind, len(items)))
        lines += [f"  {item.subject}  {item.detail}".rstrip() for item in items[:10]]
        if len(items) > 10:
            lines.append(f"  ... and {len(items) - 10} more")
    return lines


def summary_lines(report: Report) -> list[str]:
    """The check's report for people: counts, each kind of problem with advice, a verdict."""
    c = report.counts
    lines = [
        f"Database: {c.get('entries', 0)} entries, {c.get('revisions', 0)} revisions.",
        f"Photos: {c.get('photos_held', 0)} held; {c.get('photos_not_received', 0)} referenced "
        "but not received yet (the tablets send them at their next sync).",
    ]
    lines += _grouped(report.problems, lambda kind, count: (
        f"PROBLEM {kind}: {count}. What to do: {ADVICE.get(kind, 'see docs')}"))
    lines += _grouped([f for f in report.notes if f.kind in INFORMATIVE], lambda kind, count: (
        f"NOTE {kind}: {count} (no action needed). {ADVICE.get(kind, '')}"))
    lines.append(
        "Result: OK, no problem found."
        if report.ok
        else f"Result: {len(report.problems)} problem(s) found."
    )
    return lines
