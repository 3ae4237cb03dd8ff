"""The real app, offscreen, driven through its widgets against a real local sync server.

One device (data folder) goes through the officer's season in order: first-run sign-in,
filling and finalizing an observation, a draft left and resumed, a sync with progress, and a
correction requested by a supervisor. Each step is one app process (see ``driver.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from field_app.store import Store
from tests.field_app_ui.conftest import PASSWORD, run_scenario
from tests.support.server import LiveServer

pytestmark = [pytest.mark.kivy, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def device(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tablet's data folder, shared by the steps of this module."""
    return tmp_path_factory.mktemp("tablet") / "data"


def store_of(device: Path) -> Store:
    """Open the device's store (the app is not running between steps)."""
    return Store(device / "store", durable=False)


def supervisor(url: str) -> dict[str, str]:
    """Headers of a signed-in supervisor."""
    response = requests.post(f"{url}/api/v1/sessions", json={
        "username": "spv", "password": PASSWORD, "device_id": "browser"}, timeout=10)
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_1_first_run_sign_in(ui_server: LiveServer, device: Path) -> None:
    result = run_scenario("first_run", device, server=ui_server.url)
    assert result["server_prefilled"] == ui_server.url  # --server pre-fills the address
    assert result["wrong_password_message"] == "Nama pengguna atau kata sandi salah."
    assert result["english_title"] == "Welcome"
    assert result["indonesian_title"] == "Selamat datang"
    assert result["officer"] == "Rina Petugas"
    assert result["sync_message"].startswith("Sinkronisasi selesai")
    assert sorted(result["forms"]) == [
        "Isi baru: Observasi Kabupaten/Kota Antikorupsi",
        "Isi baru: Survei Partisipasi Masyarakat",
    ]
    store = store_of(device)
    assert store.credentials()["user"]["username"] == "petugas"
    assert len(store.list_forms()) == 2


def test_2_fill_and_finalize_observation(device: Path) -> None:
    result = run_scenario("fill_observation", device)
    assert result["blocked"]
    assert result["required_error"] == "Pertanyaan ini wajib diisi."
    assert result["required_error_after"] == ""
    assert not result["other_shown_before"] and result["other_shown_after"]
    before, after = result["kecamatan_filtered"]
    assert before and after and not set(before) & set(after)
    assert not result["names_shown_for_0"] and result["names_shown_for_2"]
    assert result["constraint_error"] == "Skor MCP harus antara 0 dan 100."
    assert result["note_below_threshold"]
    assert result["score_hidden_when_na"]
    assert result["photo_preview_height"] > 100
    photo = result["photo_answer"]
    assert photo["filename"] == "kivy-icon-256.png" and photo["media_type"] == "image/png"
    assert (device / "attachments" / photo["sha256"]).exists()
    assert result["after_move"] == ["Temuan kedua: kotak saran rusak",
                                    "Temuan pertama: SOP belum dipajang"]
    assert result["after_remove"] == ["Temuan kedua: kotak saran rusak"]
    assert result["summary_ready"]
    assert result["status"] == "finalized"
    answers = result["answers"]
    assert answers["jenis_unit"] == "lainnya"
    assert answers["jenis_unit_lain"] == "Kantor kelurahan"
    assert answers["jumlah_petugas"] == 2
    assert answers["hasil_i01"] == "tidak_berlaku" and "skor_mcp" not in answers
    assert answers["lokasi"]["latitude"] == pytest.approx(-2.9761)
    assert len(answers["temuan"]) == 1 and answers["temuan"][0]["prioritas"] == "tinggi"


def test_3_draft_saved_and_resumed(device: Path) -> None:
    started = run_scenario("draft_resume", device, phase="start")
    assert started["drafts"] == 1
    resumed = run_scenario("draft_resume", device, phase="resume")
    assert resumed["drafts"] == 1
    assert resumed["entry_id"] == started["entry_id"]
    assert resumed["nama_unit"] == "Dinas Draf"
    assert resumed["jenis_unit_active"]
    assert store_of(device).get_entry(started["entry_id"])["answers"]["nama_unit"] == "Dinas Draf"


def test_4_sync_with_progress(ui_server: LiveServer, device: Path) -> None:
    result = run_scenario("sync", device)
    assert result["before"]["finalized"] == 1
    assert result["button_disabled_while_syncing"]
    assert result["progress"] and max(result["progress"]) == 100
    assert any(m.startswith("Mengirim entri") for m in result["messages"])
    assert result["outcome"] == ("Sinkronisasi selesai: 1 entri terkirim, "
                                 "1 pembaruan diterima.")
    assert result["after"]["finalized"] == 0 and result["after"]["sent"] == 1
    headers = supervisor(ui_server.url)
    sent = list(store_of(device).list_entries(status="sent"))
    entry = requests.get(f"{ui_server.url}/api/v1/entries/{sent[0]['entry_id']}",
                         headers=headers, timeout=10).json()
    assert entry["answers"]["nama_unit"] == "Kelurahan Uji Coba"
    photo = entry["answers"]["foto_i01"]["sha256"]
    assert requests.get(f"{ui_server.url}/api/v1/attachments/{photo}", headers=headers,
                        timeout=10).status_code == 200  # the photo was uploaded


def test_5_needs_correction_round_trip(ui_server: LiveServer, device: Path) -> None:
    entry_id = store_of(device).list_entries(status="sent")[0]["entry_id"]
    headers = supervisor(ui_server.url)
    response = requests.post(f"{ui_server.url}/api/v1/entries/{entry_id}/review",
                             json={"status": "needs_correction",
                                   "comment": "Nama unit kurang lengkap"},
                             headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    result = run_scenario("correction", device)
    assert result["needs_correction"] == 1
    assert "Nama unit kurang lengkap" in result["row_comment"]
    assert "Catatan supervisor: Nama unit kurang lengkap" in result["banner"]
    assert not result["read_only"]
    assert result["outcome"].startswith("Sinkronisasi selesai: 1 entri terkirim")
    assert result["after"]["needs_correction"] == 0
    entry = requests.get(f"{ui_server.url}/api/v1/entries/{entry_id}", headers=headers,
                         timeout=10).json()
    assert entry["answers"]["nama_unit"] == "Kelurahan Uji Coba (diperbaiki)"
