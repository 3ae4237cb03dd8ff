"""A zip-bomb .xlsx (a small file whose shared strings unpack to ~150 MiB) is refused before
it is opened: by the publish-form command, the admin upload page (live server, SQLite and
PostgreSQL) and the loading function, fast and with little memory; nothing is published."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import func, select

from survey_forms import FormError
from survey_forms.xlsx_guard import MAX_UNCOMPRESSED_BYTES, check_xlsx_archive
from sync_server.cli import cli
from sync_server.db import read_tx
from sync_server.forms_store import load_form_source
from sync_server.schema import forms
from tests.support.server import LiveServer, engine_of

from .attachment_support import CSRF_RE, web_server, web_session

__all__ = ["web_server"]

#: A publish or refusal of the bomb must take less than this (the unchecked load took 34 s).
FAST_SECONDS = 3.0


SHARED_STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
SHARED_STRINGS_REL = (
    b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'sharedStrings" Target="sharedStrings.xml" Id="rId99"/>'
)


def small_form() -> bytes:
    """A valid one-question XLSForm as .xlsx bytes."""
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    for row in (["type", "name", "label"], ["integer", "umur", "Umur"]):
        survey.append(row)
    settings = book.create_sheet("settings")
    for row in (["form_id", "version"], ["bom", "1"]):
        settings.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def bomb(unpacked_mib: int = 150) -> bytes:
    """:func:`small_form` with a shared strings part of ``unpacked_mib`` MiB of one string
    repeated, declared so that openpyxl reads it (the archive stays a few hundred kB)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(small_form())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":  # declare the shared strings part
                data = data.replace(b"</Types>", SHARED_STRINGS_TYPE + b"</Types>")
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", SHARED_STRINGS_REL + b"</Relationships>")
            dst.writestr(info, data)
        item = b"<si><t>umur umur umur umur umur umur umur</t></si>"
        block = item * (1024 * 1024 // len(item))
        with dst.open("xl/sharedStrings.xml", "w") as part:
            part.write(
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            for _ in range(unpacked_mib):
                part.write(block)
            part.write(b"</sst>")
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb_bytes() -> bytes:
    data = bomb()
    assert len(data) < 1024 * 1024  # small on the wire ...
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # ... huge when unpacked
        assert sum(i.file_size for i in archive.infolist()) > 100 * 1024 * 1024
    return data


def test_the_loader_path_refuses_the_bomb_fast_with_little_memory(bomb_bytes: bytes) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(FormError) as caught:
            load_form_source(bomb_bytes, "xlsx", form_id="bom")
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < FAST_SECONDS
    assert peak < 20 * 1024 * 1024, peak
    text = str(caught.value)
    assert "terlalu besar" in text and "too large" in text


def test_ratio_members_and_honest_files() -> None:
    dense = bomb(unpacked_mib=8)  # under the total limit, but packed ~1000 times
    with pytest.raises(FormError, match="compressed"):
        check_xlsx_archive(dense)
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as archive:
        for n in range(1001):
            archive.writestr(f"x/{n}.xml", b"<a/>")
    with pytest.raises(FormError, match="too many parts"):
        check_xlsx_archive(many.getvalue())
    check_xlsx_archive(small_form())  # a real workbook passes ...
    check_xlsx_archive(b"not a zip at all")  # ... and so does a non-zip (the loader reports it)
    assert load_form_source(small_form(), "xlsx").form_id == "bom"
    assert MAX_UNCOMPRESSED_BYTES >= 10 * 1024 * 1024


def test_publish_form_command_refuses_the_bomb(bomb_bytes: bytes, tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    runner = CliRunner()
    env = {"SURVEY_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    assert runner.invoke(cli, ["--instance", str(instance), "init-db"], env=env).exit_code == 0
    path = tmp_path / "bom.xlsx"
    path.write_bytes(bomb_bytes)
    started = time.perf_counter()
    result = runner.invoke(cli, ["--instance", str(instance), "publish-form", str(path)], env=env)
    assert time.perf_counter() - started < FAST_SECONDS
    assert result.exit_code == 1, result.output
    assert "terlalu besar" in result.output and "too large" in result.output
    assert "Traceback" not in result.output
    listed = runner.invoke(cli, ["--instance", str(instance), "list-forms"], env=env)
    assert "bom" not in listed.output


def test_admin_upload_page_refuses_the_bomb(web_server: LiveServer, bomb_bytes: bytes) -> None:
    session = web_session(web_server.url, "admin")
    page = session.get(web_server.url + "/admin/forms", timeout=10)
    token = CSRF_RE.search(page.text)
    assert token
    with read_tx(engine_of(web_server.app)) as conn:
        before = conn.execute(select(func.count()).select_from(forms)).scalar_one()
    started = time.perf_counter()
    resp = session.post(
        web_server.url + "/admin/forms",
        data={"csrf_token": token.group(1)},
        files={"file": ("bom.xlsx", bomb_bytes)},
        timeout=60,
    )
    assert time.perf_counter() - started < FAST_SECONDS
    assert resp.status_code == 400, resp.status_code
    assert 'id="load-error"' in resp.text
    assert "terlalu besar" in resp.text and "too large" in resp.text
    with read_tx(engine_of(web_server.app)) as conn:
        assert conn.execute(select(func.count()).select_from(forms)).scalar_one() == before
