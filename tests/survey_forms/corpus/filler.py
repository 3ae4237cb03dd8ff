"""A small filler: walks a form the way an officer would, answering every relevant question
with a value of its type, and trying other values when a constraint or a choice list refuses
one. Used to check that real-world forms can be filled and validated."""

from __future__ import annotations

from typing import Any

from survey_forms import Form
from survey_forms.model import Question
from survey_forms.ranges import check_range_parameters
from survey_forms.session import FormSession
from tests.survey_forms.formtools import fixed_meta

__all__ = ["fill"]

_POINT = {"latitude": -2.9761, "longitude": 104.7754, "altitude": 12.0, "accuracy": 4.0}
_SHAPE = [
    {"latitude": -2.9761, "longitude": 104.7754},
    {"latitude": -2.9761, "longitude": 104.7764},
    {"latitude": -2.9771, "longitude": 104.7764},
    {"latitude": -2.9761, "longitude": 104.7754},
]
_SHA = "ab" * 32
_FILES = {
    "image": ("photo.jpg", "image/jpeg"),
    "audio": ("voice.m4a", "audio/mp4"),
    "video": ("clip.mp4", "video/mp4"),
    "file": ("doc.pdf", "application/pdf"),
}
_TEXTS = ["Palembang", "1671012345678901", "081234567890", "petugas@example.org", "2"]
_INTEGERS = [2, 1, 5, 20, 0, 3, 100]
_DECIMALS = [2.5, 1, 10, 36.6, 0.5, 1000000]
_FIXED: dict[str, list[Any]] = {
    "date": ["2024-08-12", "2000-01-01", "2024-08-13"],
    "time": ["09:30:00.000+07:00"],
    "dateTime": ["2024-08-13T09:30:00.000+07:00"],
    "geopoint": [_POINT],
    "geotrace": [{"points": _SHAPE[:3]}],
    "geoshape": [{"points": _SHAPE}],
    "barcode": ["8991234567890"],
    "acknowledge": ["OK"],
}


def _candidates(session: FormSession, question: Question, instance: tuple[int, ...]) -> list[Any]:
    qtype = question.type
    if qtype == "text":
        return _TEXTS
    if qtype == "integer":
        return _INTEGERS
    if qtype == "decimal":
        return _DECIMALS
    if qtype == "range":
        start, end, step = check_range_parameters(question.parameters)
        direction = 1 if end >= start else -1
        return [start + direction * step, start, end]
    if qtype in _FILES:
        filename, media_type = _FILES[qtype]
        return [{"sha256": _SHA, "filename": filename, "media_type": media_type}]
    if qtype in {"select_one", "select_multiple", "rank"}:
        names = [choice.name for choice in session.choices(question.name, instance)]
        if qtype == "select_one":
            return names
        if qtype == "rank":
            return [names] if names else []
        return [names[:1], names[1:2], names[:2]] if names else []
    return _FIXED.get(qtype, [])


def _answer(session: FormSession, question: Question, instance: tuple[int, ...]) -> None:
    if not session.is_relevant(question.name, instance) or session.is_read_only(
        question.name, instance
    ):
        return
    for value in _candidates(session, question, instance):
        if value in ([], ""):
            continue
        session.set_answer(question.name, value, instance)
        if session.error(question.name, instance) is None:
            return
    if not session.is_required(question.name, instance):
        session.set_answer(question.name, None, instance)


def _walk(session: FormSession, questions: list[Question], instance: tuple[int, ...]) -> None:
    for question in questions:
        if question.type == "group":
            if session.is_relevant(question.name, instance):
                _walk(session, question.children, instance)
        elif question.type == "repeat":
            if not session.is_relevant(question.name, instance):
                continue
            if question.repeat_count is None:
                for _ in range(2):
                    session.add_repeat(question.name, instance)
            for index in range(session.repeat_count(question.name, instance)):
                _walk(session, question.children, (*instance, index))
        elif question.type in _ANSWERED:
            _answer(session, question, instance)


_ANSWERED = frozenset(
    {
        "text",
        "integer",
        "decimal",
        "range",
        "date",
        "time",
        "dateTime",
        "select_one",
        "select_multiple",
        "rank",
        "geopoint",
        "geotrace",
        "geoshape",
        "image",
        "audio",
        "video",
        "file",
        "barcode",
        "acknowledge",
    }
)


def fill(form: Form) -> dict[str, Any]:
    """Answers for ``form``, as a tablet would send them."""
    session = FormSession(form, None, fixed_meta())
    for question in form.questions:
        if question.type == "start-geopoint":
            session.set_answer(question.name, _POINT)
    _walk(session, form.questions, ())
    session.stamp_end()
    return session.answers()
