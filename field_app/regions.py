"""An entry's region comes from the form's region question (the pilot forms' ``kabkota``).

The home screen's region choice only pre-fills that question for a new entry; what the officer
answers decides the region the entry is filed under (the server refuses a revision whose region
and answers disagree). Forms without a region question keep the region chosen at creation.
Pure functions over a ``survey_forms.Form`` and plain answers.
"""

from __future__ import annotations

from typing import Any

__all__ = ["REGION_QUESTIONS", "region_from_answers", "region_question", "with_region"]

#: Names of the question that holds the entry's region, first found wins.
REGION_QUESTIONS = ("kabkota",)


def region_question(form: Any) -> str | None:
    """The form's region question outside repeats, or ``None``."""
    for name in REGION_QUESTIONS:
        if form.has_question(name) and not form.question(name).repeat_path:
            return name
    return None


def region_from_answers(form: Any, answers: dict[str, Any], default: str) -> str:
    """The region the answers give (``default`` without a region question or an answer)."""
    name = region_question(form)
    value = answers.get(name) if name else None
    return str(value) if value not in (None, "") else default


def with_region(form: Any, answers: dict[str, Any], region: str) -> dict[str, Any]:
    """``answers`` with the region question answered ``region`` (when the form has one)."""
    name = region_question(form)
    return {**answers, name: region} if name else dict(answers)
