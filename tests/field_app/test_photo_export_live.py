"""Photos taken on the tablet reach the export told apart: a real server on loopback.

The camera app writes every photo to one file name; the tablet keeps each downscaled photo
named after its question and entry, so the export's photo cells and the ZIP's ``media/``
folder hold one distinct name per photo (they used to read ``camera.jpg`` for all).
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from pathlib import Path

import requests
from PIL import Image

from field_app.form_session import EntryEditor
from tests.field_app.live import PASSWORD, Staff, observation_answers, tablet
from tests.field_app.photo_samples import camera_photo
from tests.support.server import LiveServer

OBS = ("observasi_kabkota_antikorupsi", "2024110101")


def test_photos_are_downscaled_and_the_export_tells_them_apart(
        server: LiveServer, tmp_path: Path) -> None:
    store, client = tablet(tmp_path / "tab", server.url)
    client.sign_in("petugas", PASSWORD)
    assert client.sync().ok
    form = client.form(*OBS)
    camera = tmp_path / "camera.jpg"
    taken: dict[str, dict[str, dict]] = {}
    for n, questions in enumerate((("foto_i01", "foto_i02"), ("foto_i01",))):
        answers = observation_answers()
        answers["nama_unit"] = f"Unit foto {n}"
        entry_id = store.create_draft(form.form_id, form.version, "16.71", answers)
        editor = EntryEditor(store, form, entry_id)
        for k, question in enumerate(questions):
            camera.write_bytes(camera_photo(4000, 3000, 6 if k == 0 else 1,
                                            quality=88 + n + k))
            taken.setdefault(entry_id, {})[question] = editor.attach_photo(question, camera)
        assert editor.finalize() == []
    outcome = client.sync()
    assert outcome.ok, outcome
    names = [a["filename"] for photos in taken.values() for a in photos.values()]
    assert len(set(names)) == 3 and "camera.jpg" not in names

    spv = Staff(server.url, "spv")
    for photos in taken.values():  # the server holds the downscaled photos, as kept
        for answer in photos.values():
            got = requests.get(f"{server.url}/api/v1/attachments/{answer['sha256']}",
                               headers=spv.headers, timeout=10)
            assert got.status_code == 200
            assert hashlib.sha256(got.content).hexdigest() == answer["sha256"]
            assert len(got.content) < 600_000
            with Image.open(io.BytesIO(got.content)) as image:
                assert max(image.size) == 1600

    export = requests.get(f"{server.url}/export/{OBS[0]}.csv", headers=spv.headers, timeout=30)
    assert export.status_code == 200, export.text
    rows = {row["KEY"].removeprefix("uuid:"): row for row in
            csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"), newline=""))}
    for entry_id, photos in taken.items():
        row = rows[entry_id]
        cells = {h.split("-")[-1]: v for h, v in row.items()
                 if h.split("-")[-1].startswith("foto_i") and v}
        assert cells == {q: a["filename"] for q, a in photos.items()}
        assert (row["AttachmentsPresent"], row["AttachmentsExpected"]) == (
            str(len(photos)), str(len(photos)))
    archive = requests.get(f"{server.url}/export/{OBS[0]}.zip", headers=spv.headers,
                           timeout=30)
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
        media = {n.removeprefix("media/"): zipped.read(n) for n in zipped.namelist()
                 if n.startswith("media/")}
    assert set(media) == set(names)
    for photos in taken.values():
        for answer in photos.values():
            assert hashlib.sha256(media[answer["filename"]]).hexdigest() == answer["sha256"]
