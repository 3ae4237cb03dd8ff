"""One word for an entry, "isian" only for repeat items, English plurals, tidy draft names."""

from __future__ import annotations

import re

import pytest

from field_app import messages
from field_app.ui import texts
from field_app.ui.texts import tidy_name, tr

#: keys whose "isian" means a repeat item (an instance of a repeat group)
REPEAT_ITEM_KEYS = re.compile(r"^form\.repeat\.")


def _catalogs(lang: str) -> dict[str, str]:
    return {**messages.catalog(lang), **texts.ui_catalog(lang)}


def test_an_entry_is_entri_and_isian_is_a_repeat_item() -> None:
    wrong = {key: value for key, value in _catalogs("id").items()
             if re.search(r"\bisian\b", value, re.IGNORECASE)
             and not REPEAT_ITEM_KEYS.match(key) and "ulangan" not in value}
    assert not wrong, wrong
    for key in ("home.entries", "entries.title"):
        assert tr(key, "id") == "Entri"
    english = {key: value for key, value in _catalogs("en").items()
               if re.search(r"\b(submission|instance)s?\b", value, re.IGNORECASE)}
    assert not english, english


def test_english_counts_agree_with_their_nouns() -> None:
    # a count placed before a plural noun must choose its form: {n:entry|entries}
    bare = re.compile(r"\{(\w+)\}\s+(?:\w+\s+)?(entries|files|things|updates|photos|items)\b")
    wrong = {key: value for key, value in _catalogs("en").items()
             if bare.search(value) or "(s)" in value}
    assert not wrong, wrong
    assert messages.text("sync.ok", "en", sent=1) == "Sync finished: 1 entry sent."
    assert messages.text("sync.ok", "en", sent=3) == "Sync finished: 3 entries sent."
    assert messages.text("sync.ok_changes", "en", sent=1, changed=2) == (
        "Sync finished: 1 entry sent, 2 entries changed on the server for you.")
    assert tr("form.summary.blocked", "en", count=1).startswith("1 thing still blocks")
    assert tr("form.summary.blocked", "en", count=44).startswith("44 things still block")
    assert tr("entries.shown", "en", shown=1, total=1) == "Showing 1 of 1 entry"
    assert messages.text("sync.ok", "id", sent=1) == "Sinkronisasi selesai: 1 entri terkirim."


@pytest.mark.parametrize(("name", "tidy"), [
    ("Kota Palembang – Dinas Kesehatan – ", "Kota Palembang – Dinas Kesehatan"),
    ("Kota Palembang –  – 2024-08-13", "Kota Palembang – 2024-08-13"),
    (" –  – ", ""),
    ("Kabupaten Musi Rawas – Mal-Pelayanan – 2024-08-15",
     "Kabupaten Musi Rawas – Mal-Pelayanan – 2024-08-15"),
])
def test_draft_names_have_no_dangling_separator(name: str, tidy: str) -> None:
    assert tidy_name(name) == tidy


def test_plural_forms_never_break_a_message() -> None:
    assert messages.fill("{n} {n:entri|entri}", n=2) == "2 entri"
    assert messages.fill("{n:a|b} {missing}", n=1) == "{n:a|b} {missing}"
