"""One word for an entry, "isian" only for repeat items, English plurals, tidy draft names.

The scans cover every text the tablet shows: its UI catalogs (``field_app/ui_texts``), its
core catalogs (``field_app/translations``) and the validation messages of the shared core
(``survey_forms/translations/messages.json``), which the tablet shows next to a question.
"""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from field_app import messages
from field_app.ui import texts
from field_app.ui.texts import tidy_name, tr

#: Indonesian texts whose "isian" is a repeat item (one instance of a repeat group), by key
REPEAT_ITEM_KEYS = {
    "form.repeat.count": "the number of items of a repeat group",
    "form.repeat.remove_confirm": "removes one item of a repeat group",
    "form.repeat.too_many": "the entry's limit of repeat items",
    "sf:repeat_key_malformed": "the @key of a repeat item",
    "sf:repeat_key_duplicate": "the @key of a repeat item, used by another item",
    "sf:repeat_count": "the number of items a repeat group must have",
    "sf:too_many_instances": "repeat items asked for, and the entry's limit of them",
}
#: Indonesian texts where "formulir" is a form (the questionnaire), never one entry, by key
FORM_KEYS = {
    "first_run.intro": "forms can be filled without signal",
    "home.forms": "the forms on the tablet",
    "home.no_forms": "no forms on the tablet yet",
    "store.file.forms": "the saved forms (data file)",
    "sync.progress.forms": "downloading the forms",
    "sf:unknown_field": "a field that the form does not have",
}
#: English texts where "record" (the noun) is not an entry, by key
RECORD_KEYS = {
    "store.set_aside.moved": "records of a damaged data file (entries, settings or forms)",
}
#: "record" as a noun: after an article or a count, or a plural form ("{n:record|records}")
_RECORD_NOUN = re.compile(r"[:|]records?\b|\b(?:a|an|the|this|that|one|each|every)\s+records?\b",
                          re.I)


def _catalogs(lang: str) -> dict[str, str]:
    """Every tablet text of ``lang`` by key (validation messages as ``sf:<code>``)."""
    shared = json.loads(resources.files("survey_forms").joinpath(
        "translations/messages.json").read_text("utf-8"))
    return {**messages.catalog(lang), **texts.ui_catalog(lang),
            **{f"sf:{code}": both[lang] for code, both in shared.items()}}


def test_an_entry_is_entri_and_isian_is_a_repeat_item() -> None:
    indonesian = _catalogs("id")
    isian = {key for key, value in indonesian.items() if re.search(r"\bisian", value, re.I)}
    assert isian == set(REPEAT_ITEM_KEYS), (
        "an entry is 'entri'; 'isian' only for a repeat item (add the key with a reason): "
        f"{ {key: indonesian.get(key) for key in isian ^ set(REPEAT_ITEM_KEYS)} }")
    formulir = {key for key, value in indonesian.items()
                if re.search(r"\bformulir", value, re.I)}
    assert formulir == set(FORM_KEYS), (
        "an entry is not a 'formulir': "
        f"{ {k: indonesian.get(k) for k in formulir ^ set(FORM_KEYS)} }")
    for key in ("home.entries", "entries.title"):
        assert tr(key, "id") == "Entri"
    assert tr("home.new_entry", "id", title="Observasi") == "Entri baru: Observasi"

    english = _catalogs("en")
    wrong = {key: value for key, value in english.items()
             if re.search(r"\b(submission|instance)s?\b", value, re.I)}
    assert not wrong, wrong
    records = {key for key, value in english.items() if _RECORD_NOUN.search(value)}
    assert records == set(RECORD_KEYS), {k: english.get(k) for k in records ^ set(RECORD_KEYS)}
    assert messages.text("entry.error.invalid", "en").startswith("The entry is incomplete")
    assert messages.text("entry.error.invalid", "id").startswith("Entri belum lengkap")


#: a number placeholder, then (after at most one adjective) a plural English noun
_BARE_COUNT = re.compile(
    r"\{(?P<n>\w+)\}\s+(?!\{(?P=n):)(?:(?!of\b|in\b|and\b|at\b|to\b|for\b|by\b)[a-z]+\s+)?"
    r"(?P<noun>[a-z]+s)\b")
_NOT_NOUNS = {"is", "was", "has", "does", "exists", "its", "this", "always", "waits"}


def test_english_counts_agree_with_their_nouns() -> None:
    # a count placed before a plural noun must choose its form: {n} {n:entry|entries}
    wrong = {key: value for key, value in _catalogs("en").items()
             if "(s)" in value or any(m.group("noun") not in _NOT_NOUNS
                                      for m in _BARE_COUNT.finditer(value))}
    assert not wrong, wrong
    # the scan finds the class: the texts before the plural forms were added
    for old in ("{count} points (at least {minimum})", "in {timeout} seconds.",
                "Showing {shown} of {total} entries", "{n} unsent entries stay"):
        assert _BARE_COUNT.search(old), old


