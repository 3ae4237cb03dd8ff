"""Write the corpus forms (``forms_a.py``, ``forms_b.py``) as files: ``.md`` as written,
``.csv`` in pyxform's CSV layout (the sheet name in the first column), ``.xlsx`` with openpyxl.

Run from the repository root: ``python -m tests.survey_forms.corpus.make_corpus``. The files are
committed; the test checks they match this script's output.
"""

from __future__ import annotations

import csv
import io
import textwrap
from pathlib import Path

from openpyxl import Workbook

from tests.survey_forms.corpus.forms_a import FORMS as FORMS_A
from tests.survey_forms.corpus.forms_b import FORMS as FORMS_B

HERE = Path(__file__).parent
FORMS_DIR = HERE / "forms"
ALL_FORMS = {**FORMS_A, **FORMS_B}


def md_sheets(text: str) -> dict[str, list[list[str]]]:
    """The sheets of a markdown-table form: sheet name -> rows (the header row first)."""
    sheets: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for line in textwrap.dedent(text).splitlines():
        if not line.strip().startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0]:
            current = sheets.setdefault(cells[0], [])
            continue
        assert current is not None
        current.append(cells[1:])
    return sheets


def as_csv(text: str) -> bytes:
    """pyxform's CSV layout: a row with the sheet name, then rows with an empty first cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for sheet, rows in md_sheets(text).items():
        writer.writerow([sheet])
        for row in rows:
            writer.writerow(["", *row])
    return out.getvalue().encode("utf-8")


def as_xlsx(text: str) -> bytes:
    """The form as an .xlsx workbook, one worksheet per sheet."""
    book = Workbook()
    book.remove(book.active)
    for sheet, rows in md_sheets(text).items():
        page = book.create_sheet(sheet)
        for row in rows:
            page.append([_cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: str) -> object:
    if value.isdigit() and not value.startswith("0"):
        return int(value)  # as a spreadsheet holds a number typed into a cell
    return value or None


def render(name: str, text: str) -> bytes:
    """The bytes of one corpus file."""
    if name.endswith(".md"):
        return textwrap.dedent(text).lstrip("\n").encode("utf-8")
    if name.endswith(".csv"):
        return as_csv(text)
    if name.endswith(".xlsx"):
        return as_xlsx(text)
    raise ValueError(name)


def main() -> None:
    """Write every corpus form into ``forms/``."""
    FORMS_DIR.mkdir(exist_ok=True)
    for name, text in ALL_FORMS.items():
        (FORMS_DIR / name).write_bytes(render(name, text))
    print(f"wrote {len(ALL_FORMS)} forms to {FORMS_DIR}")


if __name__ == "__main__":
    main()
