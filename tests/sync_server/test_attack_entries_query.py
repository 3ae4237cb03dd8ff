"""Attack finding: the entries table splats its query string into url_for(), so a query key
that is one of url_for's own arguments (form_id, _method, ...) gives a 500 page."""

from __future__ import annotations

import pytest

from tests.support.server import LiveServer

from .attachment_support import web_server, web_session
from .helpers import OBS_FORM

__all__ = ["web_server"]


@pytest.mark.parametrize("query", ["form_id=x", "_method=POST", "endpoint=x", "values=x"])
def test_entries_table_query_keys_never_give_500(web_server: LiveServer, query: str) -> None:
    session = web_session(web_server.url, "spv_mura")
    got = session.get(f"{web_server.url}/forms/{OBS_FORM}/entries?{query}", timeout=10)
    assert got.status_code < 500, (query, got.status_code)
