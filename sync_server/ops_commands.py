"""``survey-server backup``, ``restore`` and ``check`` (sync_server.backup, sync_server.integrity).

::

    survey-server backup /backups/2026-12-06      (while serving)
    survey-server restore /backups/2026-12-06     (server stopped: refused while one runs)
    survey-server check

Errors are one clear line (exit code 1), never a traceback.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import click

__all__ = ["backup_cmd", "check_cmd", "restore_cmd"]


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def backup_cmd(ctx: click.Context, dest: Path) -> None:
    """Back up the database and photos into the new folder DEST (safe while serving)."""
    from .backup import create_backup
    from .backup_files import BackupError
    from .cli import _app, _engine, _require_schema

    app = _app(ctx)
    _require_schema(app)
    started = time.monotonic()
    try:
        manifest = create_backup(_engine(app), Path(app.config["ATTACHMENTS_DIR"]), dest)
    except (BackupError, OSError, sqlite3.Error) as exc:
        raise click.ClickException(f"backup failed, nothing was written to {dest}: {exc}") from exc
    counts = manifest["counts"]
    size = sum(info["size"] for info in manifest["files"].values())
    click.echo(
        f"Backup written to {dest} in {time.monotonic() - started:.1f} s: {counts['entries']} "
        f"entries, {counts['revisions']} revisions, {counts['attachment_files']} photos, "
        f"{size / 1e6:.1f} MB, schema {manifest['schema_version']}."
    )
    if manifest["problems"]:
        for problem in manifest["problems"][:20]:
            click.echo(f"  photo {problem['sha256']}: {problem['problem']}", err=True)
        raise click.ClickException(
            f"{len(manifest['problems'])} photo(s) could not be backed up (listed above and in "
            "the manifest); run `survey-server check` to see what to do"
        )


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def restore_cmd(ctx: click.Context, src: Path, yes: bool) -> None:
    """Replace the database and photos by the backup SRC (refused while the server runs)."""
    from . import serving_lock
    from .backup import restore_backup, verify_backup
    from .backup_files import BackupError
    from .cli import _app, _engine

    app = _app(ctx)
    instance = Path(app.instance_path)
    try:
        with serving_lock.exclusive(instance, _engine(app)):
            pass  # told before the backup is read and the question asked; held again below
        manifest = verify_backup(src)
    except BackupError as exc:
        raise click.ClickException(f"restore refused: {exc}") from exc
    except Exception as exc:  # the database cannot be reached
        raise click.ClickException(f"restore refused: {exc}") from exc
    if not yes:
        click.confirm(
            f"Replace the database of {ctx.obj['instance']} by the backup of "
            f"{manifest['created_at']} ({manifest['counts']['entries']} entries)?",
            abort=True,
        )
    try:
        summary = restore_backup(
            _engine(app), Path(app.config["ATTACHMENTS_DIR"]), src, instance_dir=instance
        )
    except BackupError as exc:
        raise click.ClickException(f"restore refused: {exc}") from exc
    except Exception as exc:
        raise click.ClickException(f"restore failed: {exc}") from exc
    click.echo(
        f"Restored the backup of {summary['backup_created_at']}: "
        f"{summary['counts']['entries']} entries, {summary['photos_copied']} photos copied back "
        f"({summary['photos_already_there']} already there). New epoch {summary['epoch']}: "
        "tablets send again what the backup lacks at their next sync. Forms published after "
        "the backup are not in it: publish them again (survey-server check lists entries of "
        "forms that are not published)."
    )


@click.command("check")
@click.pass_context
def check_cmd(ctx: click.Context) -> None:
    """Check the database and every photo; exit code 1 when something needs action (orphan
    files are listed but need none)."""
    from .cli import _app, _engine, _require_schema
    from .integrity import run_check, summary_lines

    app = _app(ctx)
    _require_schema(app)
    try:
        report = run_check(_engine(app), Path(app.config["ATTACHMENTS_DIR"]))
    except Exception as exc:
        raise click.ClickException(f"the check could not run: {exc}") from exc
    for line in summary_lines(report):
        click.echo(line)
    if not report.ok:
        ctx.exit(1)
