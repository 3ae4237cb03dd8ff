"""``survey-server clean-uploads``: remove uploaded photos that no entry uses, after a grace period.

::

    survey-server clean-uploads                 # files unused for UPLOAD_GRACE_DAYS (7) days
    survey-server clean-uploads --days 30 --dry-run
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from .upload_cleanup import clean_uploads

__all__ = ["clean_uploads_cmd"]


@click.command("clean-uploads")
@click.option(
    "--days",
    type=click.FloatRange(min=0),
    default=None,
    help="Grace period in days (default: UPLOAD_GRACE_DAYS of the configuration, 7).",
)
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
@click.pass_context
def clean_uploads_cmd(ctx: click.Context, days: float | None, dry_run: bool) -> None:
    """Remove attachment files that no entry or revision refers to, once older than the grace
    period, and left-overs of interrupted uploads."""
    from .cli import _app, _engine, _require_schema

    app = _app(ctx)
    _require_schema(app)
    grace_days = days if days is not None else float(app.config.get("UPLOAD_GRACE_DAYS", 7))
    result = clean_uploads(
        _engine(app),
        Path(app.config["ATTACHMENTS_DIR"]),
        timedelta(days=grace_days),
        dry_run=dry_run,
    )
    verb = "Would remove" if dry_run else "Removed"
    click.echo(
        f"{verb} {result.files} unused attachment file(s), {result.bytes} bytes, and "
        f"{result.temporary_files} interrupted upload(s), and {result.partial_files} abandoned "
        f"partial upload(s), {result.partial_bytes} bytes (grace period {grace_days:g} days)."
    )
