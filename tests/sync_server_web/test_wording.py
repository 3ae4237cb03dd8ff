"""The web pages' and the API's wording: one word for an entry ("entri"; "isian" only for a repeat
item), English plural forms for every count, in the catalogs, the code that uses them and the
rendered pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import force_locale, ngettext

from sync_server import create_app
from sync_server.messages import CATALOG, message

from .conftest import as_user
from .data import new_entry

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "sync_server" / "translations"
FORM = "observasi_kabkota_antikorupsi"

#: Indonesian web texts whose "isian" is a repeat item, by English msgid
REPEAT_ITEM_MESSAGES = {
    "That repeat item is not there any more.": "a repeat item removed meanwhile",
    "The entry already has as many repeat items as it may have.": "the limit of repeat items",
}
#: placeholders that are numbers but no count of something (no plural form), by msgid
NOT_COUNTS = {
    "Column %(n)s": "the column's position",
    "Remove #%(n)s": "the repeat item's number",
    "Score of component %(n)s": "the component's number",
    "total %(n)s": "a sum after a heading that names the things counted",
}
#: placeholder names that hold a count of something
COUNT_NAMES = {"n", "num", "count", "seconds", "photos", "total"}
_PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)\}")
#: a placeholder, then (after at most one adjective) a plural English noun
_BARE_COUNT = re.compile(
    r"(?:%\(\w+\)s|\{\w+\})\s+(?:(?!of\b|in\b|and\b|at\b|to\b|for\b|by\b)[a-z]+\s+)?"
    r"(?P<noun>[a-z]+s)\b")
_NOT_NOUNS = {"is", "was", "has", "does", "exists", "its", "this"}


def _po(locale: str):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


def _forms(text: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (text,) if isinstance(text, str) else tuple(text)


@pytest.fixture(scope="module")
def bare_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """An app for rendering messages (no database needed: nothing is read or written)."""
    folder = tmp_path_factory.mktemp("wording")
    return create_app({"INSTANCE_PATH": str(folder / "instance"),
                       "DATABASE_URL": f"sqlite:///{folder / 'unused.db'}"})


@pytest.fixture(scope="module")
def used() -> list[str | tuple[str, ...]]:
    """Every message the review code and the templates ask for (a tuple for ngettext)."""
    method_map = [
        ("sync_server/review/**.py", "python"),
        ("sync_server/templates/**.html", "jinja2"),
    ]
    return [msg for _file, _line, msg, *_rest in extract_from_dir(str(ROOT), method_map=method_map)]


def test_an_entry_is_entri_on_the_web_and_in_the_api() -> None:
    isian = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in _po("id")
             if m.id and any(re.search(r"\bisian", s, re.I) for s in _forms(m.string))}
    assert set(isian) == set(REPEAT_ITEM_MESSAGES), (
        f"an entry is 'entri'; 'isian' only for a repeat item: {isian}")
    api = {code: texts["id"] for code, texts in CATALOG.items()
           if re.search(r"\bisian", texts["id"], re.I)}
    assert not api, api
    english = [m.id for m in _po("en") if m.id and any(
        re.search(r"\b(submission|instance|record)s?\b", s, re.I) for s in _forms(m.id))]
    english += [texts["en"] for texts in CATALOG.values()
                if re.search(r"\b(submission|instance|record)s?\b", texts["en"], re.I)]
    assert not english, english


def test_every_count_message_has_plural_forms(used: list[str | tuple[str, ...]]) -> None:
    wrong = []
    for msg in used:
        if not isinstance(msg, str):
            continue  # ngettext: singular and plural
        names = {a or b for a, b in _PLACEHOLDER.findall(msg)}
        if msg in NOT_COUNTS:
            continue
        bare = [m for m in _BARE_COUNT.finditer(msg) if m.group("noun") not in _NOT_NOUNS]
        if names & COUNT_NAMES or bare or "(s)" in msg:
            wrong.append(msg)
    assert wrong == [], f"a count needs ngettext (or a reason in NOT_COUNTS): {wrong}"
    assert set(NOT_COUNTS) <= {m for m in used if isinstance(m, str)}, "stale NOT_COUNTS"
    # the scan finds the class: the messages before they had plural forms
    for old in ("%(n)s entries set to %(status)s.", "Photos in the ZIP: {photos} files, {size}",
                "Try again in %(seconds)s seconds."):
        assert _BARE_COUNT.search(old), old


def test_no_template_puts_a_fixed_plural_after_a_number() -> None:
    # "<b>{{ total }}</b> {{ _("entries") }}" reads "1 entries": the noun must be an ngettext
    after_value = re.compile(r"""\}\}(?:\s|</?\w+>)*\{\{\s*_\(\s*["']([a-z]+s)["']\s*\)""")
    found = {path.name: after_value.findall(path.read_text("utf-8"))
             for path in sorted((ROOT / "sync_server/templates").rglob("*.html"))}
    assert {name: nouns for name, nouns in found.items() if nouns} == {}
    assert after_value.search('<strong>{{ total }}</strong> {{ _("entries") }}')


def test_flash_messages_come_from_the_catalog() -> None:
    # words written in code (an f-string, a literal) skip both the translation and the plural;
    # an f-string of catalog texts only (a form warning's "{id} / {en}") holds no words
    literal = re.compile(r"""\bflash\(\s*f?(["'])(.*?)\1""")
    built = [f"{path.name}:{number}" for path in sorted((ROOT / "sync_server/review").glob("*.py"))
             for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
             if (m := literal.search(line)) and re.search(r"[A-Za-z]{2,}",
                                                          re.sub(r"\{[^}]*\}", "", m.group(2)))]
    assert built == [], built
    assert literal.search('flash(f"... {more} more warnings", "info")')


def test_plural_messages_are_translated_in_both_forms(used: list[str | tuple[str, ...]]) -> None:
    plurals = {msg for msg in used if not isinstance(msg, str)}
    assert len(plurals) >= 10
    indonesian = {m.id: m.string for m in _po("id") if m.id and m.pluralizable}
    english = {m.id: m.string for m in _po("en") if m.id and m.pluralizable}
    for singular, plural in plurals:
        assert indonesian.get((singular, plural)), (singular, "not a plural in id/messages.po")
        assert all(indonesian[(singular, plural)]), singular
        assert (singular, plural) in english, (singular, "not a plural in en/messages.po")
        assert "isian" not in " ".join(indonesian[(singular, plural)]).lower(), singular


def test_api_counts_choose_their_english_noun() -> None:
    assert message("invalid", count=1)["en"].endswith("(1 issue).")
    assert message("invalid", count=2)["en"].endswith("(2 issues).")
    assert message("invalid", count=2)["id"].endswith("(2 masalah).")
    assert message("rate_limited", seconds=1)["en"].endswith("in 1 second.")
    assert message("rate_limited", seconds=30)["en"].endswith("in 30 seconds.")
    assert message("not_owner")["id"] == "Entri ini milik petugas lain."
    bare = {code: texts["en"] for code, texts in CATALOG.items()
            if any(m.group("noun") not in _NOT_NOUNS for m in _BARE_COUNT.finditer(texts["en"]))}
    assert not bare, bare


@pytest.mark.parametrize(("singular", "plural", "params", "one", "two", "indonesian"), [
    ("%(num)s entry set to %(status)s.", "%(num)s entries set to %(status)s.",
     {"status": "Approved"}, "1 entry set to Approved.", "2 entries set to Approved.",
     "2 entri diubah menjadi Approved."),
    ("%(num)s device token of %(name)s revoked.", "%(num)s device tokens of %(name)s revoked.",
     {"name": "budi"}, "1 device token of budi revoked.", "2 device tokens of budi revoked.",
     "2 token perangkat milik budi dicabut."),
    ("score %(score)s, %(num)s entry", "score %(score)s, %(num)s entries", {"score": "80.0"},
     "score 80.0, 1 entry", "score 80.0, 2 entries", "skor 80.0, 2 entri"),
    ("%(num)s entry waiting", "%(num)s entries waiting", {}, "1 entry waiting",
     "2 entries waiting", "2 entri menunggu"),
    ("Too many failed sign-ins. Try again in %(num)s second.",
     "Too many failed sign-ins. Try again in %(num)s seconds.", {},
     "Too many failed sign-ins. Try again in 1 second.",
     "Too many failed sign-ins. Try again in 2 seconds.",
     "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam 2 detik."),
])
def test_count_messages_render_at_one_and_two(
    bare_app: Flask, singular: str, plural: str, params: dict[str, str], one: str, two: str,
    indonesian: str,
) -> None:
    with bare_app.test_request_context():
        with force_locale("en"):
            assert ngettext(singular, plural, 1, **params) == one
            assert ngettext(singular, plural, 2, **params) == two
        with force_locale("id"):
            assert ngettext(singular, plural, 2, **params) == indonesian


def test_bulk_review_says_entry_or_entries(app: Flask) -> None:
    ids = [new_entry(app)["entry_id"] for _ in range(3)]
    web = as_user(app, "spv_plg")
    web.client.get("/lang/en")
    table = f"/forms/{FORM}/entries"
    web.get(table)
    resp = web.post(f"{table}/review", {"entry_id": ids[:1], "status": "approved"})
    assert "1 entry set to Approved." in web.get(resp.headers["Location"]).text
    resp = web.post(f"{table}/review", {"entry_id": ids[1:], "status": "approved"})
    assert "2 entries set to Approved." in web.get(resp.headers["Location"]).text
    # the ZIP's photo count gives the page both forms; the script picks one
    page = web.get(table).text
    assert 'data-text-one="Photos in the ZIP: {photos} file, {size}"' in page
    assert 'data-text="Photos in the ZIP: {photos} files, {size}"' in page


def test_entry_names_on_the_web_have_no_dangling_dash() -> None:
    from survey_forms import load_pilot_form
    from sync_server.entry_names import entry_summary
    from tests.sync_server.helpers import observation_answers

    summary = entry_summary(load_pilot_form("observasi"))
    answers = observation_answers()
    full = summary.name(answers)
    assert full.count(" – ") == 2 and full.startswith("Kota Palembang – "), full
    no_date = summary.name({**answers, "tanggal_kunjungan": None})
    assert no_date == full.rsplit(" – ", 1)[0], no_date  # "Kota Palembang – <unit>"
    no_unit = summary.name({**answers, "nama_unit": ""})
    assert " –  – " not in no_unit and no_unit.count(" – ") == 1, no_unit
