"""The capture widgets in the real app (offscreen, 1280x800): the GPS search with its live
accuracy, a photo downscaled as taken, a finalized entry with lost photos reopened and fixed.

The GPS and the camera are simulated behind the platform interface
(:mod:`field_app.platform.simulated`); screenshots go to ``test-artifacts/screens/``.
"""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import pytest
from PIL import Image

from field_app import entries
from field_app.conflict_text import local_time
from field_app.form_session import EntryEditor
from field_app.store import Store
from survey_forms import load_xlsform
from tests.field_app.live import PASSWORD, Staff, observation_answers, tablet
from tests.field_app.photo_samples import camera_photo, small_photo
from tests.field_app_ui.conftest import SCREENS, run_scenario
from tests.support.server import LiveServer

pytestmark = [pytest.mark.kivy, pytest.mark.timeout(300)]

SCENARIOS = "tests.field_app_ui.scenarios_capture"
CAPTURE = """
| survey |
| | type | name | label::Indonesia (id) | label::English (en) | required | appearance | parameters |
| | begin_group | kunjungan | Kunjungan | Visit | | field-list | |
| | text | nama_unit | Nama unit layanan | Service unit | yes | | |
| | geopoint | lokasi | Lokasi kunjungan (GPS) | Location of the visit (GPS) | | | capture-accuracy=5 warning-accuracy=25 |
| | end_group | | | | | | |
| | image | foto_loket | Foto loket pelayanan | Photo of the service counter | | | max-pixels=1600 |
| | image | foto_maklumat | Foto maklumat pelayanan | Photo of the service pledge | | | max-pixels=1600 |
| settings |
| | form_id | version | default_language | form_title |
| | tangkapan_uji | 2024110101 | id | Uji tangkapan |
"""
SIZE = "1280x800"


@pytest.fixture(scope="module")
def form():
    return load_xlsform(textwrap.dedent(CAPTURE).encode("utf-8"), "md")


@pytest.fixture(scope="module")
def camera_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("camera") / "IMG_20240813_094012.jpg"
    path.write_bytes(camera_photo())  # 4000x3000, EXIF orientation 6
    return path


def _device(folder: Path, form) -> Store:
    store = Store(folder / "store", durable=False)
    store.set_credentials("tok", {"username": "petugas", "full_name": "Rina Petugas",
                                  "regions": ["16.71"]}, "http://127.0.0.1:9")
    store.save_forms([form.to_json()])
    return store


def test_gps_search_shows_live_accuracy_times_out_and_flags_mock(tmp_path: Path, form) -> None:
    device = tmp_path / "data"
    _device(device, form).close()
    result = run_scenario(f"{SCENARIOS}:gps_search", device, size=SIZE)
    # live: the accuracy of the latest fix, the target, the seconds; the best fix offered
    assert result["searching_text"].startswith("Mencari GPS… akurasi saat ini 18 m "
                                               "(diterima otomatis bila 5.0 m atau lebih baik)")
    assert result["accept_text"] == "Gunakan titik ini (18 m)"
    shown = [float(s.split("akurasi saat ini ")[1].split(" m")[0])
             for s in result["statuses"] if "akurasi saat ini" in s]
    assert 18 in shown and shown == sorted(shown, reverse=True)  # live, improving
    assert set(shown) <= {65, 38, 18, 8.2}
    assert result["accepted"] == {"latitude": -2.976074, "longitude": 104.775431,
                                  "altitude": 12.0, "accuracy": 4.1}
    assert result["accepted_text"] == "Lintang -2.976074, bujur 104.775431 (akurasi 4.1 m)"
    assert result["gps_stopped"] == 1
    assert result["timeout_text"].startswith("Pencarian berhenti setelah 4 detik. Titik terbaik: "
                                             "akurasi 36 m (target 5.0 m).")
    assert result["timeout_fixes"] == 2
    assert result["value_kept_while_timed_out"]["accuracy"] == 4.1
    assert result["after_timeout_accept"]["accuracy"] == 36.0
    assert result["poor_warning"] == "Peringatan: akurasi 36 m lebih buruk dari batas 25 m."
    assert result["poor_text"].endswith("(akurasi 36 m)")
    assert result["mock_text"].startswith("Lokasi tiruan (mock) terdeteksi")
    assert "lokasi palsu (mock)" in result["mock_warning"]
    assert result["after_mock_cancel"]["accuracy"] == 36.0  # cancel: the answer unchanged
    assert result["mock_stopped"] == 1
    assert result["cancel_text"] == "Pencarian GPS dibatalkan; jawaban tidak berubah."
    assert result["stopped_on_leave"] == 1
    assert result["typed"] == {"latitude": -3.2857, "longitude": 102.8612}
    assert result["typed_text"] == ("Lintang -3.285700, bujur 102.861200 "
                                    "(diketik, tanpa akurasi GPS)")
    assert "akurasi  m" not in result["typed_text"]
    assert result["status_after_leave"] == ""  # the search stopped quietly when left
    for name in ("gps_searching", "gps_accepted", "gps_timeout", "gps_poor_accepted",
                 "gps_mock", "gps_desktop_typed"):
        assert (SCREENS / f"{SIZE}-{name}.png").stat().st_size > 10_000