#: (catalog key, its count parameter, the other parameters): English at 1 and at 2
COUNTED = [
    ("sync.ok", "sent", {}),
    ("sync.ok_changes", "sent", {"changed": 2}),
    ("sync.error.entry_rejected", "count", {}),
    ("sync.error.photo_refused", "entries", {"filename": "a.jpg"}),
    ("sync.error.photo_problems", "entries", {"names": "A"}),
    ("photo.problem.intro", "count", {}),
    ("entries.photo_problem", "count", {}),
    ("entries.shown", "total", {"shown": 1}),
    ("form.summary.blocked", "count", {}),
    ("settings.sign_out_confirm", "unsent", {}),
    ("store.set_aside.intro", "count", {}),
    ("form.shape.trace", "count", {"minimum": 2, "length": 10}),
    ("form.geo.timeout_none", "timeout", {}),
]


@pytest.mark.parametrize(("key", "count", "others"), COUNTED)
def test_count_messages_read_right_at_one_and_two(key: str, count: str,
                                                  others: dict[str, object]) -> None:
    one = tr(key, "en", **{count: 1}, **others)
    two = tr(key, "en", **{count: 2}, **others)
    assert "{" not in one and "{" not in two, (one, two)
    assert one != two, "the count did not choose a form"
    # the word after the count: singular at 1, plural at 2
    noun_one = re.search(r"\b1 (?:more |unsent |data )?(\w+)", one).group(1)
    noun_two = re.search(r"\b2 (?:more |unsent |data )?(\w+)", two).group(1)
    assert not noun_one.endswith("s") or noun_one == "is", one
    assert noun_two.endswith("s") or noun_two in {"entries", "are"}, two
    # Indonesian has one form and the same count
    assert "1" in tr(key, "id", **{count: 1}, **others)


def test_known_count_texts() -> None:
    assert messages.text("sync.ok", "en", sent=1) == "Sync finished: 1 entry sent."
    assert messages.text("sync.ok", "en", sent=3) == "Sync finished: 3 entries sent."
    assert messages.text("sync.ok_changes", "en", sent=1, changed=2) == (
        "Sync finished: 1 entry sent, 2 entries changed on the server for you.")
    assert tr("form.summary.blocked", "en", count=1).startswith("1 thing still blocks")
    assert tr("form.summary.blocked", "en", count=44).startswith("44 things still block")
    assert tr("entries.shown", "en", shown=1, total=1) == "Showing 1 of 1 entry"
    assert tr("form.shape.trace", "en", count=1, minimum=2, length=0) == (
        "1 point (at least 2), length 0 m")
    assert messages.text("sync.ok", "id", sent=1) == "Sinkronisasi selesai: 1 entri terkirim."
    # the clock's units follow the amount
    assert messages.text("clock.unit.days", "en", amount=1) == "day"
    assert messages.text("clock.unit.days", "en", amount=3) == "days"
    assert messages.text("clock.unit.days", "id", amount=1) == "hari"


def test_the_clock_warning_names_its_unit_in_the_right_form() -> None:
    from field_app.clock_check import clock_warning

    assert "about 3 years behind" in clock_warning(3 * 365 * 86400)["en"]
    assert "about 2 days ahead" in clock_warning(-2 * 86400)["en"]
    assert "sekitar 2 hari" in clock_warning(-2 * 86400)["id"]


@pytest.mark.parametrize(("name", "tidy"), [
    ("Kota Palembang – Dinas Kesehatan – ", "Kota Palembang – Dinas Kesehatan"),
    ("Kota Palembang –  – 2024-08-13", "Kota Palembang – 2024-08-13"),
    (" –  – ", ""),
    ("Kabupaten Musi Rawas – Mal-Pelayanan – 2024-08-15",
     "Kabupaten Musi Rawas – Mal-Pelayanan – 2024-08-15"),
    ("Observasi – ", "Observasi"),
    ("Diubah 2024-08-13 09:41 · ", "Diubah 2024-08-13 09:41"),
])
def test_draft_names_have_no_dangling_separator(name: str, tidy: str) -> None:
    assert tidy_name(name) == tidy


def test_entry_summary_without_a_date_has_no_dangling_dash() -> None:
    # the list's fallback name of a draft without answers: form title – creation time
    assert tidy_name(tr("entries.summary", "id", form="Observasi", date="")) == "Observasi"
    assert tidy_name(tr("entries.details", "en", date="2024-08-13 09:41", region="")) == (
        "Changed 2024-08-13 09:41")


def test_plural_forms_never_break_a_message() -> None:
    assert messages.fill("{n} {n:entri|entri}", n=2) == "2 entri"
    assert messages.fill("{n:a|b} {missing}", n=1) == "{n:a|b} {missing}"


def test_the_sync_summary_names_a_draft_without_its_empty_parts() -> None:
    from types import SimpleNamespace

    from field_app.sync_push import PushMixin
    from survey_forms import load_pilot_form

    form = load_pilot_form("observasi")
    pusher = SimpleNamespace(_form_or_none=lambda _form_id, _version: form)
    revision = {"entry_id": "0123456789abcdef", "form_id": form.form_id,
                "form_version": form.version,
                "answers": {"kabkota": "16.71", "nama_unit": "Dinas Kesehatan"}}
    assert PushMixin._label(pusher, revision) == "Kota Palembang – Dinas Kesehatan"
    assert PushMixin._label(pusher, {**revision, "answers": {}}) == "01234567"
