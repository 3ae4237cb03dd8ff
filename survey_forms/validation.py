"""Validation of a complete entry, as the server does it for every synced entry.

:func:`validate_answers` checks the shape of the answers (unknown fields, repeats as lists of
objects, value types), then runs a :class:`~survey_forms.session.FormSession` over them to find
required answers that are missing, constraints that fail, choices that are not in their (filtered)
list, answers given to questions that are not relevant, and repeats whose number of instances does
not match their ``repeat_count``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from survey_forms.instance_keys import KEY, key_problems
from survey_forms.messages import message
from survey_forms.session_tree import MAX_INSTANCES

if TYPE_CHECKING:
    from survey_forms.graph import Node
    from survey_forms.model import Form
    from survey_forms.session import FormSession, Instance

__all__ = [
    "MAX_ISSUES",
    "ValidationIssue",
    "bounded",
    "question_path",
    "validate_answers",
    "validate_with_session",
]

#: The most issues one validation (or ``FormSession.errors()``) lists; the rest are counted in
#: one more issue (``too_many_issues``). A hostile or broken entry cannot make the answer (a
#: push response, a review page) grow without bound.
MAX_ISSUES = 200


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    """One problem with an answer.

    ``path`` names the answer (``"ind_01_temuan"``, ``"temuan[0]/rekomendasi"``), ``code`` is one
    of ``required``, ``constraint``, ``type``, ``unknown_field``, ``invalid_choice``,
    ``repeat_shape`` (also a malformed or duplicate ``"@key"``, on the instance's path),
    ``repeat_count``, ``not_relevant``, ``too_many_instances`` (a repeat that would take the entry
    over ``MAX_INSTANCES``) and ``too_many_issues`` (path ``""``: how many issues were left out);
    ``message`` holds ``id`` and ``en`` texts.
    """

    path: str
    code: str
    message: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        """The issue as plain JSON (API responses)."""
        return {"path": self.path, "code": self.code, "message": dict(self.message)}


def question_path(node: Node, instance: tuple[int, ...]) -> str:
    """The path of a question at a repeat instance: ``"temuan[1]/rekomendasi"``."""
    parts = [f"{repeat}[{index}]" for repeat, index in zip(node.repeat_path, instance, strict=True)]
    parts.append(node.name)
    return "/".join(parts)


def validate_answers(form: Form, answers: Any) -> list[ValidationIssue]:
    """Validate a complete entry's ``answers`` against ``form``; ``[]`` means valid."""
    return validate_with_session(form, answers)[0]


def validate_with_session(
    form: Form, answers: Any, now: datetime | None = None
) -> tuple[list[ValidationIssue], FormSession | None]:
    """:func:`validate_answers`, also giving the validation session it ran (``None`` when
    ``answers`` is not an object). The session was built with ``validation_only``: it holds
    every value validation needs, not the calculations that only feed notes
    (:func:`survey_forms.recompute.validate_and_recalculate` completes them)."""
    if not isinstance(answers, dict):
        return [ValidationIssue("", "repeat_shape", message("not_an_object"))], None
    issues: list[ValidationIssue] = []
    _check_shape(form, answers, (), "", issues, [MAX_INSTANCES])
    from survey_forms.session import FormSession

    meta = {"now": now} if now is not None else None  # now()/today() as of that moment
    session = FormSession(form, answers, meta, validation_only=True)
    issues.extend(session.errors(limit=None))
    _check_relevance_and_counts(form, session, answers, issues)
    return bounded(issues), session


def bounded(issues: list[ValidationIssue], limit: int = MAX_ISSUES) -> list[ValidationIssue]:
    """The first ``limit`` issues, plus one ``too_many_issues`` issue counting the rest."""
    if len(issues) <= limit:
        return issues
    rest = len(issues) - limit
    summary = ValidationIssue("", "too_many_issues", message("too_many_issues", count=rest))
    return [*issues[:limit], summary]


def _check_shape(
    form: Form,
    answers: dict[str, Any],
    repeat_path: tuple[str, ...],
    prefix: str,
    issues: list[ValidationIssue],
    budget: list[int],
) -> None:
    """Check names and repeat shapes; ``budget[0]``: how many more instances to look into.

    Only the first :data:`MAX_INSTANCES` instances (all lists together) are looked into: the
    session reports an entry with more as ``too_many_instances``, and the work (and the issues)
    stay bounded whatever the size of the answers.
    """
    level = form.graph.answer_nodes.get(repeat_path, {})
    for name, value in answers.items():
        if name == KEY and repeat_path:
            continue  # an instance's identity (checked with its list below), not an answer
        node = level.get(name)
        if node is None:
            issues.append(
                ValidationIssue(
                    f"{prefix}{name}", "unknown_field", message("unknown_field", name=name)
                )
            )
            continue
        if node.type == "repeat":
            path = f"{prefix}{name}"
            looked = value[: max(budget[0], 0)] if isinstance(value, list) else None
            if looked is None or not all(isinstance(item, dict) for item in looked):
                issues.append(ValidationIssue(path, "repeat_shape", message("repeat_shape")))
                continue
            budget[0] -= len(looked)
            for index, reason in key_problems(looked):
                issues.append(
                    ValidationIssue(
                        f"{path}[{index}]", "repeat_shape", message(f"repeat_key_{reason}")
                    )
                )
            inner = (*repeat_path, name)
            for index, item in enumerate(looked):
                _check_shape(form, item, inner, f"{path}[{index}]/", issues, budget)
        # value types are checked by the session, which keeps a bad value and flags it


def _check_relevance_and_counts(
    form: Form, session: FormSession, answers: dict[str, Any], issues: list[ValidationIssue]
) -> None:
    _walk(form, session, session.root, answers, (), (), issues)


def _walk(
    form: Form,
    session: FormSession,
    inst: Instance,
    answers: dict[str, Any],
    repeat_path: tuple[str, ...],
    path: tuple[int, ...],
    issues: list[ValidationIssue],
) -> None:
    level = form.graph.answer_nodes.get(repeat_path, {})
    relevant = inst.relevant
    for name, value in answers.items():
        node = level.get(name)
        if node is None:
            continue
        if value is None or value == "" or value == [] or node.type == "calculate":
            continue  # empty (values.is_empty, inlined: this runs for every answer)
        if not relevant.get(name, False):
            issues.append(
                ValidationIssue(question_path(node, path), "not_relevant", message("not_relevant"))
            )
            continue
        if node.type == "repeat" and isinstance(value, list):
            children = inst.repeats.get(name, [])
            if node.repeat_count is not None and len(children) != len(value):
                issues.append(
                    ValidationIssue(
                        question_path(node, path),
                        "repeat_count",
                        message("repeat_count", expected=len(children), actual=len(value)),
                    )
                )
            for index, (item, child) in enumerate(zip(value, children, strict=False)):
                if isinstance(item, dict):
                    _walk(form, session, child, item, (*repeat_path, name), (*path, index), issues)
