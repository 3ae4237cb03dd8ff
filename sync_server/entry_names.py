"""An entry's name and date as the entries table shows them, computed by the server from the
head revision's answers and the form: the form's ``instance_name`` expression (the name the
tablet shows for the entry, e.g. "Kota Palembang – MPP Kota Palembang – 2024-08-13") and the
question holding the visit or interview date.

The tablet does not send the name, so the server evaluates the expression itself with the
shared expression engine over the top-level answers (no form session: one expression per
stored head, cheap enough for every push). ``today()``/``now()`` in the expression stand for
the moment the entry was finalized on the tablet, not for the moment of the evaluation.
"""

from __future__ import annotations

import datetime
from typing import Any

from survey_forms.expressions import ExpressionError, NodeSet, to_string
from survey_forms.names import tidy_name

from .entry_rows import entry_date_question
from .meta_times import in_zone

__all__ = ["EntrySummary", "entry_summary"]

_WIB = datetime.timezone(datetime.timedelta(hours=7))


def _text(value: Any) -> str | NodeSet:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return to_string(float(value))
    if isinstance(value, list):
        return NodeSet(_item(v) for v in value)
    if isinstance(value, dict):
        return ""
    return str(value)


def _item(value: Any) -> str:
    text = _text(value)
    return text if isinstance(text, str) else ""


class _AnswersContext:
    """An expression context over one entry's top-level answers (see the module docstring)."""

    def __init__(self, form: Any, answers: dict[str, Any], moment: datetime.datetime) -> None:
        self.form = form
        self.answers = answers
        self.moment = moment

    def resolve(self, name: str) -> str | NodeSet:
        value = self.answers.get(name)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return NodeSet()  # a repeat: not part of a name
        return _text(value)

    def current(self) -> str:
        return ""

    def position(self) -> int:
        return 1

    def choice_label(self, question: str, value: str) -> str:
        if not self.form.has_question(question):
            return ""
        list_name = self.form.question(question).list_name
        if not list_name or self.form.choice(list_name, value) is None:
            return ""
        return str(self.form.choice_label(list_name, value, self.form.default_language))

    def choice_column(self, column: str) -> str:
        return ""

    def now(self) -> datetime.datetime:
        return self.moment

    def language(self) -> str | None:
        return self.form.default_language


class EntrySummary:
    """The name and date rules of one form version (made once per version, then reused)."""

    def __init__(self, form: Any) -> None:
        self.form = form
        self.date_question = entry_date_question(form)
        self._expr = form.graph.instance_name

    def name(self, answers: Any, moment: datetime.datetime | None = None) -> str:
        """The entry's name (``""`` when the form has no ``instance_name`` or it fails)."""
        if self._expr is None or not isinstance(answers, dict):
            return ""
        when = in_zone(moment, _WIB) or datetime.datetime.now(_WIB)  # never raises
        context = _AnswersContext(self.form, answers, when)
        try:
            name = to_string(self._expr.evaluate(context))
        except (ExpressionError, ValueError, TypeError, ArithmeticError, RecursionError):
            return ""
        return tidy_name(name)  # an optional part left empty leaves no dangling " – "


def entry_summary(form: Any) -> EntrySummary:
    """The :class:`EntrySummary` of a form version."""
    return EntrySummary(form)
