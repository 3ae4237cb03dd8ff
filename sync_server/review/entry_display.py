"""How an entry's answers are shown on the entry page: pure functions over a ``Form`` and answers.

:func:`answer_blocks` walks the form in order and returns a flat list of display blocks:

* ``{"kind": "heading", "level": n, "text": ...}`` for a group with at least one answer below it;
* ``{"kind": "field", "name", "label", "type", "text", "photo", "geo"}`` for an answered question;
* ``{"kind": "repeat", "name", "label", "columns": [...], "rows": [[cell, ...], ...]}`` for a
  repeat, one row per instance (nested repeats are shown as text inside their cell).

Labels are in the chosen language (falling back to the form's default). Unanswered questions are
left out; calculations without a label are collected in one block at the end, since they are
mostly weights and scores rather than questions.
"""

from __future__ import annotations

from typing import Any

__all__ = ["answer_blocks", "display_value", "format_geopoint", "meta_fields", "score_summary"]

META_TYPES = frozenset({"start", "end", "today", "deviceid", "username"})


def format_geopoint(value: Any) -> str:
    """``"-2.976100, 104.775400 (alt 12 m, ±5 m)"`` for a geopoint answer."""
    if not isinstance(value, dict):
        return str(value)
    try:
        text = f"{float(value['latitude']):.6f}, {float(value['longitude']):.6f}"
    except (KeyError, TypeError, ValueError):
        return str(value)
    extras = []
    if value.get("altitude") is not None:
        extras.append(f"alt {float(value['altitude']):g} m")
    if value.get("accuracy") is not None:
        extras.append(f"±{float(value['accuracy']):g} m")
    return text + (f" ({', '.join(extras)})" if extras else "")


def display_value(form: Any, question: Any, value: Any, lang: str) -> str:
    """One answer as text: choice labels for selects, numbers for geopoints, the file name for
    photos, the value itself otherwise."""
    kind = question.type
    if kind == "select_one" and question.list_name:
        return form.choice_label(question.list_name, str(value), lang)
    if kind == "select_multiple" and question.list_name:
        names = value if isinstance(value, list) else str(value).split()
        return ", ".join(form.choice_label(question.list_name, str(n), lang) for n in names)
    if kind in ("geopoint", "geotrace", "geoshape") and isinstance(value, dict):
        return format_geopoint(value)
    if isinstance(value, dict) and "sha256" in value:
        return str(value.get("filename") or value["sha256"][:12])
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _label(question: Any, lang: str, form: Any) -> str:
    return question.label(lang, form.default_language) or question.name


def _field(form: Any, question: Any, value: Any, lang: str) -> dict[str, Any]:
    photo = value if isinstance(value, dict) and "sha256" in value else None
    geo = value if question.type == "geopoint" and isinstance(value, dict) else None
    return {
        "kind": "field",
        "name": question.name,
        "label": _label(question, lang, form),
        "type": question.type,
        "text": display_value(form, question, value, lang),
        "photo": photo,
        "geo": geo,
    }


def _has_answer(question: Any, answers: dict[str, Any]) -> bool:
    if question.is_repeat:
        return bool(answers.get(question.name))
    if question.is_group:
        return any(_has_answer(child, answers) for child in question.children)
    return question.stores_value and question.name in answers


def _repeat_cell(form: Any, question: Any, value: Any, lang: str) -> str:
    if question.is_repeat:
        parts = []
        for i, item in enumerate(value if isinstance(value, list) else [], start=1):
            inner = [
                f"{_label(child, lang, form)}: {_repeat_cell(form, child, item[child.name], lang)}"
                for child in _leaf_questions(question)
                if isinstance(item, dict) and child.name in item
            ]
            parts.append(f"#{i} " + "; ".join(inner))
        return " | ".join(parts)
    return display_value(form, question, value, lang)


def _leaf_questions(repeat: Any) -> list[Any]:
    """The questions that are columns of a repeat's table (groups inside it flattened)."""
    out = []
    for child in repeat.children:
        if child.is_repeat:
            out.append(child)
        elif child.is_group:
            out.extend(_leaf_questions(child))
        elif child.stores_value and child.type not in META_TYPES:
            out.append(child)
    return out


