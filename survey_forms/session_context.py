"""The evaluation context of a form session: how expressions read answers and the clock."""

from __future__ import annotations

from typing import TYPE_CHECKING

from survey_forms.expressions import NodeSet

if TYPE_CHECKING:
    from datetime import datetime

    from survey_forms.graph import Node
    from survey_forms.model import Choice
    from survey_forms.session import FormSession
    from survey_forms.session_tree import Instance, Path

__all__ = ["Context"]


class Context:
    """The evaluation context of one question at one repeat instance."""

    __slots__ = ("choice", "inst", "node", "path", "plans", "repeat_path", "session")

    def __init__(self, session: FormSession, node: Node | None, inst: Instance, path: Path) -> None:
        self.session = session
        self.node = node
        self.inst = inst
        self.path = path
        self.repeat_path: tuple[str, ...] = node.repeat_path if node is not None else ()
        #: how names are read from ``repeat_path`` (``FormGraph.plans_for``; set with it)
        self.plans = session.graph.plans_for(self.repeat_path)
        self.choice: Choice | None = None

    def resolve(self, name: str) -> str | NodeSet:
        plan = self.plans.get(name)  # FormGraph.plan: depth, or ~depth for a node-set
        if plan is None:
            plan = self.session.graph.plan(self.repeat_path, name)
        if plan >= 0:
            path = self.path
            if plan == len(path):
                return self.inst.xval.get(name, "")
            inst = self.inst
            for _ in range(len(path) - plan):
                inst = inst.outer  # type: ignore[assignment]
            return inst.xval.get(name, "")
        return NodeSet(self.session._collect(name, self.path[: ~plan]))

    def current(self) -> str:
        if self.node is None:
            return ""
        return self.inst.xval.get(self.node.name, "")

    def position(self) -> int:
        return self.path[-1] + 1 if self.path else 1

    def choice_label(self, question: str, value: str) -> str:
        form = self.session.form
        if not form.has_question(question):
            return ""
        q = form.question(question)
        if not q.list_name:
            return ""
        return form.choice_label(q.list_name, value, self.session.language)

    def choice_column(self, column: str) -> str:
        if self.choice is None:
            return ""
        if column == "name":
            return self.choice.name
        return self.choice.columns.get(column, "")

    def now(self) -> datetime:
        return self.session.now()

    def language(self) -> str | None:
        """The form's current language (``format-date()``'s ``%b`` and ``%a`` follow it)."""
        return self.session.language

    def resolve_all(self, name: str) -> NodeSet:
        """Every relevant instance's value of ``name`` (for ``indexed-repeat()``)."""
        return NodeSet(self.session._collect(name, ()))
