"""Field-level differences between revisions, and setting one answer by its path.

Paths follow the shared contract: ``"ind_1"``, ``"temuan[0]/temuan_teks"`` (0-based repeat
indexes). :func:`flatten` turns answers into ``{path: value}``; :func:`diff_answers` compares two
such maps; :func:`set_path` writes one value into a copy of an answers object (``None`` removes
the answer), which conflict resolution uses.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from survey_forms.instance_keys import KEY

__all__ = ["diff_answers", "flatten", "history_with_diffs", "human_path", "set_path"]

_STEP_RE = re.compile(r"^([^\[\]/]+)(?:\[(\d+)\])?$")


def flatten(answers: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Every leaf answer under its path; repeats expand to ``name[i]/child``.

    A repeat instance's ``"@key"`` is its identity, not an answer: it is left out.
    """
    out: dict[str, Any] = {}
    for key, value in answers.items():
        if key == KEY and prefix:
            continue
        path = f"{prefix}{key}"
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for i, item in enumerate(value):
                out.update(flatten(item, f"{path}[{i}]/"))
        else:
            out[path] = value
    return out


def diff_answers(old: dict[str, Any] | None, new: dict[str, Any]) -> list[dict[str, Any]]:
    """``[{"path", "old", "new"}]`` for every path whose value differs (``None`` = absent)."""
    before = flatten(old or {})
    after = flatten(new)
    changes = []
    for path in sorted(set(before) | set(after)):
        a, b = before.get(path), after.get(path)
        if a != b:
            changes.append({"path": path, "old": a, "new": b})
    return changes


def human_path(path: str) -> str:
    """A path as people read it: repeat indexes 1-based (``temuan #1 / temuan_teks``)."""
    return re.sub(r"\[(\d+)\]", lambda m: f" #{int(m.group(1)) + 1}", path).replace("/", " / ")


def history_with_diffs(
    revisions: list[dict[str, Any]], answers_by_rev: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The revision history (oldest first) with each revision's changes against its first parent.

    ``revisions`` are rows with ``rev``, ``parent_rev``, ``author``, ``author_kind``,
    ``created_at``; ``answers_by_rev`` maps each rev to its answers.
    """
    out = []
    for item in revisions:
        parent = item.get("parent_rev")
        old = answers_by_rev.get(parent) if parent else None
        new = answers_by_rev.get(item["rev"], {})
        out.append({**item, "changes": diff_answers(old, new)})
    return out


def _steps(path: str) -> list[tuple[str, int | None]]:
    steps = []
    for part in path.split("/"):
        match = _STEP_RE.match(part)
        if not match:
            raise ValueError(f"bad answer path {path!r}")
        steps.append((match.group(1), int(match.group(2)) if match.group(2) else None))
    return steps


def set_path(answers: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``answers`` with the answer at ``path`` set to ``value`` (``None`` removes it).

    Raises ``ValueError`` for a malformed path or a repeat index that does not exist.
    """
    result = copy.deepcopy(answers)
    node: Any = result
    steps = _steps(path)
    for name, index in steps[:-1]:
        if index is None:
            raise ValueError(f"bad answer path {path!r}")
        items = node.get(name)
        if not isinstance(items, list) or index >= len(items):
            raise ValueError(f"no repeat instance {name}[{index}] in {path!r}")
        node = items[index]
    name, index = steps[-1]
    if index is not None:
        items = node.get(name)
        if not isinstance(items, list) or index >= len(items):
            raise ValueError(f"no repeat instance {name}[{index}] in {path!r}")
        if value is None:
            items.pop(index)
        else:
            items[index] = value
    elif value is None:
        node.pop(name, None)
    else:
        node[name] = value
    return result
