"""Compatibility between published versions of one form.

ODK's rule, kept here: a question's data type may not change across published versions of a form
(except to text), because merged exports and analysts' scripts rely on a column keeping its
type. A question moving in or out of a repeat changes where its data lives, so it is refused too.
"""

from __future__ import annotations

from survey_forms.model import Form

__all__ = ["incompatible_changes"]


def incompatible_changes(old: Form, new: Form) -> list[str]:
    """Describe every change from ``old`` to ``new`` that would break stored data.

    Returns an empty list when ``new`` may be published after ``old``. Allowed: new questions,
    removed questions, changed labels and logic, integer → decimal, any stored type → text.
    """
    problems: list[str] = []
    if old.form_id != new.form_id:
        return [f"form_id changed from '{old.form_id}' to '{new.form_id}'"]
    for question in new.questions_in_order():
        if not old.has_question(question.name):
            continue
        before = old.question(question.name)
        if not _type_change_allowed(before.type, question.type, before.stores_value):
            problems.append(
                f"'{question.name}' changes type from {before.type} to {question.type} "
                f"(row {question.row}); only a change to text, or integer to decimal, is allowed"
            )
            continue
        if before.repeat_path != question.repeat_path:
            problems.append(
                f"'{question.name}' moves from repeat {'/'.join(before.repeat_path) or '(none)'} "
                f"to {'/'.join(question.repeat_path) or '(none)'} (row {question.row})"
            )
    return problems


def _type_change_allowed(before: str, after: str, stored: bool) -> bool:
    if before == after or (after == "text" and stored):
        return True
    if before == "integer" and after == "decimal":
        return True
    return before == "group" and after == "group"
