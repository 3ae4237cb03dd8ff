"""Errors raised by survey_forms."""

from __future__ import annotations

__all__ = ["FormError"]


class FormError(Exception):
    """An XLSForm that cannot be loaded: the message names the sheet, the row and the construct.

    ``sheet`` and ``row`` (1-based spreadsheet row, the header being row 1) are kept as attributes
    so callers (the server's upload page, the CLI) can show them separately.
    """

    def __init__(self, message: str, *, sheet: str | None = None, row: int | None = None) -> None:
        self.sheet = sheet
        self.row = row
        self.detail = message
        where = ""
        if sheet and row:
            where = f"[{sheet} sheet, row {row}] "
        elif sheet:
            where = f"[{sheet} sheet] "
        super().__init__(f"{where}{message}")
