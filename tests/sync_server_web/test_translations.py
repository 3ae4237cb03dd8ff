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


def _key(text: str | list[str] | tuple[str, ...]) -> str | tuple[str, ...]:
    """A message id or string as a dictionary key (a plural one is a list or tuple of forms)."""
    return text if isinstance(text, str) else tuple(text)


@pytest.mark.parametrize("locale", LOCALES)
def test_mo_files_are_compiled_from_the_current_po(locale: str) -> None:
    catalog = _po(locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    expected = {_key(m.id): _key(m.string) for m in read_mo(buffer) if m.id}
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo", "rb") as handle:
        stored = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id}
    assert stored == expected, (
        f"{locale}/messages.mo is out of date: run `pybabel compile -d sync_server/translations`"
    )


def test_every_message_has_an_indonesian_translation() -> None:
    # a plural message has a string per form: every one must be there
    untranslated = [m.id for m in _po("id") if m.id and (
        not m.string or m.fuzzy or (m.pluralizable and not all(m.string)))]
    assert untranslated == []


def test_placeholders_survive_translation() -> None:
    import re

    names = re.compile(r"%\((\w+)\)s")
    for message in _po("id"):
        if message.id and message.string:
            ids = message.id if message.pluralizable else (message.id,)
            strings = message.string if message.pluralizable else (message.string,)
            wanted = {name for text in ids for name in names.findall(text)}
            for text in strings:
                assert set(names.findall(text)) == wanted, message.id


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
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in _po(locale) if m.id}
        missing = sorted(used - known)
        assert missing == [], f"{locale}: run pybabel extract/update (see babel.cfg): {missing}"
