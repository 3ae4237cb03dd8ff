"""Errors raised by survey_forms."""

from __future__ import annotations

__all__ = ["FormError"]

_FIX_EN = "Change this in the XLSForm and upload it again."
_FIX_ID = "Ubah bagian ini di XLSForm lalu unggah lagi."


class FormError(Exception):
    """An XLSForm that cannot be loaded: the message names the sheet, the row and the construct.

    ``sheet`` and ``row`` (1-based spreadsheet row, the header being row 1) are kept as attributes
    so callers (the server's upload page, the CLI) can show them separately. ``str(error)`` is
    English (for logs); :attr:`message` gives ``{"id": ..., "en": ...}`` for people, each naming
    the sheet and row and ending with a sentence saying what to change. ``message_id`` is the
    Indonesian text of ``message`` (without it the English detail is shown after an Indonesian
    lead-in); ``fix``/``fix_id`` say what to change.
    """

    def __init__(
        self,
        message: str,
        *,
        sheet: str | None = None,
        row: int | None = None,
        message_id: str | None = None,
        fix: str | None = None,
        fix_id: str | None = None,
    ) -> None:
        self.sheet = sheet
        self.row = row
        self.detail = message
        self.detail_id = message_id
        self.fix = fix or _FIX_EN
        self.fix_id = fix_id or _FIX_ID
        where = ""
        if sheet and row:
            where = f"[{sheet} sheet, row {row}] "
        elif sheet:
            where = f"[{sheet} sheet] "
        super().__init__(f"{where}{message}")

    @property
    def message(self) -> dict[str, str]:
        """The error for people: ``{"id": Indonesian, "en": English}``."""
        if self.sheet and self.row:
            where_id = f"[lembar {self.sheet}, baris {self.row}] "
        elif self.sheet:
            where_id = f"[lembar {self.sheet}] "
        else:
            where_id = ""
        detail_id = self.detail_id or f"formulir tidak dapat dimuat ({self.detail})"
        return {
            "id": f"{where_id}{_sentence(detail_id)} {self.fix_id}",
            "en": f"{_sentence(str(self))} {self.fix}",
        }


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."
