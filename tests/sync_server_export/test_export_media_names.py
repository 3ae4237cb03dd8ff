"""Photos in the ZIP by file name, the attachment counts, the XLSX's numbers and notes, and the
documented reader snippets, against a live server (SQLite and PostgreSQL).

The same photo attached to two questions of one entry (same bytes, two file names, as the tablet
names them: ``<question>-<entry>-<sha8>.jpg``) is two ``media/`` members and two expected
attachments, as in Central; a hunt checks that every photo cell of every CSV in the ZIP names a
member with the bytes uploaded for it. A photo lost on disk is not counted present, not in the
ZIP and not in the size shown before the download.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import requests
from PIL import Image
from sqlalchemy import select

from survey_forms import load_xlsform
from sync_server.export.source import submission_date
from sync_server.schema import attachments
from tests.support.server import LiveServer, create_user, engine_of, publish_form
from tests.sync_server.helpers import PASSWORD, Client, make_revision

FORMS = Path(__file__).resolve().parent / "forms"
FORM_ID = "ekspor_foto"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "export.md"


def _jpeg(n: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8 * n, 8), (40 * n, 90, 200)).save(out, "JPEG")
    return out.getvalue()


PHOTOS = {n: _jpeg(n) for n in range(1, 4)}
SHA = {n: hashlib.sha256(data).hexdigest() for n, data in PHOTOS.items()}
MILLIS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def _ref(n: int, question: str, entry_id: str) -> dict[str, str]:
    name = f"{question}-{entry_id}-{SHA[n][:8]}.jpg"
    return {"sha256": SHA[n], "filename": name, "media_type": "image/jpeg"}


class _Seeded:
    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.tokens: dict[str, str] = {}

    def get(self, path: str, **params: Any) -> requests.Response:
        if "admin" not in self.tokens:
            self.tokens["admin"] = Client(self.server.url, "admin").token
        headers = {"Authorization": f"Bearer {self.tokens['admin']}"}
        resp = requests.get(self.server.url + path, params=params, headers=headers, timeout=30)
        assert resp.status_code == 200, resp.text
        return resp


def _seed(server: LiveServer) -> tuple[_Seeded, str, str]:
    """The photo form and a form with a region list; two entries: ``e1`` with photo 1 in
    ``foto_a``, ``grp/foto_b`` and a repeat instance and photo 2 in another, ``e2`` with photo
    3; every photo uploaded."""
    publish_form(server.app, FORMS / "ekspor_foto.md")
    publish_form(server.app, FORMS / "ekspor_v2.md")  # its kabkota list names the regions
    create_user(server.app, "petugas_plg", PASSWORD, "officer", ["16.71"], "Petugas Palembang")
    create_user(server.app, "admin", PASSWORD, "admin", [])
    officer = Client(server.url, "petugas_plg")
    e1, e2 = "6f0c0d3e-0000-4000-8000-000000000001", "6f0c0d3e-0000-4000-8000-000000000002"
    first = {
        "catatan": "- poin satu\n- poin dua",
        "nilai": 36.11,
        "skor": "72.22",
        "kode": "007",
        "warna": ["merah"],
        "foto_a": _ref(1, "foto_a", e1),
        "foto_b": _ref(1, "foto_b", e1),  # in group grp (answers hold groups flat)
        "ulang": [{"foto_r": _ref(1, "foto_r", e1)}, {"foto_r": _ref(2, "foto_r", e1)}],
    }
    second = {"catatan": "=1+2", "nilai": 5, "skor": "10", "kode": "007",
              "foto_a": _ref(3, "foto_a", e2)}  # fmt: skip
    results = officer.push(
        make_revision(first, entry_id=e1, form_id=FORM_ID, form_version="1"),
        make_revision(second, entry_id=e2, form_id=FORM_ID, form_version="1"),
    )
    assert [r["status"] for r in results] == ["stored", "stored"], str(results[0])
    # the server asks for each file once, whatever the number of names
    assert sorted(results[0]["missing_attachments"]) == sorted([SHA[1], SHA[2]])
    for n, data in PHOTOS.items():
        resp = officer.session.put(
            f"{officer.base}/attachments/{SHA[n]}",
            data=data,
            headers={"Content-Type": "image/jpeg"},
        )
        assert resp.status_code in (200, 201), resp.text
    return _Seeded(server), e1, e2


def _photo_columns(header: list[str]) -> list[int]:
    """The columns of the form's image questions (any group prefix, any table)."""
    form = load_xlsform(FORMS / "ekspor_foto.md")
    images = {q.name for q in form.questions_in_order() if q.type == "image"}
    return [i for i, name in enumerate(header) if name.rsplit("-", 1)[-1] in images]


