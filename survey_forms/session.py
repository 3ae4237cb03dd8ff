"""The form session: the answers of one entry and everything computed from them.

A session keeps, for every question and every repeat instance, the answer, whether the question
is relevant, its calculated value, its choices after the choice filter and its current error.

Incremental recompute: after an answer changes, only what depends on it is recomputed. The form's
:class:`~survey_forms.graph.FormGraph` lists, for each question, the questions whose *effective
value* (relevance, calculation) read it and those whose *checks* (required, constraint, choice
filter, read-only) read it. A change is propagated through a work list ordered by the graph's
topological order, so each question is recomputed after all of its inputs, and a question whose
value did not change stops the propagation. :meth:`FormSession.recompute_all` does the same work
for everything; the tests check that both always agree.

Semantics (ODK's): an unanswered question is ``""``; a question that is not relevant reads as
``""`` in expressions and its answer is left out of :meth:`FormSession.answers`; inside a repeat,
``${name}`` of a sibling means the same instance; from outside, it is the node-set of every
instance (for ``count()``, ``sum()``...).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from survey_forms.expressions import NodeSet, to_string
from survey_forms.messages import message
from survey_forms.validation import ValidationIssue, question_path
from survey_forms.values import ValueTypeError, normalize, xpath_text

if TYPE_CHECKING:
    from survey_forms.graph import Node
    from survey_forms.model import Choice, Form

__all__ = ["WIB", "FormSession", "Instance"]

#: Western Indonesia Time (UTC+7), the default time zone of entries
WIB = timezone(timedelta(hours=7), "WIB")

Path = tuple[int, ...]

#: Question types whose normalised value is any non-empty string as given (see ``values``).
_PLAIN_TEXT_TYPES = frozenset(("text", "start", "end", "today", "deviceid", "username"))


class Instance:
    """One level of answers: the entry itself, or one instance of a repeat."""

    __slots__ = (
        "choices",
        "errors",
        "outer",
        "read_only",
        "relevant",
        "repeats",
        "required",
        "type_errors",
        "values",
        "xval",
    )

    def __init__(self, outer: Instance | None) -> None:
        self.outer = outer
        self.values: dict[str, Any] = {}
        self.type_errors: dict[str, str] = {}
        self.xval: dict[str, str] = {}
        self.relevant: dict[str, bool] = {}
        self.required: dict[str, bool] = {}
        self.read_only: dict[str, bool] = {}
        self.choices: dict[str, list[Choice]] = {}
        self.errors: dict[str, ValidationIssue] = {}
        self.repeats: dict[str, list[Instance]] = {}


class _Context:
    """The evaluation context of one question at one repeat instance."""

    __slots__ = ("choice", "inst", "node", "path", "repeat_path", "session")

    def __init__(self, session: FormSession, node: Node | None, inst: Instance, path: Path) -> None:
        self.session = session
        self.node = node
        self.inst = inst
        self.path = path
        self.repeat_path = node.repeat_path if node is not None else ()
        self.choice: Choice | None = None

    def resolve(self, name: str) -> str | NodeSet:
        session = self.session
        plan = session._plans.get((self.repeat_path, name))
        if plan is None:
            plan = session.graph.plan(self.repeat_path, name)
        depth, single = plan
        if single:
            if depth == len(self.path):
                return self.inst.xval.get(name, "")
            inst = self.inst
            for _ in range(len(self.path) - depth):
                inst = inst.outer  # type: ignore[assignment]
            return inst.xval.get(name, "")
        return NodeSet(session._collect(name, self.path[:depth]))

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


class FormSession:
    """The answers of one entry being filled (see the module docstring).

    ``instance`` arguments are tuples of 0-based repeat indexes, outermost first: ``()`` for a
    question outside repeats, ``(2,)`` for the third instance of its repeat.
    """

    def __init__(
        self,
        form: Form,
        answers: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
        *,
        validation_only: bool = False,
    ) -> None:
        """Start a new entry (``answers`` is ``None``) or continue one from its answers.

        ``validation_only`` computes just what validation needs (calculations that only feed
        notes are skipped); such a session is for :func:`survey_forms.validation` only.
        """
        self.form = form
        self.graph = form.graph
        self.nodes = form.graph.nodes
        self.meta = dict(meta or {})
        self.language: str = self.meta.get("language") or form.default_language
        self._plans = form.graph.plans
        self._ctx = _Context(self, None, Instance(None), ())
        self.root = Instance(None)
        if answers is None:
            self._start_new()
        else:
            self._load(self.root, answers, (), ())
        self._recompute(form.graph.validation_nodes if validation_only else form.graph.order_nodes)

    # -- time and metadata ---------------------------------------------------------------------

    def now(self) -> datetime:
        """The current time in the entry's time zone.

        ``meta["now"]`` fixes the clock (tests); ``meta["tz"]`` (a ``tzinfo``) sets the zone,
        which is otherwise WIB, the zone of Sumatera Selatan: ``today()`` must be the officer's
        date, also on a server whose clock runs in UTC (before 07:00 WIB, UTC is still on
        the previous day).
        """
        fixed = self.meta.get("now")
        if isinstance(fixed, datetime):
            return fixed
        return datetime.now(UTC).astimezone(self.meta.get("tz") or WIB)

    def _start_new(self) -> None:
        now = self.now()
        stamps = {
            "start": now.isoformat(timespec="milliseconds"),
            "today": now.date().isoformat(),
            "deviceid": str(self.meta.get("deviceid", "")),
            "username": str(self.meta.get("username", "")),
        }
        for node in self.nodes.values():
            if node.depth:
                continue
            if stamps.get(node.type):
                self.root.values[node.name] = stamps[node.type]
        self._apply_defaults(self.root, (), ())

    def stamp_end(self) -> None:
        """Set every ``end`` metadata question to now (called when the entry is finalized)."""
        stamp = self.now().isoformat(timespec="milliseconds")
        for node in self.nodes.values():
            if node.type == "end" and not node.depth:
                self.set_answer(node.name, stamp)

    def _apply_defaults(self, inst: Instance, repeat_path: tuple[str, ...], path: Path) -> None:
        for node in self.nodes.values():
            if node.repeat_path != repeat_path or node.name in inst.values:
                continue
            if node.default_literal is not None:
                self._store(inst, node, node.default_literal)
            elif node.default is not None:
                value = node.default.evaluate(_Context(self, node, inst, path))
                text = to_string(value)
                if text != "":
                    self._store(inst, node, text)

    # -- loading -------------------------------------------------------------------------------

    def _load(
        self, inst: Instance, answers: dict[str, Any], path: Path, repeat_path: tuple[str, ...]
    ) -> None:
        if not isinstance(answers, dict):
            return
        for name, value in answers.items():
            node = self.nodes.get(name)
            if node is None or node.repeat_path != repeat_path:
                continue
            if node.type == "repeat":
                items = value if isinstance(value, list) else []
                instances = inst.repeats.setdefault(name, [])
                for item in items:
                    child = Instance(inst)
                    instances.append(child)
                    self._load(
                        child,
                        item if isinstance(item, dict) else {},
                        (*path, len(instances) - 1),
                        (*repeat_path, name),
                    )
            elif node.holds_answer:
                if (
                    value.__class__ is str
                    and value
                    and (
                        node.type in _PLAIN_TEXT_TYPES
                        or (node.type == "select_one" and not value.isspace())
                    )
                ):
                    # what normalize() would return, without the call (most answers are text)
                    inst.values[name] = value
                else:
                    self._store(inst, node, value)

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

    # -- addressing ----------------------------------------------------------------------------

    def _instance(self, repeat_path: tuple[str, ...], path: Path) -> Instance:
        inst = self.root
        for repeat, index in zip(repeat_path, path, strict=True):
            inst = inst.repeats.get(repeat, [])[index] if index >= 0 else _raise_index()
        return inst

    def _node(self, name: str) -> Node:
        try:
            return self.nodes[name]
        except KeyError:
            raise KeyError(f"no question {name!r} in form {self.form.form_id}") from None

    def _locate(self, name: str, instance: Path) -> tuple[Node, Instance]:
        node = self._node(name)
        if len(instance) != node.depth:
            raise IndexError(
                f"{name!r} is inside {node.depth} repeat(s): give {node.depth} instance "
                f"index(es), not {len(instance)}"
            )
        try:
            return node, self._instance(node.repeat_path, tuple(instance))
        except IndexError:
            raise IndexError(f"no repeat instance {instance} for {name!r}") from None

    def _paths(
        self, repeat_path: tuple[str, ...], prefix: Path, relevant: bool = False
    ) -> Iterator[tuple[Path, Instance]]:
        """Every instance path of ``repeat_path`` starting with ``prefix``, with its instance.

        With ``relevant``, instances of repeats that are not relevant are left out (what
        expressions see: a repeat that does not apply has no instances).
        """
        try:
            start = self._instance(repeat_path[: len(prefix)], prefix)
        except IndexError:
            return
        yield from self._expand(start, repeat_path, len(prefix), prefix, relevant)

    def _expand(
        self,
        inst: Instance,
        repeat_path: tuple[str, ...],
        level: int,
        path: Path,
        relevant: bool = False,
    ) -> Iterator[tuple[Path, Instance]]:
        if level == len(repeat_path):
            yield path, inst
            return
        repeat = repeat_path[level]
        if relevant and not inst.relevant.get(repeat, False):
            return
        for index, child in enumerate(inst.repeats.get(repeat, [])):
            yield from self._expand(child, repeat_path, level + 1, (*path, index), relevant)

    def _collect(self, name: str, prefix: Path) -> list[str]:
        """The values of ``name`` in every relevant repeat instance below ``prefix``."""
        node = self.nodes[name]
        if node.type == "repeat":
            return ["" for _ in self._paths((*node.repeat_path, name), prefix, relevant=True)]
        return [
            inst.xval.get(name, "")
            for _, inst in self._paths(node.repeat_path, prefix, relevant=True)
        ]

    # -- computing -----------------------------------------------------------------------------

    def _context(self, node: Node, inst: Instance, path: Path) -> _Context:
        """The session's evaluation context, pointed at one question and instance.

        Evaluations never nest, so one context object serves them all.
        """
        context = self._ctx
        context.node = node
        context.inst = inst
        context.path = path
        context.repeat_path = node.repeat_path
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
            text = to_string(node.calculation.evaluate(self._context(node, inst, path)))
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
        wanted = node.repeat_count.evaluate_number(_Context(self, node, inst, path))
        count = int(wanted) if wanted == wanted and wanted > 0 else 0
        count = min(count, 10_000)
        instances = inst.repeats.setdefault(node.name, [])
        if len(instances) == count:
            return False
        while len(instances) > count:
            instances.pop()
        while len(instances) < count:
            child = Instance(inst)
            instances.append(child)
            inner = (*node.repeat_path, node.name)
            self._apply_defaults(child, inner, (*path, len(instances) - 1))
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

    def _filter_choices(self, node: Node, context: _Context) -> list[Choice]:
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
        self, node: Node, inst: Instance, path: Path, required: bool, context: _Context | None
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
                xval[name] = to_string(node.calculation.evaluate(self._context(node, root, ())))
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

    def _propagate(self, start: list[tuple[str, Path]], force: bool = False) -> None:
        """Recompute from ``start`` through every dependent whose inputs changed."""
        nodes = self.nodes
        heap: list[tuple[int, str, Path]] = []
        queued: set[tuple[str, Path]] = set()
        for name, path in start:
            heapq.heappush(heap, (nodes[name].order, name, path))
            queued.add((name, path))
        forced = set(queued) if force else set()
        to_check: set[tuple[str, Path]] = set()
        value_deps = self.graph.value_dependents
        check_deps = self.graph.check_dependents
        while heap:
            _, name, path = heapq.heappop(heap)
            node = nodes[name]
            try:
                inst = self._instance(node.repeat_path, path)
            except IndexError:
                continue
            changed = self._evaluate(node, inst, path)
            to_check.add((name, path))
            if not changed and (name, path) not in forced:
                continue
            extra: list[tuple[str, Path]] = []
            if node.type == "repeat" and changed:
                extra = self._outside_readers(name, path)
            for dependent, target_path in extra:
                key = (dependent, target_path)
                if key not in queued:
                    queued.add(key)
                    heapq.heappush(heap, (nodes[dependent].order, dependent, target_path))
                    forced.add(key)
            for dependent in value_deps[name]:
                target = nodes[dependent]
                depth = _common(node.repeat_path, target.repeat_path)
                for target_path, _ in self._paths(target.repeat_path, path[:depth]):
                    key = (dependent, target_path)
                    if key not in queued:
                        queued.add(key)
                        heapq.heappush(heap, (target.order, dependent, target_path))
            for dependent in check_deps[name]:
                target = nodes[dependent]
                depth = _common(node.repeat_path, target.repeat_path)
                for target_path, _ in self._paths(target.repeat_path, path[:depth]):
                    to_check.add((dependent, target_path))
        for name, path in to_check:
            node = nodes[name]
            try:
                inst = self._instance(node.repeat_path, path)
            except IndexError:
                continue
            self._check(node, inst, path)

    def _outside_readers(self, repeat: str, outer: Path) -> list[tuple[str, Path]]:
        """Questions outside ``repeat`` that read questions inside it (count, sum...).

        When the repeat's instances change, or it becomes (ir)relevant, the node-sets they read
        change even where no single value did, so they must be recomputed.
        """
        out = []
        for name in (repeat, *self.graph.in_repeat.get(repeat, [])):
            node = self.nodes[name]
            for dependent in (
                *self.graph.value_dependents[name],
                *self.graph.check_dependents[name],
            ):
                target = self.nodes[dependent]
                if repeat in target.repeat_path:
                    continue
                depth = _common(node.repeat_path, target.repeat_path)
                for target_path, _ in self._paths(target.repeat_path, outer[:depth]):
                    out.append((dependent, target_path))
        return out

    def _structure_changed(
        self, repeat: str, outer: Path, *, new: int | None = None, moved_from: int | None = None
    ) -> None:
        """After instances of ``repeat`` were added, removed or moved under ``outer``.

        ``new`` is the index of an added instance: everything in it is computed. From
        ``moved_from`` on, instances changed position: questions using ``position(..)`` there
        are recomputed. The other instances keep their state (it lives in their
        :class:`Instance`), so adding to a long repeat does not recompute it all.
        """
        start = self._outside_readers(repeat, outer)
        inside = self.graph.in_repeat.get(repeat, [])
        if new is not None:
            for name in inside:
                node = self.nodes[name]
                start.extend(
                    (name, path) for path, _ in self._paths(node.repeat_path, (*outer, new))
                )
        if moved_from is not None:
            count = len(
                self._instance(self.nodes[repeat].repeat_path, outer).repeats.get(repeat, [])
            )
            for name in inside:
                node = self.nodes[name]
                if not node.uses_position:
                    continue
                for index in range(moved_from, count):
                    start.extend(
                        (name, path) for path, _ in self._paths(node.repeat_path, (*outer, index))
                    )
        self._propagate(start, force=True)

    # -- public API ----------------------------------------------------------------------------

    def set_answer(self, name: str, value: Any, instance: Path = ()) -> None:
        """Answer a question (``None``, ``""`` or ``[]`` clears it); recompute what depends on it.

        A value that does not fit the question's type is kept and reported as a ``type`` error.
        """
        node, inst = self._locate(name, tuple(instance))
        if not node.question.stores_value or node.type == "calculate":
            raise ValueError(f"{name!r} ({node.type}) does not take an answer")
        self._store(inst, node, value)
        self._propagate([(name, tuple(instance))], force=True)

    def value(self, name: str, instance: Path = ()) -> Any:
        """The stored answer (a calculate's value) of a question, or ``None``."""
        node, inst = self._locate(name, tuple(instance))
        if node.calculation is not None:
            text = inst.xval.get(name, "")
            return text if text != "" else None
        return inst.values.get(name)

    def text(self, name: str, instance: Path = ()) -> str:
        """The question's value as expressions see it (``""`` when empty or not relevant)."""
        _, inst = self._locate(name, tuple(instance))
        return inst.xval.get(name, "")

    def is_relevant(self, name: str, instance: Path = ()) -> bool:
        """Whether the question (and every group around it) is relevant now."""
        _, inst = self._locate(name, tuple(instance))
        return inst.relevant.get(name, False)

    def is_required(self, name: str, instance: Path = ()) -> bool:
        """Whether the question must be answered now."""
        _, inst = self._locate(name, tuple(instance))
        return inst.required.get(name, False)

    def is_read_only(self, name: str, instance: Path = ()) -> bool:
        """Whether the question is read-only (calculated values are always read-only)."""
        node, inst = self._locate(name, tuple(instance))
        if node.read_only_always or node.calculation is not None:
            return True
        return inst.read_only.get(name, False)

    def error(self, name: str, instance: Path = ()) -> ValidationIssue | None:
        """The current error of one question, or ``None``."""
        node, inst = self._locate(name, tuple(instance))
        issue = inst.errors.get(name)
        return _at_path(issue, node, tuple(instance)) if issue is not None else None

    def choices(
        self, name: str, instance: Path = (), *, inst: Instance | None = None
    ) -> list[Choice]:
        """The choices of a select question left after its choice filter."""
        node = self._node(name)
        if node.choice_filter is not None:
            if inst is None:
                _, inst = self._locate(name, tuple(instance))
            return inst.choices.get(name, [])
        return self.form.choices.get(node.question.list_name or "", [])

    def repeat_count(self, name: str, instance: Path = ()) -> int:
        """How many instances the repeat ``name`` has (inside ``instance`` of outer repeats)."""
        node, inst = self._locate(name, tuple(instance))
        if node.type != "repeat":
            raise ValueError(f"{name!r} is not a repeat")
        return len(inst.repeats.get(name, []))

    def add_repeat(self, name: str, instance: Path = ()) -> int:
        """Add an instance to the repeat ``name``; returns its index."""
        node, inst = self._locate(name, tuple(instance))
        if node.type != "repeat":
            raise ValueError(f"{name!r} is not a repeat")
        if node.repeat_count is not None:
            raise ValueError(f"the number of {name!r} instances comes from its repeat_count")
        instances = inst.repeats.setdefault(name, [])
        child = Instance(inst)
        instances.append(child)
        index = len(instances) - 1
        self._apply_defaults(child, (*node.repeat_path, name), (*instance, index))
        self._structure_changed(name, tuple(instance), new=index)
        return index

    def remove_repeat(self, name: str, index: int, instance: Path = ()) -> None:
        """Remove instance ``index`` of the repeat ``name`` (later instances move up)."""
        node, inst = self._locate(name, tuple(instance))
        if node.type != "repeat":
            raise ValueError(f"{name!r} is not a repeat")
        if node.repeat_count is not None:
            raise ValueError(f"the number of {name!r} instances comes from its repeat_count")
        instances = inst.repeats.get(name, [])
        if not 0 <= index < len(instances):
            raise IndexError(f"no instance {index} of {name!r}")
        del instances[index]
        self._structure_changed(name, tuple(instance), moved_from=index)

    def move_repeat(self, name: str, index: int, new_index: int, instance: Path = ()) -> None:
        """Move instance ``index`` of the repeat ``name`` to ``new_index``."""
        _, inst = self._locate(name, tuple(instance))
        instances = inst.repeats.get(name, [])
        if not (0 <= index < len(instances) and 0 <= new_index < len(instances)):
            raise IndexError(f"no instance {index} or {new_index} of {name!r}")
        instances.insert(new_index, instances.pop(index))
        self._structure_changed(name, tuple(instance), moved_from=min(index, new_index))

    def errors(self) -> list[ValidationIssue]:
        """Every current error of a relevant question, in form order."""
        out: list[ValidationIssue] = []
        root_errors = self.root.errors
        instances: dict[tuple[str, ...], list[tuple[Path, Instance]]] = {}
        for node in self.graph.form_order_nodes:
            if not node.depth:
                issue = root_errors.get(node.name)
                if issue is not None:
                    out.append(issue)
                continue
            found = instances.get(node.repeat_path)
            if found is None:
                found = instances[node.repeat_path] = list(self._paths(node.repeat_path, ()))
            for path, inst in found:
                issue = inst.errors.get(node.name)
                if issue is not None:
                    out.append(_at_path(issue, node, path))
        return out

    def answers(self) -> dict[str, Any]:
        """The entry's answers: relevant questions only, calculated values included."""
        return self._answers(self.root, self.form.questions)

    def _answers(self, inst: Instance, questions: list[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        self._fill(inst, questions, out)
        return out

    def _fill(self, inst: Instance, questions: list[Any], out: dict[str, Any]) -> None:
        for question in questions:
            name = question.name
            if not inst.relevant.get(name, False):
                continue
            if question.type == "group":
                self._fill(inst, question.children, out)
            elif question.type == "repeat":
                items = [
                    self._answers(child, question.children) for child in inst.repeats.get(name, [])
                ]
                if items:
                    out[name] = items
            elif question.type == "calculate":
                text = inst.xval.get(name, "")
                if text != "":
                    out[name] = text
            elif name in inst.values:
                out[name] = inst.values[name]

    def instance_name(self) -> str:
        """The entry's instance_name (the form's setting), or ``""``."""
        expr = self.graph.instance_name
        if expr is None:
            return ""
        return to_string(expr.evaluate(_Context(self, None, self.root, ())))

    def state(self) -> dict[str, Any]:
        """A plain snapshot of everything computed (for tests comparing two sessions)."""
        out: dict[str, Any] = {}
        for name in self.graph.order:
            node = self.nodes[name]
            for path, inst in self._paths(node.repeat_path, ()):
                issue = inst.errors.get(name)
                out[f"{name}{list(path)}"] = (
                    inst.relevant.get(name),
                    inst.xval.get(name),
                    inst.required.get(name),
                    inst.read_only.get(name),
                    tuple(c.name for c in inst.choices.get(name, [])),
                    issue.code if issue else None,
                )
        return out


def _custom(texts: dict[str, str] | None, code: str) -> dict[str, str]:
    """The form's own message where it has one, the catalog's otherwise."""
    return {**message(code), **(texts or {})}


def _at_path(issue: ValidationIssue, node: Node, path: Path) -> ValidationIssue:
    """The issue with the path of its instance now (instances move when others are removed)."""
    if not path:
        return issue
    current = question_path(node, path)
    if current == issue.path:
        return issue
    return ValidationIssue(current, issue.code, issue.message)


def _common(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    depth = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        depth += 1
    return depth


def _raise_index() -> Instance:
    raise IndexError("negative repeat index")
