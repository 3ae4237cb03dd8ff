"""The server validates every pushed entry; ``FormSession`` loads plain text answers without
calling ``normalize`` (a fast path). These tests keep that shortcut equal to ``normalize``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from survey_forms import load_pilot_form
from survey_forms.session import _PLAIN_TEXT_TYPES, FormSession
from survey_forms.values import ValueTypeError, normalize

FIXTURE = Path(__file__).resolve().parent.parent / "survey_forms/fixtures/observasi_complete.json"
TEXTS = ["a", " ", "  Kantor Camat  ", "ya", "é\n\t", "\x00", "2024-08-13", "0"]


@pytest.mark.parametrize("qtype", [*sorted(_PLAIN_TEXT_TYPES), "select_one"])
def test_plain_text_types_normalise_to_the_same_string(qtype: str) -> None:
    for text in TEXTS:
        if qtype == "select_one" and text.isspace():
            with pytest.raises(ValueTypeError):
                normalize(qtype, text)
        else:
            assert normalize(qtype, text) == text


def test_blank_select_one_is_still_a_type_error() -> None:
    form = load_pilot_form("observasi")
    answers = json.loads(FIXTURE.read_text("utf-8"))
    name = next(
        key
        for key, value in answers.items()
        if form.graph.nodes[key].type == "select_one" and isinstance(value, str)
    )
    answers[name] = "   "
    session = FormSession(form, answers, None, validation_only=True)
    assert name in session.root.type_errors
    assert [i.code for i in form.validate(answers) if i.path == name] == ["type"]
