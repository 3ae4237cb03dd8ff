"""Compatibility between published versions of one form.

ODK's rule, kept here: a question's data type may not change across published versions of a form
(except to text), because merged exports and analysts' scripts rely on a column keeping its
type. A question moving in or out of a repeat changes where its data lives, so it is refused too.
"""

from __future__ import annotations

from dataclasses import dataclass

from survey_forms.model import Form

__all__ = ["Incompatibility", "incompatibilities", "incompatible_changes"]


@dataclass(frozen=True)
class Incompatibility:
    """One change from an earlier version that would break stored data.

    ``kind`` is ``"form_id"``, ``"type"`` (``before``/``after`` are question types) or
    ``"repeat"`` (``before``/``after`` are repeat paths joined by ``/``, ``""`` for none);
    ``row`` is the new version's survey sheet row.
    """

    kind: str
    name: str
    before: str
    after: str
    row: int | None = None

    def describe(self) -> str:
        """An English one-line description (for logs and the command line)."""
        if self.kind == "form_id":
            return f"form_id changed from '{self.before}' to '{self.after}'"
        if self.kind == "type":
            return (
                f"'{self.name}' changes type from {self.before} to {self.after} "
                f"(row {self.row}); only a change to text, or integer to decimal, is allowed"
            )
        return (
            f"'{self.name}' moves from repeat {self.before or '(none)'} "
            f"to {self.after or '(none)'} (row {self.row})"
        )


def incompatibilities(old: Form, new: Form) -> list[Incompatibility]:
    """Every change from ``old`` to ``new`` that would break stored data (empty: compatible).

    Allowed: new questions, removed questions, changed labels and logic, integer → decimal,
    any stored type → text.
    """
    if old.form_id != new.form_id:
        return [Incompatibility("form_id", "", str(old.form_id), str(new.form_id))]
    problems: list[Incompatibility] = []
    for question in new.questions_in_order():
        if not old.has_question(question.name):
            continue
        before = old.question(question.name)
        if not _type_change_allowed(before.type, question.type, before.stores_value):
            problems.append(
                Incompatibility("type", question.name, before.type, question.type, question.row)
            )
            continue
        if before.repeat_path != question.repeat_path:
            problems.append(
                Incompatibility(
                    "repeat",
                    question.name,
                    "/".join(before.repeat_path),
                    "/".join(question.repeat_path),
                    question.row,
                )
            )
    return problems


def incompatible_changes(old: Form, new: Form) -> list[str]:
    """:func:`incompatibilities` described in English, one line each."""
    return [problem.describe() for problem in incompatibilities(old, new)]


def _type_change_allowed(before: str, after: str, stored: bool) -> bool:
    if before == after or (after == "text" and stored):
        return True
    if before == "integer" and after == "decimal":
        return True
    return before == "group" and after == "group"