def test_a_photo_is_kept_downscaled_and_named(tmp_path: Path, form, camera_file: Path) -> None:
    device = tmp_path / "data"
    _device(device, form).close()
    result = run_scenario(f"{SCENARIOS}:photo_question", device, size=SIZE,
                          photo=str(camera_file))
    assert result["busy_text"] == "Memproses foto…" and result["busy_button_disabled"]
    answer = result["answer"]
    sha = answer["sha256"]
    assert answer["filename"] == f"foto_loket-{result['entry_id'][:8]}-{sha[:8]}.jpg"
    assert answer["media_type"] == "image/jpeg"
    kept = device / "attachments" / sha
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == sha
    assert len(kept.read_bytes()) < 600_000 < camera_file.stat().st_size
    with Image.open(kept) as image:
        assert image.size == (1200, 1600)  # upright (EXIF orientation applied), 1600 at most
    assert result["texture"] == [1200, 1600]
    assert result["info"].startswith(f"{answer['filename']} · 1200×1600 piksel · ")
    assert result["info"].endswith("KB") and result["preview_height"] > 100
    assert result["camera_files"] == []  # the full-size file is not kept
    assert result["after_remove"] is None and result["remove_disabled"]
    assert [p.name for p in (device / "attachments").iterdir()] == [sha]
    assert (SCREENS / f"{SIZE}-photo_downscaled.png").stat().st_size > 10_000


