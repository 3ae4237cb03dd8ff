"""A form whose regex() pattern is outside RE2 syntax is refused at upload, with the sheet, the
row and the pattern shown, and nothing is published (SQLite and PostgreSQL)."""

from __future__ import annotations

import html
import io

from flask import Flask

from .conftest import as_user

FORM = """| survey |
| | type | name | label | constraint |
| | text | nama | Nama | |
| | text | kode | Kode | regex(., '^(?=.*[0-9])[A-Z0-9]+$') |

| settings |
| | form_id | form_title | version |
| | pola_uji | Uji pola | 1 |
"""


def test_a_lookahead_pattern_is_refused_at_upload_with_sheet_row_and_pattern(app: Flask) -> None:
    admin = as_user(app, "admin")
    admin.get("/admin/forms")
    resp = admin.post(
        "/admin/forms",
        {"file": (io.BytesIO(FORM.encode()), "pola_uji.md")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400
    page = html.unescape(resp.text)
    block = page[page.index('id="load-error"') : page.index('id="form-upload"')]
    assert "<b>survey</b>" in block and "<b>3</b>" in block  # sheet and row
    assert "'^(?=.*[0-9])[A-Z0-9]+$'" in block and "rewrite the pattern without them" in block
    assert "pola_uji" not in admin.get("/admin/forms").text  # nothing published
    # the same pattern rewritten without lookahead is published
    fixed = FORM.replace("^(?=.*[0-9])[A-Z0-9]+$", "^[A-Z0-9]*[0-9][A-Z0-9]*$")
    resp = admin.post(
        "/admin/forms",
        {"file": (io.BytesIO(fixed.encode()), "pola_uji.md")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.text
