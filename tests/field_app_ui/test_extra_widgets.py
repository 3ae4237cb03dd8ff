"""The question types and appearances beyond the pilot forms', filled in the real app through
its widgets: range, barcode (scanned), likert, minimal, horizontal, numbers, rank, or_other,
trigger, hidden, start-geopoint, a choice file delivered with the form, geotrace and geoshape from the GPS point
by point, a recorded sound and a chosen PDF, quick. The GPS, scanner and recorder are a test
device behind the platform interface; the finalized entry validates against the form."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import pytest

from field_app.form_sync import media_folder
from field_app.store import Store
from survey_forms import Form, load_xlsform
from tests.field_app_ui.conftest import SCREENS, run_scenario

pytestmark = [pytest.mark.kivy, pytest.mark.timeout(300)]

FORM = """
| survey |
| | type | name | label::Indonesia (id) | label::English (en) | appearance | parameters | required | default |
| | start-geopoint | lokasi_awal | | | | | | |
| | begin_group | a | Penilaian | Assessment | field-list | | | |
| | range | skor | Skor pelayanan | Service score | | start=0 end=10 step=2 | yes | |
| | barcode | kode | Kode aset | Asset code | | | yes | |
| | select_one mutu | kualitas | Kualitas layanan | Service quality | likert | | yes | |
| | select_one kondisi | kondisi | Kondisi gedung | Building condition | minimal | | yes | |
| | select_multiple fasilitas | fasilitas | Fasilitas | Facilities | horizontal | | | |
| | text | telepon | Nomor telepon | Phone number | numbers | | | |
| | end_group | | | | | | | |
| | begin_group | b | Prioritas | Priorities | field-list | | | |
| | rank prioritas | prioritas | Urutan prioritas | Priority order | | | yes | |
| | select_one jenis or_other | jenis | Jenis lembaga | Kind of body | | | yes | |
| | trigger | konfirmasi | Sudah dicek | Checked | | | yes | |
| | hidden | sumber | | | | | | tablet |
| | select_one_from_file desa.csv | desa | Desa | Village | | | yes | |
| | end_group | | | | | | | |
| | begin_group | c | Lokasi | Location | field-list | | | |
| | geotrace | jalur | Jalur jalan | Road | | | yes | |
| | geoshape | lahan | Batas lahan | Plot boundary | | | yes | |
| | end_group | | | | | | | |
| | begin_group | d | Berkas | Files | field-list | | | |
| | audio | suara | Rekaman wawancara | Interview recording | | | yes | |
| | file | dokumen | Dokumen pendukung | Supporting document | | | yes | |
| | end_group | | | | | | | |
| | select_one yatidak | cepat | Selesai? | Done? | quick | | yes | |
| choices |
| | list_name | name | label::Indonesia (id) | label::English (en) |
| | mutu | buruk | Buruk | Poor |
| | mutu | cukup | Cukup | Fair |
| | mutu | baik | Baik | Good |
| | mutu | sangat_baik | Sangat baik | Very good |
| | kondisi | rusak | Rusak | Damaged |
| | kondisi | layak | Layak | Sound |
| | fasilitas | air | Air bersih | Water |
| | fasilitas | listrik | Listrik | Power |
| | fasilitas | internet | Internet | Internet |
| | prioritas | jalan | Jalan | Roads |
| | prioritas | air | Air | Water |
| | prioritas | sekolah | Sekolah | Schools |
| | jenis | dinas | Dinas | Agency |
| | jenis | desa | Pemerintah desa | Village office |
| | yatidak | ya | Ya | Yes |
| | yatidak | tidak | Tidak | No |
| settings |
| | form_id | version | default_language | form_title |
| | tipe_tambahan | 1 | id | Tipe tambahan |
"""
DESA = b"name,label\nbukit,Bukit Lama\nlorok,Lorok Pakjo\n"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _device(tmp_path: Path) -> tuple[Form, Path]:
    """A signed-in tablet's data folder holding the form, saved with its choice file as the
    sync saves it."""
    form = load_xlsform(textwrap.dedent(FORM).encode("utf-8"), "md", media={"desa.csv": DESA})
    device = tmp_path / "data"
    store = Store(device / "store", durable=False)
    store.set_credentials("tok", {"username": "petugas", "full_name": "Rina Petugas",
                                  "regions": ["16.71"]}, "http://127.0.0.1:9")
    store.save_forms([form.to_json()])  # as the sync saves it: the choice file kept beside
    folder = media_folder(store.folder)
    folder.mkdir()
    (folder / hashlib.sha256(DESA).hexdigest()).write_bytes(DESA)
    store.close()
    return form, device


@pytest.mark.parametrize("size", ["1280x800", "800x1280"])
def test_every_new_widget_fills_a_valid_entry(tmp_path: Path, size: str) -> None:
    form, device = _device(tmp_path)
    files = tmp_path / "dokumen"
    files.mkdir()
    (files / "laporan.pdf").write_bytes(PDF)
    (files / "catatan.html").write_text("<script>alert(1)</script>")  # not offered

    result = run_scenario("extra_widgets", device, size=size, files=str(files))

    assert result["page1"] == {"skor": "RangeWidget", "kode": "BarcodeWidget",
                               "kualitas": "GridSelectWidget", "kondisi": "MinimalSelectWidget",
                               "fasilitas": "GridSelectMultipleWidget",
                               "telepon": "NumbersTextWidget"}
    assert result["skor_nudged"] == 4  # 0, then 2, then 4
    assert result["skor_slid"] == 8  # 7.3 snapped to the nearest step
    assert result["kode"] == "8991234567890"
    assert result["likert_columns"] == 4
    assert result["minimal_values"] == ["Rusak", "Layak"]
    assert result["telepon"] == "0812- 345"  # letters are not typed into a numbers field
    assert result["rank_before"] is None
    assert result["rank_after"] == ["air", "jalan", "sekolah"]
    assert result["jenis_other_shown_before"] is False
    assert result["hidden_shown"] is False
    assert result["desa_choices"] == ["bukit", "lorok"]  # from the file kept with the form
    assert result["trace_one_error"] is True  # one point is not yet a line
    assert result["trace_text"].startswith("2 titik (minimal 2), panjang 1")
    assert result["shape_text"].startswith("3 titik (minimal 3), luas ")
    assert result["sound_button"] == "Rekam suara"
    # kept files are named after their question and entry, like photos (issue 12), so the
    # export's cells tell them apart; the extension is the file's own
    suara, dokumen = result["files_shown"]
    entry_start = result["entry_id"][:8]
    assert suara.startswith(f"suara-{entry_start}-") and suara.endswith(".m4a"), suara
    assert dokumen.startswith(f"dokumen-{entry_start}-") and dokumen.endswith(".pdf"), dokumen
    assert result["chooser_files"] == ["laporan.pdf"]  # only the types the server takes
    texts = result["chooser_texts"]
    assert {"Nama berkas", "Ukuran", "Gunakan berkas ini", "Batal", "Pilih berkas"} <= set(texts)
    assert f"Folder: {files}" in texts, texts
    assert not {"Name", "Size"} & set(texts), texts  # Kivy's English column titles

    saved = Store(device / "store", durable=False).get_entry(result["entry_id"])
    assert saved["status"] != "draft", saved["status"]  # finalized
    answers = saved["answers"]
    assert answers["skor"] == 8 and answers["kualitas"] == "baik"
    assert answers["kondisi"] == "layak"
    assert answers["fasilitas"] == ["air", "listrik"]
    assert answers["jenis"] == "other" and answers["jenis_other"] == "Koperasi desa"
    assert answers["konfirmasi"] == "OK" and answers["sumber"] == "tablet"
    assert answers["desa"] == "lorok" and answers["cepat"] == "ya"
    # the GPS's fixes in turn: the start location when the draft opened, then the points
    assert answers["lokasi_awal"] == {"latitude": -2.9761, "longitude": 104.7754,
                                      "altitude": 12.0, "accuracy": 4.0}
    assert [p["latitude"] for p in answers["jalur"]["points"]] == [-2.977, -2.9772]
    assert [p["accuracy"] for p in answers["lahan"]["points"]] == [3.5, 4.0, 5.0]
    assert answers["suara"]["media_type"].startswith("audio/")
    assert answers["dokumen"]["media_type"] == "application/pdf"
    attachments = device / "attachments"
    assert (attachments / answers["dokumen"]["sha256"]).read_bytes() == PDF
    rebuilt = Form.from_json(form.to_json(), media={"desa.csv": DESA})
    assert rebuilt.validate(answers) == []
    for shot in ("extra_page1", "extra_page2", "extra_page3", "extra_page4",
                 "extra_file_chooser", "extra_summary"):
        assert (SCREENS / f"{size}-{shot}.png").stat().st_size > 10_000


def test_geotrace_points_are_typed_on_a_laptop(tmp_path: Path) -> None:
    _form, device = _device(tmp_path)
    result = run_scenario("typed_shape", device)
    assert result["has_fields"] is True
    assert result["bad_point"].startswith("Titik tidak sah")  # -291 is not added
    assert result["points"] == {"points": [{"latitude": -2.9761, "longitude": 104.7754},
                                           {"latitude": -2.977, "longitude": 104.776}]}
    assert result["text"].startswith("2 titik (minimal 2), panjang ")
    assert (SCREENS / "1280x800-extra_typed_shape.png").stat().st_size > 10_000
