"""Which region an entry is filed under: the answer to the form's region question.

Forms that ask for the region (the pilot forms' ``kabkota``, a ``select_one`` of BPS codes)
decide an entry's region by that answer; the region the tablet sends with a revision must agree
with it. Pure functions over a ``survey_forms.Form`` and plain answers; the push path calls
:func:`region_mismatch` and refuses a disagreeing revision with ``region_mismatch``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["REGION_QUESTIONS", "region_mismatch", "region_question", "with_region"]

#: Names of the question that holds the entry's region, first found wins.
REGION_QUESTIONS = ("kabkota",)


def region_question(form: Any) -> str | None:
    """The form's region question (outside any repeat), or ``None`` when it has none."""
    for name in REGION_QUESTIONS:
        if form.has_question(name) and not form.question(name).repeat_path:
            return name
    return None


def region_mismatch(form: Any, region: str, answers: dict[str, Any]) -> dict[str, str] | None:
    """Why ``region`` disagrees with ``answers`` (the ``region_mismatch`` error's parameters).

    ``None`` when they agree, when the form has no region question, or when it is unanswered
    (validation reports a required question left empty on its own).
    """
    name = region_question(form)
    if name is None:
        return None
    answer = answers.get(name) if isinstance(answers, dict) else None
    if answer in (None, ""):
        return None
    if str(answer) == region:
        return None
    return {"region": region, "question": name, "answer": str(answer)}


def with_region(form: Any, answers: dict[str, Any], region: str) -> dict[str, Any]:
    """``answers`` with the form's region question answered ``region`` (moves an entry)."""
    name = region_question(form)
    if name is None:
        return dict(answers)
    return {**answers, name: region}
