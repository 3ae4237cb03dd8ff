"""What an expression needs from the form session to be evaluated."""

from __future__ import annotations

import datetime
from typing import Protocol

from .values import NodeSet

__all__ = ["EvalContext"]


class EvalContext(Protocol):
    """The form session's side of evaluation, seen from one question (and repeat instance).

    Two more methods are optional (read with ``getattr``): ``language()``, the form's current
    language, for ``format-date()``'s ``%b``/``%a`` (English without it); and
    ``resolve_all(name)``, every instance's value of a question in a repeat as a
    :class:`NodeSet`, for ``indexed-repeat()`` (``resolve`` is used without it).
    """

    def resolve(self, name: str) -> str | NodeSet:
        """The value of ``${name}``: a string (``""`` if unanswered) or, for a question in a
        repeat referenced from outside it, a :class:`NodeSet` of every instance's answer."""
        ...

    def current(self) -> str:
        """The value of ``.``: the current question's answer (``""`` if unanswered)."""
        ...

    def position(self) -> int:
        """``position(..)``: the 1-based index of the innermost repeat instance."""
        ...

    def choice_label(self, question: str, value: str) -> str:
        """``jr:choice-name(value, '${question}')``: the label of a choice of that question."""
        ...

    def choice_column(self, column: str) -> str:
        """A bare name in a choice_filter: that column of the choice being filtered."""
        ...

    def now(self) -> datetime.datetime:
        """The current moment, timezone-aware; ``today()`` is its date."""
        ...
