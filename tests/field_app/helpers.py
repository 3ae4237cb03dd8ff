"""Shared helpers for the field_app tests: a small bilingual form, a store factory."""

from __future__ import annotations

import textwrap
from pathlib import Path

from field_app.store import Store
from survey_forms import Form, load_xlsform

KUNJUNGAN = """
| survey |
| | type | name | label::Indonesia (id) | label::English (en) | required | constraint |
| | text | opd | Nama OPD | Agency name | yes | |
| | integer | skor | Skor MCP | MCP score | yes | . >= 0 and . <= 100 |
| | image | foto | Foto bukti | Evidence photo | | |
| | begin_repeat | temuan | Temuan | Finding | | |
| | text | uraian | Uraian temuan | Description | yes | |
| | end_repeat | | | | | |
| | text | catatan | Catatan | Notes | | |
| settings |
| | form_id | version | default_language |
| | kunjungan_uji | 2024110101 | id |
"""


def kunjungan_form(text: str = KUNJUNGAN) -> Form:
    """The small test form (``kunjungan_uji``) used across the field_app tests."""
    return load_xlsform(textwrap.dedent(text).encode("utf-8"), "md", form_id="kunjungan_uji")


def valid_answers(n: int = 0) -> dict:
    """Answers that pass the test form's validation (distinct per ``n``)."""
    return {"opd": f"Dinas {n}", "skor": n % 101, "temuan": [{"uraian": f"temuan {n}"}]}


def open_store(folder: Path, durable: bool = False) -> Store:
    """A store in ``folder`` (fsync off by default: these tests check logic, not disks)."""
    return Store(folder, durable=durable)
