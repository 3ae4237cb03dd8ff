"""The Flask-Babel catalogs: compiled .mo files match the .po files, every message has an
Indonesian translation, and the catalog holds every message the code and templates use."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "sync_server" / "translations"
LOCALES = ("id", "en")


def _po(locale: str):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_mo_files_are_compiled_from_the_current_po(locale: str) -> None:
    catalog = _po(locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    expected = {m.id: m.string for m in read_mo(buffer) if m.id}
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo", "rb") as handle:
        stored = {m.id: m.string for m in read_mo(handle) if m.id}
    assert stored == expected, (
        f"{locale}/messages.mo is out of date: run `pybabel compile -d sync_server/translations`"
    )


def test_every_message_has_an_indonesian_translation() -> None:
    untranslated = [m.id for m in _po("id") if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []


def test_placeholders_survive_translation() -> None:
    import re

    names = re.compile(r"%\((\w+)\)s")
    for message in _po("id"):
        if message.id and message.string:
            assert set(names.findall(message.id)) == set(names.findall(message.string)), message.id


def test_catalogs_hold_every_message_the_pages_use() -> None:
    method_map = [
        ("sync_server/review/**.py", "python"),
        ("sync_server/templates/**.html", "jinja2"),
    ]
    used = {
        msg if isinstance(msg, str) else msg[0]
        for _file, _line, msg, *_rest in extract_from_dir(str(ROOT), method_map=method_map)
    }
    assert used, "extraction found nothing: wrong paths?"
    for locale in LOCALES:
        known = {m.id for m in _po(locale) if m.id}
        missing = sorted(used - known)
        assert missing == [], f"{locale}: run pybabel extract/update (see babel.cfg): {missing}"
