"""The form upload page takes the choice files a form names (select_one_from_file): they are
kept with the version; a named file not given refuses the form in Indonesian, then English."""

from __future__ import annotations

import html
import io

from flask import Flask

from sync_server.db import read_tx
from sync_server.forms_store import form_media_files
from tests.support.server import engine_of

from .conftest import as_user

FORM = (
    "| survey |\n| | type | name | label |\n"
    "| | select_one_from_file desa.csv | desa | Desa |\n"
    "| settings |\n| | form_id | version |\n| | desa_web | 1 |\n"
)
DESA = b"name,label\nbukit,Bukit Lama\nlorok,Lorok Pakjo\n"


def test_the_choice_file_is_kept_with_the_version(app: Flask) -> None:
    admin = as_user(app, "admin")
    admin.get("/admin/forms")
    resp = admin.post(
        "/admin/forms",
        {
            "file": (io.BytesIO(FORM.encode()), "desa_web.md"),
            "media": [(io.BytesIO(DESA), "desa.csv"), (io.BytesIO(b"x,y\n"), "lain.csv")],
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.text
    page = html.unescape(admin.get("/admin/forms").text)
    assert "Disimpan bersamanya: desa.csv." in page
    with app.app_context(), read_tx(engine_of(app)) as conn:
        assert form_media_files(conn, "desa_web", "1") == {"desa.csv": DESA}  # not lain.csv


def test_a_missing_choice_file_refuses_the_form(app: Flask) -> None:
    admin = as_user(app, "admin")
    admin.get("/admin/forms")
    resp = admin.post(
        "/admin/forms",
        {"file": (io.BytesIO(FORM.encode()), "desa_web.md")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400
    page = html.unescape(resp.text)
    block = page[page.index('id="load-error"') : page.index('id="form-upload"')]
    assert block.index("berkas itu tidak disertakan") < block.index("the file was not given")
