"""``survey-server backup`` and ``restore``: a consistent copy of a running server, and back.

A backup is a folder::

    DEST/manifest.json          what is inside, with the SHA-256 and size of every file
    DEST/database.sqlite3       SQLite's online backup (sqlite3.Connection.backup), or
    DEST/database.sql           pg_dump's plain SQL of the server's schema (PostgreSQL)
    DEST/attachments/ab/ab12..  every photo the database holds, hash checked while copied

It is written under a temporary name and renamed when complete, so a folder named DEST is
always a whole backup. The database copy is taken first, in one snapshot; the photos listed in
that snapshot are copied afterwards (photos are never changed or removed once stored, and a
photo is recorded only after its file is in place, so each of them is on disk).

A restore checks everything before it replaces anything: the manifest's format, every file's
hash and size, and that the backup's schema version is one this code knows (not newer). It then
replaces the database, upgrades its schema, copies back the photos (photos received after the
backup are kept), and gives the database a new epoch, so every tablet learns at its next pull
that the server lost what came after the backup and sends it again.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine

from . import __version__, pg_tools, serving_lock
from .attachments import file_path
from .backup_files import (
    BackupError,
    copy_verified,
    database_facts,
    file_sha256,
    make_private,
    private_dirs,
    safe_relative,
    sqlite_path,
    write_json,
)
from .clock import now_iso
from .db import write_tx
from .migrate import alembic_config, head_revision, upgrade
from .server_identity import start_new_epoch

__all__ = ["FORMAT", "MANIFEST", "create_backup", "restore_backup", "verify_backup"]

MANIFEST = "manifest.json"
FORMAT = 1


def _sqlite_snapshot(source: Path, target: Path) -> None:
    """SQLite's online backup: one consistent copy while others keep writing.

    An SQLite error (a full or failing destination disk, an unreadable source) is raised as
    :class:`BackupError` with SQLite's words.
    """
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # SQLite keeps it
    try:
        src = sqlite3.connect(source, timeout=60)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)  # all pages in one step: one read transaction, one snapshot
                dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
                # quick_check: every page and record readable (integrity_check also cross-
                # checks every index, several times slower; `survey-server check` runs it)
                result = dst.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise BackupError(f"the database could not be copied: {exc}") from exc
    if result != "ok":
        raise BackupError(f"the copy of the database is damaged: {result}")


def _sqlite_facts(db_file: Path) -> dict[str, Any]:
    engine = create_engine(f"sqlite:///{db_file}")
    try:
        with engine.connect() as conn:
            return database_facts(conn)
    finally:
        engine.dispose()


def create_backup(engine: Engine, attachments_dir: Path, dest: Path) -> dict[str, Any]:
    """Back up the database and photos into the new folder ``dest``; returns the manifest.

    Photos that cannot be copied (missing, or not matching their hash) do not stop the backup:
    they are listed under ``"problems"`` in the manifest (the caller reports them).

    The folder and everything in it are readable by the owner only (0700 folders, 0600 files)
    whatever the umask: it holds password hashes and every answer. A failure (a full disk,
    an SQLite or pg_dump error) raises :class:`BackupError` and leaves nothing behind.
    """
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} already exists and is not empty: choose a new folder")
    try:
        private_dirs(dest.parent)
        work = dest.parent / f".{dest.name}.partial-{secrets.token_hex(4)}"
        work.mkdir(mode=0o700)
    except OSError as exc:
        raise BackupError(f"the backup folder cannot be made: {exc}") from exc
    try:
        work.chmod(0o700)
        manifest = _write_backup(engine, attachments_dir, work)
        if dest.exists():
            dest.rmdir()
        work.rename(dest)
    except BaseException as exc:
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(exc, (OSError, sqlite3.Error)):
            raise BackupError(str(exc)) from exc
        raise
    return manifest


def _write_backup(engine: Engine, attachments_dir: Path, work: Path) -> dict[str, Any]:
    db_path = sqlite_path(engine.url.render_as_string(hide_password=False))
    if db_path is not None:
        db_name, kind = "database.sqlite3", "sqlite"
        _sqlite_snapshot(db_path, work / db_name)
        facts = _sqlite_facts(work / db_name)
    else:
        db_name, kind = "database.sql", "postgresql"
        facts = pg_tools.dump(engine, work / db_name)
    files: dict[str, dict[str, Any]] = {}
    sha, size = file_sha256(work / db_name)
    files[db_name] = {"sha256": sha, "size": size}
    problems = []
    for held_sha, held_size in facts["attachments"]:
        rel = f"attachments/{held_sha[:2]}/{held_sha}"
        source = file_path(attachments_dir, held_sha)
        try:
            _, size = copy_verified(source, work / rel, held_sha, durable=False)
        except FileNotFoundError:
            problems.append({"sha256": held_sha, "problem": "missing"})
            continue
        except BackupError:
            problems.append({"sha256": held_sha, "problem": "corrupt"})
            continue
        if size != held_size:
            problems.append({"sha256": held_sha, "problem": "size_differs"})
        files[rel] = {"sha256": held_sha, "size": size}
    manifest = {
        "format": FORMAT,
        "created_at": now_iso(),
        "app_version": __version__,
        "database": {
            "kind": kind,
            "file": db_name,
            **({"schema": facts["schema"]} if "schema" in facts else {}),
            **({"extensions": facts["extensions"]} if "extensions" in facts else {}),
        },
        "schema_version": facts["schema_version"],
        "server_id": facts["identity"].get("server_id"),
        "epoch": facts["identity"].get("epoch"),
        "last_seq": facts["last_seq"],
        "counts": {**facts["counts"], "attachment_files": len(files) - 1},
        "files": files,
        "problems": problems,
    }
    make_private(work)  # the folders pg_dump and the copies made, whatever the umask
    os.sync()  # every copied file on disk before the manifest and the folder's final name
    write_json(work / MANIFEST, manifest)
    return manifest


def verify_backup(src: Path, database_kind: str | None = None) -> dict[str, Any]:
    """Check a backup folder completely; returns its manifest or raises :class:`BackupError`."""
    import json

    try:
        manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{src} has no {MANIFEST}: it is not a backup folder") from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"{src / MANIFEST} cannot be read: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{src / MANIFEST}: unknown backup format (expected format {FORMAT})")
    version = manifest.get("schema_version")
    known = {
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }
    if version not in known:
        raise BackupError(
            f"the backup's schema version {version!r} is not known to this server software "
            f"(newest {head_revision()}): it was made by a newer version; upgrade the software "
            "first"
        )
    kind = manifest["database"]["kind"]
    if database_kind is not None and kind != database_kind:
        raise BackupError(
            f"the backup holds a {kind} database but this server uses {database_kind}"
        )
    files = manifest.get("files") or {}
    if manifest["database"]["file"] not in files:
        raise BackupError("the manifest does not list the database file")
    bad = []
    for name, info in sorted(files.items()):
        path = src / safe_relative(name)
        try:
            sha, size = file_sha256(path)
        except OSError:
            bad.append(f"{name} is missing")
            continue
        if (sha, size) != (info["sha256"], info["size"]):
            bad.append(f"{name} does not match the manifest (damaged or changed)")
    if bad:
        shown = "; ".join(bad[:5]) + (f"; and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise BackupError(f"the backup is not intact, nothing was changed: {shown}")
    return manifest


def _sqlite_restore(backup_file: Path, target: Path) -> None:
    """Copy the backup into the live database file through SQLite (one transaction)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(backup_file)
    dst = sqlite3.connect(target, timeout=60)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def restore_backup(
    engine: Engine, attachments_dir: Path, src: Path, *, instance_dir: Path
) -> dict[str, Any]:
    """Restore the backup folder ``src`` (see the module's description); returns a summary.

    Refused with :class:`~sync_server.serving_lock.InstanceInUseError` (nothing changed) while
    a server uses ``instance_dir`` or the database: a running server would keep the replaced
    data's forms and accounts in its caches.
    """
    url = engine.url.render_as_string(hide_password=False)
    db_path = sqlite_path(url)
    with serving_lock.exclusive(instance_dir, engine):
        manifest = verify_backup(src, "sqlite" if db_path is not None else "postgresql")
        db_file = src / manifest["database"]["file"]
        if db_path is None:
            _same_schema(manifest, pg_tools.schema_of(url))
        engine.dispose()
        if db_path is not None:
            _sqlite_restore(db_file, db_path)
        else:
            pg_tools.restore(engine, db_file, manifest["database"].get("extensions"))
        upgrade(engine)
        with write_tx(engine) as conn:
            identity = start_new_epoch(conn, "restored_from_backup")
        return _restore_photos(manifest, src, attachments_dir, identity)


