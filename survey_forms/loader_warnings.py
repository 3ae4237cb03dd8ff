"""Collecting the presentation-only constructs a form uses into :class:`LoadWarning` s."""

from __future__ import annotations

from survey_forms.model import LoadWarning

__all__ = ["Notes"]


class Notes:
    """Collects the presentation-only constructs a form uses, for :class:`LoadWarning` s."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], list[int]] = {}

    def add(self, sheet: str, construct: str, row: int | None = None) -> None:
        rows = self.rows.setdefault((sheet, construct), [])
        if row is not None and row not in rows:
            rows.append(row)

    def finish(self) -> list[LoadWarning]:
        warnings = []
        for (sheet, construct), rows in self.rows.items():
            where_en = f" (sheet {sheet}" + (f", rows {_rows(rows)})" if rows else ")")
            where_id = f" (lembar {sheet}" + (f", baris {_rows(rows)})" if rows else ")")
            message = {
                "id": f"{construct} diabaikan: aplikasi tidak menampilkannya{where_id}",
                "en": f"{construct} is ignored: the app does not show it{where_en}",
            }
            warnings.append(LoadWarning(sheet, construct, tuple(rows), message))
        return warnings


def _rows(rows: list[int]) -> str:
    shown = ", ".join(str(row) for row in rows[:20])
    return shown + (f" and {len(rows) - 20} more" if len(rows) > 20 else "")
