"""Helpers for tests that write forms as inline markdown tables (as pyxform's tests do)."""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta, timezone

from survey_forms import Form, load_xlsform

WIB = timezone(timedelta(hours=7))
NOW = datetime(2024, 8, 13, 9, 30, tzinfo=WIB)


def md_form(text: str) -> Form:
    """Load an XLSForm written as markdown tables."""
    return load_xlsform(textwrap.dedent(text).encode("utf-8"), "md", form_id="test_form")


def fixed_meta(**extra: object) -> dict[str, object]:
    """Session metadata with a fixed clock (13 Aug 2024, 09:30 WIB)."""
    return {"now": NOW, "deviceid": "tab-01", "username": "petugas_plg", **extra}