def _same_schema(manifest: dict[str, Any], schema: str) -> None:
    """Refuse a PostgreSQL backup of another schema (the dump names its schema everywhere)."""
    held = manifest["database"].get("schema", "public")
    if held != schema:
        raise BackupError(
            f"the backup holds the schema {held!r} but this server uses {schema!r}: restore "
            f"with a database URL whose search_path is that schema (?options=-csearch_path={held})"
        )


def _restore_photos(
    manifest: dict[str, Any], src: Path, attachments_dir: Path, identity: Any
) -> dict[str, Any]:
    """Copy back the backup's photos that are missing or damaged; the restore's summary."""
    copied = kept = 0
    for name, info in sorted(manifest["files"].items()):
        if not name.startswith("attachments/"):
            continue
        target = file_path(attachments_dir, info["sha256"])
        if target.is_file() and file_sha256(target)[0] == info["sha256"]:
            kept += 1
            continue
        copy_verified(src / safe_relative(name), target, info["sha256"], durable=False)
        copied += 1
    os.sync()
    return {
        "backup_created_at": manifest["created_at"],
        "counts": manifest["counts"],
        "schema_version": manifest["schema_version"],
        "server_id": identity.server_id,
        "epoch": identity.epoch,
        "photos_copied": copied,
        "photos_already_there": kept,
    }