def _hunt(archive: zipfile.ZipFile, lost: set[str] = frozenset()) -> list[tuple[str, str]]:  # type: ignore[assignment]
    """Every photo cell of every CSV in the ZIP: (table, cell); asserts each names a member
    of ``media/`` holding the bytes uploaded under that name (``lost``: names whose file is
    gone from the server's disk, which must have no member)."""
    cells: list[tuple[str, str]] = []
    for member in archive.namelist():
        if not member.endswith(".csv"):
            continue
        rows = list(csv.reader(io.StringIO(archive.read(member).decode("utf-8-sig"))))
        for row in rows[1:]:
            for column in _photo_columns(rows[0]):
                if row[column]:
                    cells.append((member, row[column]))
                    if row[column] in lost:
                        assert f"media/{row[column]}" not in archive.namelist()
                        continue
                    data = archive.read(f"media/{row[column]}")  # KeyError when absent
                    sha = row[column].rsplit("-", 1)[-1].removesuffix(".jpg")
                    assert hashlib.sha256(data).hexdigest().startswith(sha)
    return cells


def _root(archive: zipfile.ZipFile) -> dict[str, dict[str, str]]:
    text = archive.read(f"{FORM_ID}.csv").decode("utf-8-sig")
    return {row["KEY"]: row for row in csv.DictReader(io.StringIO(text, newline=""))}


def test_one_media_member_per_file_name_and_lost_files(live_server: LiveServer) -> None:
    seeded, e1, e2 = _seed(live_server)
    archive = zipfile.ZipFile(io.BytesIO(seeded.get(f"/export/{FORM_ID}.zip").content))
    cells = _hunt(archive)
    assert len(cells) == 5 and len({c for _, c in cells}) == 5  # main table 3, repeat 2
    assert {t for t, _ in cells} == {f"{FORM_ID}.csv", f"{FORM_ID}-ulang.csv"}
    media = sorted(n for n in archive.namelist() if n.startswith("media/"))
    assert media == sorted(f"media/{c}" for _, c in cells)
    root = _root(archive)
    assert (
        root[f"uuid:{e1}"]["AttachmentsPresent"],
        root[f"uuid:{e1}"]["AttachmentsExpected"],
    ) == (
        "4",
        "4",
    )
    assert (
        root[f"uuid:{e2}"]["AttachmentsPresent"],
        root[f"uuid:{e2}"]["AttachmentsExpected"],
    ) == (
        "1",
        "1",
    )
    # frame details: milliseconds as Central, the region named by another form's region list
    assert all(MILLIS.fullmatch(row["SubmissionDate"]) for row in root.values())
    assert {row["RegionName"] for row in root.values()} == {"Kota Palembang"}
    size = seeded.get(f"/export/{FORM_ID}/size").json()
    three_names = 3 * len(PHOTOS[1]) + len(PHOTOS[2]) + len(PHOTOS[3])
    assert size == {"entries": 2, "photos": 5, "photo_bytes": three_names}

    # a supervisor's edit keeps every name (the two names of one file were refused before)
    admin = Client(live_server.url, "admin")
    head = admin.get(f"/entries/{e1}").json()
    edited = dict(head["answers"], catatan="diperbaiki")
    resp = admin.post(
        f"/entries/{e1}/revisions", json={"parent_rev": head["rev"], "answers": edited}
    )
    assert resp.status_code in (200, 201), resp.text
    archive = zipfile.ZipFile(io.BytesIO(seeded.get(f"/export/{FORM_ID}.zip").content))
    assert len(_hunt(archive)) == 5

    # photo 3 lost on disk (deleted by hand after the last check)
    root_dir = Path(live_server.app.config["ATTACHMENTS_DIR"])
    (root_dir / SHA[3][:2] / SHA[3]).unlink()
    size = seeded.get(f"/export/{FORM_ID}/size").json()
    assert size == {"entries": 2, "photos": 4, "photo_bytes": three_names - len(PHOTOS[3])}
    zipped = seeded.get(f"/export/{FORM_ID}.zip")
    assert zipped.headers["X-Export-Media-Bytes"] == str(three_names - len(PHOTOS[3]))
    archive = zipfile.ZipFile(io.BytesIO(zipped.content))
    lost = _ref(3, "foto_a", e2)["filename"]
    assert f"media/{lost}" not in archive.namelist()
    row = _root(archive)[f"uuid:{e2}"]
    assert (row["AttachmentsPresent"], row["AttachmentsExpected"]) == ("0", "1")
    assert row["foto_a"] == lost  # the answer stays; the file is asked for again
    with engine_of(live_server.app).connect() as conn:
        held = set(conn.execute(select(attachments.c.sha256)).scalars())
    assert SHA[3] not in held and {SHA[1], SHA[2]} <= held
    # the photos still on disk are all there, under every name
    assert len(_hunt(archive, lost={lost})) == 5


