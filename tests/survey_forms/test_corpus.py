"""The real-world XLSForm corpus (``corpus/``): every form loads, fills and validates, or is
refused with a FormError giving a reason in Indonesian and English; never a crash."""

from __future__ import annotations

import json

import pytest

from survey_forms import Form, FormError, load_xlsform
from tests.survey_forms.corpus.filler import fill
from tests.survey_forms.corpus.make_corpus import ALL_FORMS, FORMS_DIR, render
from tests.survey_forms.corpus.run import FORMS_DIR as RUN_DIR
from tests.survey_forms.corpus.run import check_one, media, run

TARGET = 0.70


def test_the_corpus_files_are_the_generator_output() -> None:
    assert sorted(path.name for path in FORMS_DIR.iterdir()) == sorted(ALL_FORMS)
    for name, text in ALL_FORMS.items():
        if not name.endswith(".xlsx"):  # an .xlsx file carries its save time
            assert (FORMS_DIR / name).read_bytes() == render(name, text), name


def test_the_corpus_has_forty_forms_in_every_file_type() -> None:
    suffixes = [name.rsplit(".", 1)[1] for name in ALL_FORMS]
    assert len(suffixes) >= 40
    assert {"md", "csv", "xlsx"} <= set(suffixes)


@pytest.mark.parametrize("name", sorted(ALL_FORMS))
def test_each_form_goes_through_or_is_refused_with_a_reason(name: str) -> None:
    outcome = check_one(RUN_DIR / name, media())
    assert outcome.status != "crash", outcome.reason
    assert outcome.status != "invalid", outcome.reason
    if outcome.status == "refused":
        with pytest.raises(FormError) as caught:
            load_xlsform(RUN_DIR / name, media=media())
        message = caught.value.message
        assert set(message) == {"id", "en"} and message["id"] != message["en"]
        assert caught.value.sheet and caught.value.sheet in message["id"]


def test_the_share_that_loads_fills_and_validates_meets_the_target() -> None:
    report = run()
    assert report.share >= TARGET, report.summary()


@pytest.mark.parametrize("name", sorted(ALL_FORMS))
def test_a_loaded_form_is_filled_and_travels_as_json_to_the_tablet(name: str) -> None:
    """The compiled JSON a tablet downloads carries everything (choices read from files too):
    the form rebuilt from it accepts the same answers."""
    try:
        form = load_xlsform(RUN_DIR / name, media=media())
    except FormError:
        return
    answers = fill(form)
    assert answers, "the filler answered nothing"
    # the choice files travel beside the compiled JSON (the tablet downloads them with it)
    rebuilt = Form.from_json(json.loads(json.dumps(form.to_json())), media=form.media_data)
    assert rebuilt.choices == form.choices
    if form.choice_files:
        with pytest.raises(FormError, match="missing"):
            Form.from_json(form.to_json())
    assert [issue.to_json() for issue in rebuilt.validate(answers)] == []
