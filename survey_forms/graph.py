"""Parsed expressions of a form and the dependency graph between its questions.

Built once per form. Every question gets a :class:`Node` holding its parsed expressions. Two kinds
of dependency are recorded, by question name:

* **value dependencies**: what a question's *effective value* depends on. The effective value is
  ``""`` when the question is not relevant, the calculation's result for a calculate, and the
  answer otherwise; so it depends on the names in its ``relevant`` and ``calculation`` and on its
  parent group (a group's effective value is its relevance).
* **check dependencies**: names used by ``required``, ``constraint``, ``choice_filter`` and
  ``read_only``; they change a question's errors, choices or state but never another value.

Value dependencies must be acyclic; :attr:`FormGraph.order` is a topological order of them, which
the session uses to recompute only what a change reaches, in an order where every input is
already up to date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from survey_forms.errors import FormError
from survey_forms.expressions import Expr, ExpressionError, parse
from survey_forms.expressions.syntax import BareName, Binary, Reference

if TYPE_CHECKING:
    from survey_forms.model import Choice, Form, Question

__all__ = ["FormGraph", "Node"]

#: ``${name}`` inside a label, hint or message
_TEXT_REFERENCE = re.compile(r"\$\{([^}\s]+)\}")
TRUE_WORDS = frozenset({"yes", "true", "true()", "1"})
FALSE_WORDS = frozenset({"no", "false", "false()", "0", ""})


@dataclass(slots=True, eq=False)
class Node:
    """A question with its parsed expressions and its place in the graph."""

    question: Question
    name: str
    type: str
    repeat_path: tuple[str, ...]
    parent: str | None
    relevant: Expr | None = None
    calculation: Expr | None = None
    required: Expr | None = None
    required_always: bool = False
    constraint: Expr | None = None
    choice_filter: Expr | None = None
    read_only: Expr | None = None
    read_only_always: bool = False
    repeat_count: Expr | None = None
    default: Expr | None = None
    default_literal: str | None = None
    value_inputs: set[str] = field(default_factory=set)
    check_inputs: set[str] = field(default_factory=set)
    order: int = 0
    #: how many repeats enclose this question
    depth: int = 0
    #: the parent is a repeat (its relevance is kept one level out)
    parent_is_repeat: bool = False
    #: the question holds an answer of its own (not a group, note or calculate)
    holds_answer: bool = False
    #: a select without choice filter: the names of its choices
    choice_names: frozenset[str] | None = None
    #: anything to check beyond relevance (answers, required, constraints, choice filters)
    has_checks: bool = False
    #: an expression of this question calls position(..)
    uses_position: bool = False
    #: a choice filter of the form ``column = ${question}``: (question, choices by column value)
    filter_index: tuple[str, dict[str, list[Choice]]] | None = None


class FormGraph:
    """Parsed expressions and dependencies of one form (see the module docstring)."""

    def __init__(self, form: Form) -> None:
        self.form = form
        self.nodes: dict[str, Node] = {}
        for question in form.questions_in_order():
            self.nodes[question.name] = self._node(question)
        for question in form.questions_in_order():
            self._check_text_references(question)
        self.instance_name: Expr | None = None
        if form.instance_name:
            self.instance_name = _parse(form.instance_name, "settings", 2, "instance_name")
            self._check_references(self.instance_name, "settings", 2, "instance_name")
        #: names whose effective value reads the key's effective value
        self.value_dependents: dict[str, list[str]] = {name: [] for name in self.nodes}
        #: names whose checks (required, constraint, choice filter, read-only) read the key
        self.check_dependents: dict[str, list[str]] = {name: [] for name in self.nodes}
        #: repeats whose repeat_count reads the key
        self.count_dependents: dict[str, list[str]] = {name: [] for name in self.nodes}
        self.order: list[str] = self._topological_order()
        for index, name in enumerate(self.order):
            self.nodes[name].order = index
        self.order_nodes: list[Node] = [self.nodes[name] for name in self.order]
        #: every node in form order (errors are listed in this order)
        self.form_order_nodes: list[Node] = list(self.nodes.values())
        #: the nodes validation needs, in topological order (see :meth:`_validation_nodes`)
        self.validation_nodes: list[Node] = self._validation_nodes()
        #: resolution plans: repeat path of the reader -> name read -> plan (see :meth:`plan`),
        #: filled as expressions read names
        self.plans: dict[tuple[str, ...], dict[str, int]] = {}
        #: names in each repeat (direct children and deeper), for structural changes
        self.in_repeat: dict[str, list[str]] = {}
        for node in self.nodes.values():
            for repeat in node.repeat_path:
                self.in_repeat.setdefault(repeat, []).append(node.name)
        self.top_level_repeats = [
            node.name for node in self.nodes.values() if node.type == "repeat" and not node.depth
        ]
        #: the names an answers object may hold at each level (``()``: the entry's top level,
        #: a repeat's path: inside its instances): every question there but groups and notes
        self.answer_nodes: dict[tuple[str, ...], dict[str, Node]] = {(): {}}
        for node in self.nodes.values():
            if node.type == "repeat":
                self.answer_nodes.setdefault((*node.repeat_path, node.name), {})
            if node.type not in ("group", "note"):
                self.answer_nodes.setdefault(node.repeat_path, {})[node.name] = node

    def plans_for(self, from_path: tuple[str, ...]) -> dict[str, int]:
        """The resolution plans of readers inside the repeats ``from_path``, by name read (the
        names read so far; :meth:`plan` adds the others)."""
        plans = self.plans.get(from_path)
        if plans is None:
            plans = self.plans.setdefault(from_path, {})
        return plans

    def plan(self, from_path: tuple[str, ...], name: str) -> int:
        """How a question inside the repeats ``from_path`` reads ``${name}``.

        With ``depth`` the number of enclosing repeats the two share: ``depth`` when the
        reference is one value (the same instance, or an outer one), ``~depth`` (negative)
        when it is a node-set. The plan is kept in :meth:`plans_for` ``(from_path)``.
        """
        node = self.nodes[name]
        item_path = (*node.repeat_path, name) if node.type == "repeat" else node.repeat_path
        depth = 0
        for a, b in zip(from_path, item_path, strict=False):
            if a != b:
                break
            depth += 1
        plan = depth if depth == len(item_path) else ~depth
        self.plans_for(from_path)[name] = plan
        return plan

    def _validation_nodes(self) -> list[Node]:
        """Nodes whose values validation needs: every answer and group, and what they read.

        A calculate that only feeds notes (scores shown to the officer, say) does not change
        whether an entry is valid, so validation skips it.
        """
        needed = {name for name, node in self.nodes.items() if node.type != "calculate"}
        pending = list(needed)
        while pending:
            node = self.nodes[pending.pop()]
            for source in (*node.value_inputs, *node.check_inputs):
                if source not in needed:
                    needed.add(source)
                    pending.append(source)
        return [node for node in self.order_nodes if node.name in needed]

    # -- building ------------------------------------------------------------------------------

    def _node(self, question: Question) -> Node:
        parent = question.parent.name if question.parent is not None else None
        node = Node(question, question.name, question.type, question.repeat_path, parent)
        node.depth = len(question.repeat_path)
        node.parent_is_repeat = question.parent is not None and question.parent.type == "repeat"
        node.holds_answer = question.type not in ("group", "repeat", "note", "calculate")
        row = question.row
        if question.relevant:
            node.relevant = _parse(question.relevant, "survey", row, "relevant")
        if question.calculation:
            node.calculation = _parse(question.calculation, "survey", row, "calculation")
        node.required, node.required_always = _flag(question.required, row, "required")
        node.read_only, node.read_only_always = _flag(question.read_only, row, "read_only")
        if question.constraint:
            node.constraint = _parse(question.constraint, "survey", row, "constraint")
        if question.choice_filter:
            node.choice_filter = _parse(question.choice_filter, "survey", row, "choice_filter")
        if question.repeat_count:
            node.repeat_count = _parse(question.repeat_count, "survey", row, "repeat_count")
        if question.default is not None and question.default != "":
            if _looks_dynamic(question.default):
                node.default = _parse(question.default, "survey", row, "default")
            else:
                node.default_literal = question.default
        if question.list_name and node.choice_filter is None:
            node.choice_names = frozenset(
                choice.name for choice in self.form.choices.get(question.list_name, [])
            )
        if node.choice_filter is not None:
            node.filter_index = _equality_index(
                node.choice_filter, self.form.choices.get(question.list_name or "", [])
            )
        node.uses_position = any(
            expr is not None and expr.uses_position
            for expr in (
                node.relevant,
                node.calculation,
                node.required,
                node.constraint,
                node.choice_filter,
                node.read_only,
                node.repeat_count,
            )
        )
        node.has_checks = (
            node.holds_answer
            or node.choice_filter is not None
            or node.required is not None
            or node.required_always
            or node.read_only is not None
        )
        return node

    def _check_text_references(self, question: Question) -> None:
        """``${name}`` in labels, hints and messages (filled in when shown) must name questions."""
        texts = (
            ("label", question.labels),
            ("hint", question.hints),
            ("required_message", question.required_message),
            ("constraint_message", question.constraint_message),
        )
        for column, by_lang in texts:
            for lang, text in by_lang.items():
                for name in _TEXT_REFERENCE.findall(text or ""):
                    if name not in self.nodes:
                        raise FormError(
                            f"column '{column}::{lang}' refers to ${{{name}}}, which is not a "
                            "question in this form",
                            sheet="survey",
                            row=question.row,
                        )

    def _check_references(self, expr: Expr, sheet: str, row: int, column: str) -> None:
        for name in expr.references:
            if name not in self.nodes:
                raise FormError(
                    f"column '{column}' refers to ${{{name}}}, which is not a question in this "
                    f"form",
                    sheet=sheet,
                    row=row,
                )

    def _topological_order(self) -> list[str]:
        for node in self.nodes.values():
            self._collect_inputs(node)
        for node in self.nodes.values():
            for source in node.value_inputs:
                self.value_dependents[source].append(node.name)
            for source in node.check_inputs:
                self.check_dependents[source].append(node.name)
            if node.repeat_count is not None:
                for source in node.repeat_count.references:
                    self.count_dependents[source].append(node.name)
        position = {name: index for index, name in enumerate(self.nodes)}
        pending = {name: len(node.value_inputs) for name, node in self.nodes.items()}
        ready = sorted((name for name, count in pending.items() if count == 0), key=position.get)
        order: list[str] = []
        while ready:
            name = ready.pop(0)
            order.append(name)
            released = []
            for dependent in self.value_dependents[name]:
                pending[dependent] -= 1
                if pending[dependent] == 0:
                    released.append(dependent)
            if released:
                ready = sorted([*ready, *released], key=position.get)
        if len(order) != len(self.nodes):
            stuck = [self.nodes[name] for name, count in pending.items() if count > 0]
            first = min(stuck, key=lambda node: node.question.row)
            cycle = ", ".join(f"${{{node.name}}}" for node in stuck[:6])
            raise FormError(
                f"question '{first.name}' is part of a circular reference among {cycle}: "
                "a calculation or relevance cannot depend on itself",
                sheet="survey",
                row=first.question.row,
            )
        return order

    def _collect_inputs(self, node: Node) -> None:
        row = node.question.row
        for column, expr in (
            ("relevant", node.relevant),
            ("calculation", node.calculation),
            ("required", node.required),
            ("constraint", node.constraint),
            ("choice_filter", node.choice_filter),
            ("read_only", node.read_only),
            ("repeat_count", node.repeat_count),
            ("default", node.default),
        ):
            if expr is None:
                continue
            self._check_references(expr, "survey", row, column)
            if expr.bare_names and column != "choice_filter":
                bare = sorted(expr.bare_names)[0]
                raise FormError(
                    f"column '{column}' uses the name '{bare}' without ${{}}: write ${{{bare}}} "
                    "to refer to a question",
                    sheet="survey",
                    row=row,
                )
        if node.choice_filter is not None:
            self._check_choice_columns(node)
        if node.parent is not None:
            node.value_inputs.add(node.parent)
        # a repeat's instance count is part of its value: what reads the repeat sees it change
        for expr in (node.relevant, node.calculation, node.repeat_count):
            if expr is not None:
                node.value_inputs.update(expr.references)
        for expr in (node.required, node.constraint, node.choice_filter, node.read_only):
            if expr is not None:
                node.check_inputs.update(expr.references)
        node.value_inputs.discard(node.name)
        node.check_inputs.discard(node.name)
        if node.calculation is not None and node.name in node.calculation.references:
            raise FormError(
                f"the calculation of '{node.name}' refers to itself",
                sheet="survey",
                row=row,
            )

    def _check_choice_columns(self, node: Node) -> None:
        assert node.choice_filter is not None
        list_name = node.question.list_name or ""
        columns = {"name"}
        for choice in self.form.choices.get(list_name, []):
            columns.update(choice.columns)
        for bare in node.choice_filter.bare_names:
            if bare not in columns:
                raise FormError(
                    f"choice_filter uses '{bare}', which is not a column of choice list "
                    f"'{list_name}' (columns: {', '.join(sorted(columns))})",
                    sheet="survey",
                    row=node.question.row,
                )


def _parse(source: str, sheet: str, row: int, column: str) -> Expr:
    try:
        return parse(source)
    except ExpressionError as exc:
        raise FormError(f"column '{column}': {exc}", sheet=sheet, row=row) from None


def _flag(value: str | None, row: int, column: str) -> tuple[Expr | None, bool]:
    """Read a yes/no-or-expression column such as ``required``: (expression, always)."""
    if value is None:
        return None, False
    text = value.strip()
    lowered = text.lower()
    if lowered in TRUE_WORDS:
        return None, True
    if lowered in FALSE_WORDS:
        return None, False
    return _parse(text, "survey", row, column), False


def _equality_index(
    expr: Expr, choices: list[Choice]
) -> tuple[str, dict[str, list[Choice]]] | None:
    """For the common filter ``column = ${question}``, the choices grouped by that column.

    Filtering is then one look-up of the question's value instead of evaluating the filter for
    every choice (the kecamatan list of a region, say). Other filters return ``None``.
    """
    tree = expr.tree
    if not isinstance(tree, Binary) or tree.op != "=":
        return None
    sides = (tree.left, tree.right)
    column = next((side.name for side in sides if isinstance(side, BareName)), None)
    question = next((side.name for side in sides if isinstance(side, Reference)), None)
    if column is None or question is None:
        return None
    index: dict[str, list[Choice]] = {}
    for choice in choices:
        key = choice.name if column == "name" else choice.columns.get(column, "")
        index.setdefault(key, []).append(choice)
    return question, index


def _looks_dynamic(default: str) -> bool:
    """XLSForm treats a default with a reference or a function call as an expression."""
    return "${" in default or "(" in default
