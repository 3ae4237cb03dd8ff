"""``survey-server export FORM_ID``: the export on the command line, with a progress bar.

::

    survey-server export observasi_kabkota_antikorupsi --out observasi.csv
    survey-server export observasi_kabkota_antikorupsi --zip --out observasi.zip --labels --lang en
    survey-server export observasi_kabkota_antikorupsi --region 16.71 --date-from 2024-08-01
    survey-server export observasi_kabkota_antikorupsi --xlsx --out observasi.xlsx
    survey-server export observasi_kabkota_antikorupsi --no-bom > raw.csv

Without ``--out`` the CSV (or ZIP, XLSX) goes to standard output. The progress bar is drawn on
standard error (only when it is a terminal, unless ``--progress``). The command runs with the
server's own database access, so no user scope applies (as for every ``survey-server`` command).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from ..entry_filters import FilterError, from_args
from .rows import EntryRecord
from .service import ExportError, PreparedExport, options_from_args, prepare_export

__all__ = ["export_cmd", "write_export"]


def _with_progress(records: Iterator[EntryRecord], bar: Any) -> Iterator[EntryRecord]:
    for record in records:
        yield record
        bar.update(1)


def write_export(
    prepared: PreparedExport,
    out: Any,
    *,
    as_zip: bool,
    progress: bool,
    as_xlsx: bool = False,
    media_root: Path | None = None,
) -> int:
    """Write the export to the binary stream ``out``; returns the number of entries written.

    ``as_zip``: the ZIP (with ``media_root`` the photos in ``media/``); ``as_xlsx``: the
    workbook; else the root CSV.
    """
    written = 0

    def counted(records: Iterator[EntryRecord]) -> Iterator[EntryRecord]:
        nonlocal written
        for record in records:
            written += 1
            yield record

    records = counted(
        prepared.records(
            with_repeats=as_zip or as_xlsx,
            with_media=as_zip and media_root is not None,
            media_root=media_root if as_zip else None,
        )
    )

    def chunks(source: Iterator[EntryRecord]) -> Iterator[bytes]:
        if as_xlsx:
            return prepared.xlsx(source)
        if as_zip:
            return prepared.zip(source, media_root=media_root)
        return prepared.csv(source)

    if progress:
        total = prepared.count()
        with click.progressbar(
            length=total, label="Ekspor / Export", file=sys.stderr, show_pos=True
        ) as bar:
            for chunk in chunks(_with_progress(records, bar)):
                out.write(chunk)
    else:
        for chunk in chunks(records):
            out.write(chunk)
    out.flush()
    return written


@click.command("export")
@click.argument("form_id")
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file (default: standard output).",
)
@click.option(
    "--zip", "as_zip", is_flag=True, help="A ZIP with one CSV per repeat group and the photos."
)
@click.option("--xlsx", "as_xlsx", is_flag=True, help="An XLSX workbook, one sheet per table.")
@click.option(
    "--attachments/--no-attachments",
    default=True,
    show_default=True,
    help="With --zip: the photos in media/ (as in Central).",
)
@click.option(
    "--bom/--no-bom",
    default=True,
    show_default=True,
    help="CSV: UTF-8 byte-order mark and CRLF for Excel (--no-bom: neither, raw bytes).",
)
@click.option("--labels", is_flag=True, help="Choice labels instead of choice names.")
@click.option("--lang", default=None, help="Label language, e.g. id or en.")
@click.option(
    "--split-select-multiple",
    is_flag=True,
    help="One 0/1 column per value chosen too (as Central).",
)
@click.option(
    "--group-prefix/--no-group-prefix",
    default=True,
    show_default=True,
    help="Prefix column names with their group names (kunjungan-kabkota).",
)
@click.option("--region", default=None, help="Region code, e.g. 16.71.")
@click.option("--kecamatan", default=None, help="Kecamatan answer, e.g. 16.71.02.")
@click.option("--officer", default=None, help="Officer user name.")
@click.option(
    "--review-status",
    default=None,
    help="received, approved, needs_correction, rejected or conflict.",
)
@click.option("--date-from", default=None, help="Submission date from (YYYY-MM-DD, WIB).")
@click.option("--date-to", default=None, help="Submission date to (YYYY-MM-DD, WIB).")
@click.option("--text", default=None, help="Text search in the answers.")
@click.option("--include-deleted", is_flag=True, help="Include soft-deleted entries.")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar on stderr (default: when stderr is a terminal).",
)
@click.pass_context
def export_cmd(
    ctx: click.Context,
    form_id: str,
    out_path: Path | None,
    as_zip: bool,
    as_xlsx: bool,
    attachments: bool,
    progress: bool | None,
    **params: Any,
) -> None:
    """Export a form's entries as CSV, ZIP or XLSX (ODK Central layout)."""
    from ..cli import _app, _engine, _require_schema

    args = {
        k: (str(v) if not isinstance(v, bool) else ("1" if v else "0"))
        for k, v in params.items()
        if v is not None
    }
    app = _app(ctx)
    _require_schema(app)
    try:
        flt = from_args(args, form_id=form_id)
        options = options_from_args(args)
        prepared = prepare_export(_engine(app), form_id, flt, options, user=None)
    except FilterError as exc:
        raise click.UsageError(exc.messages["en"]) from None
    except ExportError as exc:
        raise click.ClickException(exc.messages["en"]) from None
    if as_zip and as_xlsx:
        raise click.UsageError("--zip and --xlsx exclude each other.")
    show = sys.stderr.isatty() if progress is None else progress
    media_root = Path(app.config["ATTACHMENTS_DIR"]) if as_zip and attachments else None
    kind = {"as_zip": as_zip, "as_xlsx": as_xlsx, "media_root": media_root}
    try:
        if out_path is None:
            write_export(prepared, sys.stdout.buffer, progress=show, **kind)  # type: ignore[arg-type]
            return
        with out_path.open("wb") as handle:
            count = write_export(prepared, handle, progress=show, **kind)  # type: ignore[arg-type]
    except OSError as exc:
        raise click.ClickException(f"cannot write {out_path or 'stdout'}: {exc}") from exc
    except SQLAlchemyError as exc:
        raise click.ClickException(f"database error during the export: {exc}") from exc
    click.echo(f"Exported {count} entries to {out_path}.", err=True)
