"""The form upload page shows a load error in Indonesian first, then English, and flashes the
loader's warnings (each in Indonesian and English) after a successful publish."""

from __future__ import annotations

import html
import io

from flask import Flask

from .conftest import as_user

BROKEN = "| survey |\n| | type | name | label |\n| | text | a | A |\n| | integr | n | N |\n"
WITH_WARNING = (
    "| survey |\n| | type | name | label | appearance |\n"
    "| | text | a | A | |\n| | integer | n | N | thousands-sep |\n"
    "| settings |\n| | form_id | version |\n| | peringatan_uji | 1 |\n"
)


def test_a_load_error_is_shown_in_indonesian_then_english(app: Flask) -> None:
    admin = as_user(app, "admin")
    admin.get("/admin/forms")
    resp = admin.post(
        "/admin/forms",
        {"file": (io.BytesIO(BROKEN.encode()), "rusak.md")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400
    page = html.unescape(resp.text)
    block = page[page.index('id="load-error"') : page.index('id="form-upload"')]
    indonesian = block.index("[lembar survey, baris 3] tipe pertanyaan 'integr' tidak didukung")
    english = block.index("[survey sheet, row 3] question type 'integr' is not supported")
    assert indonesian < english
    assert "Ganti tipenya" in block and "Change the type" in block


def test_load_warnings_are_flashed_after_publishing(app: Flask) -> None:
    admin = as_user(app, "admin")
    admin.get("/admin/forms")
    resp = admin.post(
        "/admin/forms",
        {"file": (io.BytesIO(WITH_WARNING.encode()), "peringatan_uji.md")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.text
    page = html.unescape(admin.get("/admin/forms").text)
    assert "appearance 'thousands-sep' (integer) diabaikan" in page
    assert "appearance 'thousands-sep' (integer) is ignored" in page
