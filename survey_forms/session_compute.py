"""Computing a form session: relevance, values, repeat counts, choices and checks.

:class:`SessionCompute` evaluates one question at one instance (:meth:`~SessionCompute._evaluate`
for its relevance and effective value, :meth:`~SessionCompute._check` for its choices, required
and read-only flags and its error), and everything at once (:meth:`~SessionCompute._recompute`).
Incremental recompute after a change is in :mod:`survey_forms.session_propagate`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from survey_forms.instance_keys import implied_key
from survey_forms.messages import message
from survey_forms.ranges import in_range, range_parameters
from survey_forms.session_context import Context
from survey_forms.session_tree import MAX_REPEAT_COUNT, Instance, InstanceTree, Path
from survey_forms.validation import ValidationIssue, question_path
from survey_forms.values import ValueTypeError, normalize, xpath_text

if TYPE_CHECKING:
    from survey_forms.graph import FormGraph, Node
    from survey_forms.model import Choice

__all__ = ["SessionCompute"]


class SessionCompute(InstanceTree):
    """Computing questions at instances (a base of ``FormSession``)."""

    graph: FormGraph
    _ctx: Context

    def _apply_defaults(self, inst: Instance, repeat_path: tuple[str, ...], path: Path) -> None:
        for node in self.nodes.values():
            if node.repeat_path != repeat_path or node.name in inst.values:
                continue
            if node.default_literal is not None:
                self._store(inst, node, node.default_literal)
            elif node.default is not None:
                text = node.default.evaluate_answer(Context(self, node, inst, path))
                if text != "":
                    self._store(inst, node, text)

    def _store(self, inst: Instance, node: Node, value: Any) -> None:
        if inst.type_errors:
            inst.type_errors.pop(node.name, None)
        if value is None or value == "" or value == []:
            inst.values.pop(node.name, None)
            return
        try:
            inst.values[node.name] = normalize(node.type, value)
        except ValueTypeError as exc:
            inst.values[node.name] = value
            inst.type_errors[node.name] = exc.code

    def _context(self, node: Node, inst: Instance, path: Path) -> Context:
        """The session's evaluation context, pointed at one question and instance.

        Evaluations never nest, so one context object serves them all.
        """
        context = self._ctx
        context.node = node
        context.inst = inst
        context.path = path
        if context.repeat_path != node.repeat_path:
            context.repeat_path = node.repeat_path
            context.plans = self.graph.plans_for(node.repeat_path)
        return context

    def _evaluate(self, node: Node, inst: Instance, path: Path) -> bool:
        """Recompute one question's relevance and effective value; True if either changed."""
        name = node.name
        parent = node.parent
        if parent is None:
            relevant = True
        elif node.parent_is_repeat:
            outer = inst.outer
            relevant = outer.relevant.get(parent, False) if outer is not None else True
        else:
            relevant = inst.relevant.get(parent, False)
        if relevant and node.relevant is not None:
            relevant = node.relevant.evaluate_boolean(self._context(node, inst, path))
        changed = inst.relevant.get(name) != relevant
        inst.relevant[name] = relevant
        if not relevant:
            text = ""
        elif node.holds_answer:
            value = inst.values.get(name)
            text = value if value.__class__ is str else xpath_text(node.type, value)
        elif node.calculation is not None:
            text = node.calculation.evaluate_answer(self._context(node, inst, path))
        else:
            text = ""
        if inst.xval.get(name) != text:
            inst.xval[name] = text
            changed = True
        if node.type == "repeat" and relevant and node.repeat_count is not None:
            changed = self._sync_repeat_count(node, inst, path) or changed
        return changed

    def _sync_repeat_count(self, node: Node, inst: Instance, path: Path) -> bool:
        assert node.repeat_count is not None
        wanted = node.repeat_count.evaluate_number(Context(self, node, inst, path))
        count = int(wanted) if wanted == wanted and wanted > 0 else 0
        count = min(count, MAX_REPEAT_COUNT)
        instances = inst.repeats.setdefault(node.name, [])
        allowed = min(count, len(instances) + self._room())
        self._note_cap(inst, node, count if allowed < count else None)
        if len(instances) == allowed:
            return False
        while len(instances) > allowed:
            self._forget(instances.pop())
        if len(instances) < allowed:
            # Instances made from repeat_count get the implied keys "#<index>", not fresh
            # ones: every tablet (and the server validating an entry) builds them on its own
            # from the same count, and the i-th instance on one tablet is the i-th on another.
            # Random keys would make a merge of two tablets' edits see different instances
            # and keep both sets; "#<index>" is also what a keyless legacy instance implies.
            used = {child.key for child in instances}
            inner = (*node.repeat_path, node.name)
            while len(instances) < allowed:
                index = len(instances)
                child = self._new_child(inst, instances, _count_key(index, used))
                self._apply_defaults(child, inner, (*path, index))
        return True

    def _check(self, node: Node, inst: Instance, path: Path) -> None:
        """Recompute one question's choices, required, read-only flags and error."""
        name = node.name
        if not node.has_checks:
            if name in inst.errors:
                del inst.errors[name]
            return
        relevant = inst.relevant.get(name, False)
        context = None
        if node.choice_filter is not None:
            context = self._context(node, inst, path)
            inst.choices[name] = self._filter_choices(node, context)
        if not relevant:
            inst.required[name] = False
            inst.errors.pop(name, None)
            return
        if node.required_always:
            required = True
        elif node.required is not None:
            context = context or self._context(node, inst, path)
            required = node.required.evaluate_boolean(context)
        else:
            required = False
        inst.required[name] = required
        if node.read_only is not None:
            context = context or self._context(node, inst, path)
            inst.read_only[name] = node.read_only.evaluate_boolean(context)
        issue = self._issue(node, inst, path, required, context)
        if issue is None:
            inst.errors.pop(name, None)
        else:
            inst.errors[name] = issue

    def _filter_choices(self, node: Node, context: Context) -> list[Choice]:
        """The choices of a select question that pass its choice filter."""
        if node.filter_index is not None:
            question, index = node.filter_index
            value = context.resolve(question)
            if isinstance(value, str):
                return index.get(value, [])
        assert node.choice_filter is not None
        kept = []
        for choice in self.form.choices.get(node.question.list_name or "", []):
            context.choice = choice
            if node.choice_filter.evaluate_boolean(context):
                kept.append(choice)
        context.choice = None
        return kept

    def _issue(
        self, node: Node, inst: Instance, path: Path, required: bool, context: Context | None
    ) -> ValidationIssue | None:
        name = node.name
        value = inst.values.get(name)
        if value is None:
            if required and node.holds_answer:
                text = node.question.required_message or None
                return ValidationIssue(
                    question_path(node, path), "required", _custom(text, "required")
                )
            return None
        if name in inst.type_errors:
            return ValidationIssue(
                question_path(node, path), "type", message(inst.type_errors[name])
            )
        if node.question.list_name:
            names = node.choice_names
            if names is None:
                names = {choice.name for choice in inst.choices.get(name, ())}
            picked = [value] if node.type == "select_one" else value
            for item in picked:
                if item not in names:
                    return ValidationIssue(
                        question_path(node, path),
                        "invalid_choice",
                        message("invalid_choice", value=item),
                    )
        if node.type == "range" and not in_range(node.question.parameters, value):
            params = range_parameters(node.question.parameters)
            return ValidationIssue(
                question_path(node, path),
                "constraint",
                message("range", start=params[0], end=params[1], step=params[2]),
            )
        if node.constraint is not None:
            context = context or self._context(node, inst, path)
            if not node.constraint.evaluate_boolean(context):
                text = node.question.constraint_message or None
                return ValidationIssue(
                    question_path(node, path), "constraint", _custom(text, "constraint")
                )
        return None

    def recompute_all(self) -> None:
        """Recompute everything from the answers (what incremental recompute must agree with)."""
        self._recompute(self.graph.order_nodes)

    def _recompute(self, nodes: list[Node]) -> None:
        """Compute ``nodes`` (in topological order) everywhere, then their checks.

        The same work as :meth:`_evaluate` and :meth:`_check`, with the questions outside
        repeats (most of a form) done inline: the server runs this for every synced entry.
        """
        root = self.root
        relevant_of, xval, values = root.relevant, root.xval, root.values
        type_errors = root.type_errors
        evaluate, check = self._evaluate, self._check
        # The instances of each repeat path, listed once: only evaluating a repeat (its
        # repeat_count) adds or removes instances, so the list is dropped after each repeat.
        instances: dict[tuple[str, ...], list[tuple[Path, Instance]]] = {}
        for node in nodes:
            if node.depth:
                found = instances.get(node.repeat_path)
                if found is None:
                    found = instances[node.repeat_path] = list(self._paths(node.repeat_path, ()))
                for path, inst in found:
                    evaluate(node, inst, path)
                if node.type == "repeat":
                    instances.clear()
                continue
            name = node.name
            parent = node.parent
            relevant = True if parent is None else relevant_of.get(parent, False)
            if relevant and node.relevant is not None:
                relevant = node.relevant.evaluate_boolean(self._context(node, root, ()))
            relevant_of[name] = relevant
            if not relevant:
                xval[name] = ""
            elif node.holds_answer:
                value = values.get(name)
                if value.__class__ is str:
                    xval[name] = value
                elif value.__class__ is list and name not in type_errors:
                    xval[name] = " ".join(value)  # a select_multiple's names (xpath_text)
                else:
                    xval[name] = xpath_text(node.type, value)
            elif node.calculation is not None:
                xval[name] = node.calculation.evaluate_answer(self._context(node, root, ()))
            else:
                xval[name] = ""
            if (
                relevant
                and node.repeat_count is not None
                and self._sync_repeat_count(node, root, ())
            ):
                instances.clear()
        # Checks never add or remove instances.
        errors, required_of = root.errors, root.required
        issue_of = self._issue
        for node in nodes:
            if node.depth:
                found = instances.get(node.repeat_path)
                if found is None:
                    found = instances[node.repeat_path] = list(self._paths(node.repeat_path, ()))
                for path, inst in found:
                    check(node, inst, path)
                continue
            name = node.name
            if not node.has_checks:
                errors.pop(name, None)
            elif node.choice_filter is None and (
                not relevant_of.get(name, False)
                or (
                    name not in values
                    and node.required is None
                    and not node.required_always
                    and node.read_only is None
                )
            ):
                # not relevant, or relevant, unanswered and never required: nothing to report
                required_of[name] = False
                errors.pop(name, None)
            elif node.choice_filter is None and node.read_only is None:
                # relevant (see above): _check without its choice and read-only steps
                if node.required_always:
                    required = True
                elif node.required is not None:
                    required = node.required.evaluate_boolean(self._context(node, root, ()))
                else:
                    required = False
                required_of[name] = required
                issue = issue_of(node, root, (), required, None)
                if issue is None:
                    errors.pop(name, None)
                else:
                    errors[name] = issue
            else:
                check(node, root, ())


def _custom(texts: dict[str, str] | None, code: str) -> dict[str, str]:
    """The form's own message where it has one, the catalog's otherwise."""
    return {**message(code), **(texts or {})}


def _count_key(index: int, used: set[str | None]) -> str:
    """The key of instance ``index`` made from a repeat_count: ``"#<index>"`` unless taken.

    A loaded instance may hold ``"#<index>"`` already at another position (the list was
    reordered on a tablet before its count grew); then ``"#<index>:1"``, ``"#<index>:2"``...,
    still the same on every device. ``used`` gets the key added.
    """
    key = implied_key(index)
    serial = 0
    while key in used:
        serial += 1
        key = f"{implied_key(index)}:{serial}"
    used.add(key)
    return key
