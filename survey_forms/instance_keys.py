"""Stable identities of repeat instances (the reserved ``"@key"`` of each instance object).

An entry stores a repeat as a list of objects: ``answers["temuan"] = [{...}, {...}]``. Each
instance object may carry the reserved key ``"@key"``: a string of 1-64 characters from
``[A-Za-z0-9_.:#-]``, unique within its list. XLSForm names cannot contain ``"@"``, so the key
can never clash with a question.

An instance without ``"@key"`` (stored before keys existed, or sent by an old tablet) has the
*implied* key ``"#<its 0-based index in its list>"``. :func:`instance_key` is the one place that
rule lives: the server's merge, validation and the tablet's session all use it, so a tablet that
loads a legacy entry sends the same keys the server implies for it.

Fresh keys (:func:`new_instance_key`) are uuid4 hex (32 characters, no ``"#"``), so they never
collide with implied ones.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from survey_forms.model import Form

__all__ = [
    "KEY",
    "KEY_RE",
    "implied_key",
    "instance_key",
    "is_valid_key",
    "key_problems",
    "new_instance_key",
    "strip_keys",
    "with_keys",
]

#: The reserved name of an instance's key inside its object.
KEY = "@key"

#: What a key looks like: 1-64 characters from ``[A-Za-z0-9_.:#-]`` (the whole string).
KEY_RE = re.compile(r"[A-Za-z0-9_.:#-]{1,64}")


def is_valid_key(value: Any) -> bool:
    """Whether ``value`` is a well-formed instance key (a string matching :data:`KEY_RE`)."""
    return isinstance(value, str) and KEY_RE.fullmatch(value) is not None


def implied_key(index: int) -> str:
    """The key of a keyless instance at 0-based ``index`` in its list: ``"#<index>"``."""
    return f"#{index}"


def instance_key(instance: Any, index: int) -> str:
    """The key of the repeat ``instance`` at 0-based ``index`` in its list.

    Its ``"@key"`` when it has one, the implied ``"#<index>"`` otherwise. A malformed ``"@key"``
    is returned as given when it is a string (validation reports it); a non-string one counts as
    absent.
    """
    if isinstance(instance, dict):
        key = instance.get(KEY)
        if isinstance(key, str):
            return key
    return implied_key(index)


def new_instance_key() -> str:
    """A fresh key for an instance created now: uuid4 hex, 32 characters."""
    return uuid.uuid4().hex


def key_problems(instances: list[Any]) -> list[tuple[int, str]]:
    """The instances of one list whose key is malformed or a duplicate: ``(index, reason)``.

    ``reason`` is ``"malformed"`` or ``"duplicate"`` (the second and later holders of a key;
    a keyless instance's implied key counts, so ``[{"@key": "#1"}, {}]`` is a duplicate).
    """
    problems: list[tuple[int, str]] = []
    seen: set[str] = set()
    for index, item in enumerate(instances):
        if isinstance(item, dict) and KEY in item and not is_valid_key(item[KEY]):
            problems.append((index, "malformed"))
            continue
        key = instance_key(item, index)
        if key in seen:
            problems.append((index, "duplicate"))
        seen.add(key)
    return problems


def with_keys(answers: Any, form: Form) -> Any:
    """A copy of ``answers`` where every repeat instance (at any depth) has its ``"@key"``.

    Keyless instances get their implied key; given keys are kept. Deterministic: the same
    answers always give the same result. Values that are not repeats are shared, not copied;
    anything that does not have the answers' shape is returned as it is.
    """
    return _map(answers, form, (), _fill_key)


def strip_keys(answers: Any, form: Form) -> Any:
    """A copy of ``answers`` without any ``"@key"`` (for comparing content only)."""
    return _map(answers, form, (), _drop_key)


def _fill_key(item: dict[str, Any], index: int) -> dict[str, Any]:
    if KEY in item:
        return item
    return {KEY: implied_key(index), **item}


def _drop_key(item: dict[str, Any], index: int) -> dict[str, Any]:
    if KEY not in item:
        return item
    return {name: value for name, value in item.items() if name != KEY}


def _map(answers: Any, form: Form, repeat_path: tuple[str, ...], change: Any) -> Any:
    if not isinstance(answers, dict):
        return answers
    nodes = form.graph.nodes
    out: dict[str, Any] = {}
    for name, value in answers.items():
        node = nodes.get(name)
        if (
            node is not None
            and node.type == "repeat"
            and node.repeat_path == repeat_path
            and isinstance(value, list)
        ):
            inner = (*repeat_path, name)
            out[name] = [
                _map(change(item, index), form, inner, change) if isinstance(item, dict) else item
                for index, item in enumerate(value)
            ]
        else:
            out[name] = value
    return out
