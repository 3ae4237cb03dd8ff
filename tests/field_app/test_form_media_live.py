"""Choice files end to end: a form with ``select_one_from_file`` (CSV) and
``select_multiple_from_file`` (XML) is published with its files on a real server (SQLite and
PostgreSQL), the tablet's sync downloads them with the form, the choices on the tablet come from
them, an entry filled from them is accepted by the server, and the files are served as
attachments only.
"""

from __future__ import annotations

import csv
import io
import textwrap
from pathlib import Path

import pytest
import requests

from field_app import entries
from field_app.form_sync import media_folder
from survey_forms import FormError
from tests.field_app.live import PASSWORD, Staff, tablet
from tests.support.server import LiveServer, engine_of

FORM = """
| survey |
| | type | name | label::Indonesia (id) | label::English (en) | required | choice_filter |
| | select_one_from_file kecamatan.csv | kecamatan | Kecamatan | District | yes | |
| | select_one_from_file desa.csv | desa | Desa | Village | yes | kec=${kecamatan} |
| | select_multiple_from_file fasilitas.xml | fasilitas | Fasilitas | Facilities | | |
| settings |
| | form_id | version | default_language |
| | desa_uji | 1 | id |
"""
KECAMATAN = "name,label\nib,Ilir Barat I\nsu,Seberang Ulu I\n"
DESA = "name,label,kec\nbukit,Bukit Lama,ib\nlorok,Lorok Pakjo,ib\ntangga,Tangga Takat,su\n"
FASILITAS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<root>'
    "<item><name>pkm</name><label>Puskesmas</label></item>"
    "<item><name>sd</name><label>Sekolah Dasar</label></item></root>\n"
)
KEY = ("desa_uji", "1")


def write_form(folder: Path, desa: str = DESA, version: str = "1") -> tuple[Path, list[Path]]:
    folder.mkdir(parents=True, exist_ok=True)
    form = folder / "desa_uji.md"
    form.write_text(textwrap.dedent(FORM).replace("| desa_uji | 1 |", f"| desa_uji | {version} |"))
    files = []
    for name, text in (("kecamatan.csv", KECAMATAN), ("desa.csv", desa),
                       ("fasilitas.xml", FASILITAS)):
        (folder / name).write_text(text, encoding="utf-8")
        files.append(folder / name)
    return form, files


def publish(server: LiveServer, form: Path, files: list[Path]) -> dict:
    from sync_server.db import write_tx
    from sync_server.forms_store import publish_file

    with server.app.app_context(), write_tx(engine_of(server.app)) as conn:
        return publish_file(conn, form, actor="test", media_paths=files)


@pytest.fixture
def published(server: LiveServer, tmp_path: Path) -> LiveServer:
    # the files are given explicitly from another folder: nothing is read from beside the form
    form, _ = write_form(tmp_path / "form")
    _, files = write_form(tmp_path / "files")
    result = publish(server, form, files)
    assert result["status"] == "published"
    assert result["media"] == ["desa.csv", "fasilitas.xml", "kecamatan.csv"]
    return server


def test_the_tablet_gets_the_files_with_the_form_and_fills_from_them(
    published: LiveServer, tmp_path: Path
) -> None:
    store, client = tablet(tmp_path / "tab", published.url)
    client.sign_in("petugas", PASSWORD)
    outcome = client.sync()
    assert outcome.ok, outcome
    kept = sorted(p.name for p in media_folder(store.folder).iterdir())
    assert len(kept) == 3  # under their SHA-256
    form = client.form(*KEY)
    assert [c.name for c in form.choices["desa.csv"]] == ["bukit", "lorok", "tangga"]
    assert form.choice_label("fasilitas.xml", "sd") == "Sekolah Dasar"

    session = form.new_session()
    session.set_answer("kecamatan", "ib")
    assert [c.name for c in session.choices("desa")] == ["bukit", "lorok"]
    session.set_answer("desa", "lorok")
    session.set_answer("fasilitas", ["pkm", "sd"])
    answers = session.answers()
    entry_id = store.create_draft(*KEY, "16.71", answers)
    assert store.finalize_entry(entry_id, form) == []
    sent = client.sync()
    assert sent.ok and sent.sent == 1, sent
    assert store.get_entry(entry_id)["status"] == entries.SENT
    spv = Staff(published.url, "spv")
    detail = spv.get(f"/entries/{entry_id}")
    assert detail["answers"]["desa"] == "lorok"
    # the export builds the version with its files (labels of the choices from the file)
    export = requests.get(f"{published.url}/export/desa_uji.csv?labels=1", headers=spv.headers,
                          timeout=20)
    assert export.status_code == 200, export.text
    row = next(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert (row["desa"], row["fasilitas"]) == ("Lorok Pakjo", "Puskesmas; Sekolah Dasar")

    # a choice the file does not hold is refused by the server too (its lists come from the
    # files it keeps with the version)
    bad = store.create_draft(*KEY, "16.71", {**answers, "desa": "tangga"})
    issues = store.finalize_entry(bad, form)
    assert issues, "a village of another district passed the choice filter on the tablet"

    # a damaged file on the tablet is found when the form is opened again, never used
    victim = next(media_folder(store.folder).iterdir())
    victim.write_bytes(b"name,label\nx,X\n")
    _, again = tablet(tmp_path / "tab", published.url)
    with pytest.raises(FormError) as caught:
        again.form(*KEY)
    assert "berkas pilihan" in caught.value.message["id"]
    # ... and downloaded again at the next sync
    assert again.sync().ok
    assert [c.name for c in again.form(*KEY).choices["desa.csv"]] == ["bukit", "lorok", "tangga"]


def test_the_files_are_served_as_attachments_to_signed_in_accounts(
    published: LiveServer,
) -> None:
    spv = Staff(published.url, "spv")
    url = f"{spv.url}/forms/desa_uji/1/media/desa.csv"
    resp = requests.get(url, headers=spv.headers, timeout=10)
    assert resp.status_code == 200
    assert resp.content == DESA.encode()
    assert resp.headers["Content-Type"].startswith("text/csv")
    assert resp.headers["Content-Disposition"] == "attachment"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    again = requests.get(url, headers={**spv.headers, "If-None-Match": resp.headers["ETag"]},
                         timeout=10)
    assert again.status_code == 304
    assert requests.get(url, timeout=10).status_code == 401
    missing = requests.get(f"{spv.url}/forms/desa_uji/1/media/lain.csv", headers=spv.headers,
                           timeout=10)
    assert missing.status_code == 404
    assert "tidak diterbitkan" in missing.json()["message_id"]


def test_a_changed_file_needs_a_new_version(published: LiveServer, tmp_path: Path) -> None:
    from sync_server.forms_store import FormVersionExistsError

    changed = DESA + "baru,Desa Baru,su\n"
    form, files = write_form(tmp_path / "changed", desa=changed)
    with pytest.raises(FormVersionExistsError):
        publish(published, form, files)
    form, files = write_form(tmp_path / "v2", desa=changed, version="2")
    # the files beside the form are found without naming them
    assert publish(published, form, [])["media"] == ["desa.csv", "fasilitas.xml", "kecamatan.csv"]
    _store, client = tablet(tmp_path / "tab2", published.url)
    client.sign_in("petugas", PASSWORD)
    assert client.sync().ok
    assert [c.name for c in client.form("desa_uji", "2").choices["desa.csv"]][-1] == "baru"
    assert len(client.form(*KEY).choices["desa.csv"]) == 3