def _sheet(body: bytes) -> list[dict[str, Any]]:
    """The root sheet's rows as header -> openpyxl cell (read-only: the cells as stored)."""
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    rows = list(book[FORM_ID].iter_rows())
    header = [cell.value for cell in rows[0]]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]


def test_xlsx_numbers_notes_and_the_documented_readers(
    live_server: LiveServer, tmp_path: Path, monkeypatch: Any
) -> None:
    seeded, e1, e2 = _seed(live_server)
    body = seeded.get(f"/export/{FORM_ID}.xlsx", split_select_multiple="1").content
    rows = {row["KEY"].value: row for row in _sheet(body)}
    one, two = rows[f"uuid:{e1}"], rows[f"uuid:{e2}"]
    # split 0/1 columns and plain-decimal calculations are number cells (Excel SUM/AVERAGE)
    for cell in (one["warna/merah"], two["warna/merah"], one["skor"], two["skor"]):
        assert cell.data_type == "n", (cell.value, cell.data_type)
    assert (one["warna/merah"].value, two["warna/merah"].value) == (1, 0)
    assert (one["skor"].value, two["skor"].value) == (72.22, 10)
    assert one["kode"].data_type == "s" and one["kode"].value == "007"  # a code stays text
    # notes beginning with "-" or "=" as typed (the CSV keeps its formula apostrophe)
    assert one["catatan"].data_type == "s" and one["catatan"].value == "- poin satu\n- poin dua"
    assert two["catatan"].data_type == "s" and two["catatan"].value == "=1+2"
    frame = pd.read_excel(io.BytesIO(body), sheet_name=FORM_ID)
    assert frame["skor"].sum() == 82.22 and frame["warna/merah"].sum() == 1
    assert set(frame["catatan"]) == {"- poin satu\n- poin dua", "=1+2"}
    assert all(MILLIS.fullmatch(row["SubmissionDate"].value) for row in rows.values())
    text = seeded.get(f"/export/{FORM_ID}.csv").content.decode("utf-8-sig")
    notes = {row["catatan"] for row in csv.DictReader(io.StringIO(text, newline=""))}
    assert notes == {"'- poin satu\n- poin dua", "'=1+2"}

    # docs/export.md's reader snippet, run as it is on the default files (byte-order mark on)
    default_csv = seeded.get(f"/export/{FORM_ID}.csv").content
    assert default_csv.startswith(b"\xef\xbb\xbf")
    (tmp_path / "observasi_kabkota_antikorupsi.csv").write_bytes(default_csv)
    zipped = zipfile.ZipFile(io.BytesIO(seeded.get(f"/export/{FORM_ID}.zip").content))
    with zipfile.ZipFile(tmp_path / "observasi_kabkota_antikorupsi.zip", "w") as copy:
        for name in zipped.namelist():  # the same ZIP under the documented form's name
            target = f"observasi_kabkota_antikorupsi{name[len(FORM_ID) :]}"
            copy.writestr(name if name.startswith("media/") else target, zipped.read(name))
    snippet = DOCS.read_text(encoding="utf-8").split("<!-- reader-example:", 1)[1]
    code = snippet.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    space: dict[str, Any] = {}
    exec(compile(code, str(DOCS), "exec"), space)
    assert next(iter(space["rows"][0])) == "SubmissionDate"
    assert MILLIS.fullmatch(space["first_date"])
    assert space["root"].columns[0] == "SubmissionDate"
    assert space["zipped"].columns[0] == "SubmissionDate"
    assert len(space["photos"]) == 5
    # what the docs warn about: plain "utf-8" gives the byte-order mark to the first key
    with open(tmp_path / "observasi_kabkota_antikorupsi.csv", encoding="utf-8", newline="") as f:
        assert next(csv.reader(f))[0] == "\ufeffSubmissionDate"


def test_submission_date_is_written_with_milliseconds() -> None:
    assert submission_date("2026-12-06T11:23:47.547425Z") == "2026-12-06T11:23:47.547Z"
    assert submission_date("2026-12-06T11:23:47.5Z") == "2026-12-06T11:23:47.500Z"
    assert submission_date("2026-12-06T11:23:47Z") == "2026-12-06T11:23:47.000Z"
    assert submission_date("2026-12-06T11:23:47.999999+00:00") == "2026-12-06T11:23:47.999Z"
    assert submission_date("not a time") == "not a time"