def _repeat_block(form: Any, question: Any, items: Any, lang: str) -> dict[str, Any]:
    columns = _leaf_questions(question)
    rows = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        rows.append(
            [
                {
                    "text": _repeat_cell(form, col, item[col.name], lang)
                    if col.name in item
                    else "",
                    "photo": item.get(col.name) if col.type == "image" else None,
                }
                for col in columns
            ]
        )
    return {
        "kind": "repeat",
        "name": question.name,
        "label": _label(question, lang, form),
        "columns": [_label(col, lang, form) for col in columns],
        "rows": rows,
    }


def _walk(
    form: Any,
    questions: list[Any],
    answers: dict[str, Any],
    lang: str,
    level: int,
    out: list[dict[str, Any]],
    calculated: list[dict[str, Any]],
) -> None:
    for question in questions:
        if question.is_repeat:
            if answers.get(question.name):
                out.append(_repeat_block(form, question, answers[question.name], lang))
        elif question.is_group:
            if _has_answer(question, answers):
                out.append(
                    {"kind": "heading", "level": level, "text": _label(question, lang, form)}
                )
                _walk(form, question.children, answers, lang, level + 1, out, calculated)
        elif question.stores_value and question.name in answers:
            if question.type in META_TYPES:
                continue
            block = _field(form, question, answers[question.name], lang)
            if question.type == "calculate" and not question.labels:
                calculated.append(block)
            else:
                out.append(block)


def answer_blocks(form: Any, answers: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The display blocks of an entry's answers, in form order (see the module docstring)."""
    out: list[dict[str, Any]] = []
    calculated: list[dict[str, Any]] = []
    _walk(form, form.questions, answers, lang, 2, out, calculated)
    if calculated:
        out.append({"kind": "calculated", "fields": calculated})
    return out


def meta_fields(form: Any, answers: dict[str, Any]) -> list[tuple[str, str]]:
    """The form's metadata answers (start, end, today, device id, user name) as (name, value)."""
    out = []
    for question in form.questions_in_order():
        if question.type in META_TYPES and question.name in answers:
            out.append((question.name, str(answers[question.name])))
    return out


def _finding(form: Any, group: Any, answers: dict[str, Any], lang: str) -> dict[str, Any] | None:
    """An indicator group's finding: its first ``select_one`` question named ``hasil_*``."""
    for child in group.children:
        if child.type == "select_one" and child.name.startswith("hasil_"):
            value = answers.get(child.name)
            return {
                "label": _label(group, lang, form),
                "code": value,
                "text": display_value(form, child, value, lang) if value is not None else "",
            }
    return None


def _number(value: Any) -> str:
    if value is None or value == "":
        return ""
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError, OverflowError):
        return str(value)[:40]


def score_summary(
    form: Any, answers: dict[str, Any], lang: str, labels: dict[str, str]
) -> dict[str, Any]:
    """The scores to show at the top of an entry page.

    ``components``: each group holding a calculation named ``skor_*`` (the observation form's
    ``komponen_N`` groups with ``skor_kN``), with the group's label ("Komponen 1: Tata Kelola
    ..."), its score and the finding of each indicator group inside it (a group holding a
    ``hasil_*`` choice). ``totals``: the top-level calculations that ``labels`` names (the
    overall score, the IKM and its grade), labelled from ``labels``. Raw calculation names such
    as ``bobot_berlaku_k1`` are not part of it (the entry page keeps them in a details view).
    """
    components = []
    for group in form.questions_in_order():
        if not group.is_group or group.is_repeat:
            continue
        score_q = next(
            (c for c in group.children if c.type == "calculate" and c.name.startswith("skor_")),
            None,
        )
        if score_q is None:
            continue
        indicators = [
            found
            for child in group.children
            if child.is_group and not child.is_repeat
            for found in [_finding(form, child, answers, lang)]
            if found is not None
        ]
        components.append(
            {
                "name": score_q.name,
                "label": _label(group, lang, form),
                "score": _number(answers.get(score_q.name)),
                "indicators": indicators,
            }
        )
    totals = [
        {"name": q.name, "label": labels[q.name], "value": _number(answers.get(q.name))}
        for q in form.questions_in_order()
        if q.type == "calculate" and q.name in labels and q.name in answers
    ]
    return {"components": components, "totals": totals}