def test_a_finalized_entry_with_lost_photos_is_reopened_and_fixed(
        tmp_path: Path, form, camera_file: Path) -> None:
    device = tmp_path / "data"
    store = _device(device, form)
    editor = EntryEditor.new(store, form, "16.71")
    editor.set_answer("nama_unit", "Mal Pelayanan Publik")
    photos = {}
    for n, name in enumerate(("foto_loket", "foto_maklumat")):
        source = tmp_path / f"p{n}.jpg"
        source.write_bytes(small_photo(400 + n, 300))
        photos[name] = editor.attach_photo(name, source)
    assert editor.finalize() == []
    store.close()
    folder = device / "attachments"
    (folder / photos["foto_loket"]["sha256"]).unlink()
    (folder / photos["foto_maklumat"]["sha256"]).write_bytes(b"\0" * 4096)  # zero-filled

    result = run_scenario(f"{SCENARIOS}:reopen_flow", device, size=SIZE, photo=str(camera_file))
    assert result["list_comment"] == ("2 foto hilang atau rusak di tablet; entri ini tidak "
                                      "dapat dikirim. Buka untuk memperbaikinya.")
    assert result["read_only"]
    [panel] = result["panel"]
    lines = panel.splitlines()
    assert lines[0] == "2 foto entri ini tidak dapat dikirim:"
    assert lines[1] == (f"• Foto loket pelayanan: foto {photos['foto_loket']['filename']} "
                        "hilang dari tablet (berkasnya tidak ada)")
    assert lines[2] == (f"• Foto maklumat pelayanan: foto {photos['foto_maklumat']['filename']}"
                        " rusak di tablet (isinya tidak cocok lagi)")
    assert result["message"].startswith("Entri dibuka kembali sebagai draf.")
    assert result["editable"] and result["page_questions"] == ["foto_loket"]
    assert result["widget_problem"].startswith(
        f"Foto {photos['foto_loket']['filename']} hilang dari tablet")
    assert "rusak di tablet" in result["damaged_problem"]
    assert result["summary_errors"] == []
    assert result["status"] == entries.FINALIZED and result["problems_after"] == 0
    assert "foto_loket" not in result["answers"] or result["answers"]["foto_loket"] is None
    retaken = result["answers"]["foto_maklumat"]
    assert retaken["sha256"] != photos["foto_maklumat"]["sha256"]
    assert (folder / retaken["sha256"]).exists()
    final = Store(device / "store", durable=False).pending_revisions()
    assert [p["entry_id"] for p in final] == [editor.entry_id]
    assert [a["sha256"] for a in final[0]["attachments"]] == [retaken["sha256"]]
    for name in ("reopen_list", "reopen_panel", "reopen_photo_missing", "reopen_photo_retaken"):
        assert (SCREENS / f"{SIZE}-{name}.png").stat().st_size > 10_000


def test_the_conflict_banner_says_whose_value_is_which(ui_server: LiveServer,
                                                        tmp_path: Path) -> None:
    """A real conflict from the server (the officer's correction against the supervisor's
    edit); the banner names the officer's value and the supervisor's, with times."""
    device = tmp_path / "data"
    store, client = tablet(device, ui_server.url)
    client.sign_in("petugas", PASSWORD)
    assert client.sync().ok
    form = client.form("observasi_kabkota_antikorupsi", "2024110101")
    answers = {**observation_answers(), "nama_unit": "Mal Pelayanan Publik"}
    entry_id = store.create_draft(form.form_id, form.version, "16.71", answers)
    assert store.finalize_entry(entry_id, form) == []
    assert client.sync().ok
    first_rev = store.get_entry(entry_id)["rev"]
    store.start_correction(entry_id)
    base = store.get_entry(entry_id)["answers"]
    store.save_answers(entry_id, {**base, "nama_unit": "MPP Kota Palembang"})
    Staff(ui_server.url, "spv").post(
        f"/entries/{entry_id}/revisions",
        {"parent_rev": first_rev, "answers": {**base, "nama_unit": "Mal Pelayanan Publik (MPP)"},
         "comment": "nama resmi"})
    assert store.finalize_entry(entry_id, form) == []
    made_at = store.get_entry(entry_id)["meta"]["finalized_at"]
    assert client.sync().ok
    assert store.get_entry(entry_id)["status"] == entries.CONFLICT
    store.close()

    result = run_scenario(f"{SCENARIOS}:conflict_banner", device, size=SIZE)
    lines = result["banner"].splitlines()
    assert lines[0] == "Catatan supervisor: nama resmi"
    assert lines[1].startswith("Konflik: entri ini diubah di dua tempat.")
    assert lines[2].startswith(f"Nama unit yang diamati — nilai Anda (tablet ini, "
                               f"{local_time(made_at)}) = MPP Kota Palembang; nilai dari "
                               "supervisor spv (")
    assert lines[2].endswith(") = Mal Pelayanan Publik (MPP)")
    assert "value A =" not in result["banner_en"] and "nilai A =" not in result["banner"]
    assert "your value (this tablet, " in result["banner_en"]
    assert "value from supervisor spv (" in result["banner_en"]
    assert (SCREENS / f"{SIZE}-conflict_banner.png").stat().st_size > 10_000
