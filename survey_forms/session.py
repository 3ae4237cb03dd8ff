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

Repeat instances keep a stable key, ``"@key"`` in :meth:`FormSession.answers` (see
:mod:`survey_forms.instance_keys`): a fresh one for an instance the officer adds, the given or
implied ``"#<index>"`` one for a loaded instance, ``"#<index>"`` for one made from a
``repeat_count``. An entry holds at most :data:`MAX_INSTANCES` repeat instances.

The session is split over modules: :mod:`~survey_forms.session_tree` (instances, addressing,
counting), :mod:`~survey_forms.session_context` (what expressions read),
:mod:`~survey_forms.session_compute` (one question at one instance, and everything at once),
:mod:`~survey_forms.session_propagate` (incremental recompute), and
:mod:`~survey_forms.session_answers` (answers in and out).
"""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, cast
from weakref import proxy

from survey_forms.expressions import to_string
from survey_forms.instance_keys import new_instance_key
from survey_forms.messages import message
from survey_forms.session_answers import (
    _PLAIN_TEXT_TYPES,  # noqa: F401 (the server's tests)
    answers_of,
    load_answers,
)
from survey_forms.session_context import Context
from survey_forms.session_propagate import SessionPropagation
from survey_forms.session_tree import MAX_INSTANCES, Instance, Path
from survey_forms.validation import MAX_ISSUES, ValidationIssue, bounded, question_path
from survey_forms.values import ValueTypeError, normalize

if TYPE_CHECKING:
    from survey_forms.graph import Node
    from survey_forms.model import Choice, Form

__all__ = ["MAX_INSTANCES", "WIB", "FormSession", "Instance", "TooManyInstancesError"]

#: Western Indonesia Time (UTC+7), the default time zone of entries
WIB = timezone(timedelta(hours=7), "WIB")


class TooManyInstancesError(ValueError):
    """Adding a repeat instance would give the entry more than :data:`MAX_INSTANCES`."""


class FormSession(SessionPropagation):
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
        self.root = Instance(None)
        # the session's own context refers back to it weakly (no reference cycle: a session
        # is freed as soon as it is dropped, see Instance)
        self._ctx = Context(cast("FormSession", proxy(self)), None, self.root, ())
        self._total = 0
        self._capped = {}
        if answers is None:
            self._start_new()
        else:
            load_answers(self, self.root, answers, (), ())
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
        location = self.meta.get("location")
        for node in self.nodes.values():
            if node.depth:
                continue
            if stamps.get(node.type):
                self.root.values[node.name] = stamps[node.type]
            elif node.type == "start-geopoint" and location:
                # a bad fix is left unrecorded, as when there is none
                with suppress(ValueTypeError):
                    self.root.values[node.name] = normalize("geopoint", location)
        self._apply_defaults(self.root, (), ())

    def stamp_end(self) -> None:
        """Set every ``end`` metadata question to now (called when the entry is finalized)."""
        stamp = self.now().isoformat(timespec="milliseconds")
        for node in self.nodes.values():
            if node.type == "end" and not node.depth:
                self.set_answer(node.name, stamp)

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
        """Add an instance to the repeat ``name``; returns its index.

        The new instance gets a fresh ``"@key"``. Raises :class:`TooManyInstancesError` when the
        entry already has :data:`MAX_INSTANCES` repeat instances.
        """
        node, inst = self._locate(name, tuple(instance))
        if node.type != "repeat":
            raise ValueError(f"{name!r} is not a repeat")
        if node.repeat_count is not None:
            raise ValueError(f"the number of {name!r} instances comes from its repeat_count")
        if self._room() <= 0:
            raise TooManyInstancesError(
                f"the entry has {MAX_INSTANCES} repeat instances, the most it may have"
            )
        instances = inst.repeats.setdefault(name, [])
        child = self._new_child(inst, instances, new_instance_key())
        index = len(instances) - 1
        self._apply_defaults(child, (*node.repeat_path, name), (*instance, index))
        self._structure_changed(name, tuple(instance), new=index)
        return index

    def remove_repeat(self, name: str, index: int, instance: Path = ()) -> None:
        """Remove instance ``index`` of the repeat ``name`` (later instances move up).

        The other instances keep their ``"@key"``.
        """
        node, inst = self._locate(name, tuple(instance))
        if node.type != "repeat":
            raise ValueError(f"{name!r} is not a repeat")
        if node.repeat_count is not None:
            raise ValueError(f"the number of {name!r} instances comes from its repeat_count")
        instances = inst.repeats.get(name, [])
        if not 0 <= index < len(instances):
            raise IndexError(f"no instance {index} of {name!r}")
        self._forget(instances.pop(index))
        self._structure_changed(name, tuple(instance), moved_from=index)

    def move_repeat(self, name: str, index: int, new_index: int, instance: Path = ()) -> None:
        """Move instance ``index`` of the repeat ``name`` to ``new_index`` (with its ``"@key"``)."""
        _, inst = self._locate(name, tuple(instance))
        instances = inst.repeats.get(name, [])
        if not (0 <= index < len(instances) and 0 <= new_index < len(instances)):
            raise IndexError(f"no instance {index} or {new_index} of {name!r}")
        instances.insert(new_index, instances.pop(index))
        self._structure_changed(name, tuple(instance), moved_from=min(index, new_index))

    def errors(self, limit: int | None = MAX_ISSUES) -> list[ValidationIssue]:
        """Every current error of a relevant question, in form order.

        First the repeats that wanted more instances than :data:`MAX_INSTANCES` allows
        (``too_many_instances``). At most ``limit`` issues, then one ``too_many_issues`` issue
        that counts the rest (``None``: all of them).
        """
        out: list[ValidationIssue] = [
            ValidationIssue(
                question_path(node, path),
                "too_many_instances",
                message("too_many_instances", limit=MAX_INSTANCES, name=node.name, wanted=wanted),
            )
            for node, path, wanted in (self._capped_issues() if self._capped else ())
        ]
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
        return out if limit is None else bounded(out, limit)

    def answers(self) -> dict[str, Any]:
        """The entry's answers: relevant questions only, calculated values included."""
        return answers_of(self.root, self.form.questions)

    def instance_name(self) -> str:
        """The entry's instance_name (the form's setting), or ``""``."""
        expr = self.graph.instance_name
        if expr is None:
            return ""
        return to_string(expr.evaluate(Context(self, None, self.root, ())))

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


def _at_path(issue: ValidationIssue, node: Node, path: Path) -> ValidationIssue:
    """The issue with the path of its instance now (instances move when others are removed)."""
    if not path:
        return issue
    current = question_path(node, path)
    if current == issue.path:
        return issue
    return ValidationIssue(current, issue.code, issue.message)
