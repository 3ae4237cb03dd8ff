"""Form.to_json / Form.from_json round trips."""

from __future__ import annotations

import json

import pytest

from survey_forms import Form, FormError
from tests.survey_forms.formtools import fixed_meta, md_form
from tests.survey_forms.test_session import REPEAT, SKIP


@pytest.mark.parametrize("text", [SKIP, REPEAT])
def test_round_trip_is_identical_and_stable(text: str) -> None:
    form = md_form(text)
    data = form.to_json()
    encoded = json.dumps(data, ensure_ascii=False)
    again = Form.from_json(json.loads(encoded))
    assert again.to_json() == data
    # stable key order: serialising twice gives the same bytes
    assert json.dumps(again.to_json(), ensure_ascii=False) == encoded
    assert list(data) == [
        "format",
        "form_id",
        "version",
        "title",
        "default_language",
        "languages",
        "instance_name",
        "settings",
        "questions",
        "choices",
    ]


def test_rebuilt_form_behaves_the_same() -> None:
    form = md_form(REPEAT)
    again = Form.from_json(json.loads(json.dumps(form.to_json())))
    a, b = form.new_session(meta=fixed_meta()), again.new_session(meta=fixed_meta())
    for s in (a, b):
        for age in (18, 3):
            s.set_answer("usia", age, (s.add_repeat("anggota"),))
    assert a.state() == b.state()


def test_from_json_rejects_foreign_data() -> None:
    with pytest.raises(FormError, match="not a compiled form"):
        Form.from_json({"hello": "world"})
    broken = md_form(SKIP).to_json()
    del broken["questions"]
    with pytest.raises(FormError, match="incomplete"):
        Form.from_json(broken)
    bad_expr = md_form(SKIP).to_json()
    bad_expr["questions"][1]["relevant"] = "${umur} >"
    with pytest.raises(FormError, match="relevant"):
        Form.from_json(bad_expr)
