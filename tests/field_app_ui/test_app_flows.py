"""The real app, offscreen, driven through its widgets against a real local sync server.

One tablet (data folder) goes through the officer's season in order: first-run sign-in,
filling and finalizing an observation, a draft left and resumed, a sync with progress, and a
correction requested by a supervisor. Each step is one app process (see ``driver.py``).
The season runs twice: on a landscape tablet (1280x800) and on a portrait one (800x1280, a
second officer), so every step also leaves its portrait screenshots.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from field_app.store import Store
from tests.field_app_ui.conftest import PASSWORD, SCREENS, run_scenario
from tests.support.server import LiveServer, create_user

pytestmark = [pytest.mark.kivy, pytest.mark.timeout(600)]


@dataclass
class Tablet:
    """One officer's tablet: its data folder, its screen size and the officer signed in."""

    data: Path
    size: str
    username: str
    shots: list[str] = field(default_factory=list)


@pytest.fixture(scope="module", params=["1280x800", "800x1280"])
def tablet(request: pytest.FixtureRequest, ui_server: LiveServer,
           tmp_path_factory: pytest.TempPathFactory) -> Tablet:
    """The tablet of this season, shared by the steps of this module (one per size)."""
    size = request.param
    username = "petugas" if size == "1280x800" else "petugas_potret"
    if username != "petugas":  # an officer of their own: the other tablet's entries stay apart
        create_user(ui_server.app, username, PASSWORD, "officer", ["16.71", "16.05"],
                    "Rina Petugas")
    return Tablet(tmp_path_factory.mktemp(f"tablet-{size}") / "data", size, username)


def store_of(tablet: Tablet) -> Store:
    """Open the tablet's store (the app is not running between steps)."""
    return Store(tablet.data / "store", durable=False)


def run_step(name: str, tablet: Tablet, **params: str) -> dict:
    """Run one scenario on the tablet, at its size (its screenshots are noted)."""
    result = run_scenario(name, tablet.data, size=tablet.size, **params)
    tablet.shots += result["screens"]
    return result


def supervisor(url: str) -> dict[str, str]:
    """Headers of a signed-in supervisor."""
    response = requests.post(f"{url}/api/v1/sessions", json={
        "username": "spv", "password": PASSWORD, "device_id": "browser"}, timeout=10)
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_1_first_run_sign_in(ui_server: LiveServer, tablet: Tablet) -> None:
    result = run_step("first_run", tablet, server=ui_server.url, username=tablet.username)
    assert result["server_prefilled"] == ui_server.url  # --server pre-fills the address
    assert result["wrong_password_message"] == "Nama pengguna atau kata sandi salah."
    assert result["english_title"] == "Welcome"
    assert result["indonesian_title"] == "Selamat datang"
    assert result["officer"] == "Rina Petugas"
    assert result["sync_message"].startswith("Sinkronisasi selesai")
    assert sorted(result["forms"]) == [
        "Entri baru: Observasi Kabupaten/Kota Antikorupsi",
        "Entri baru: Survei Partisipasi Masyarakat",
    ]
    store = store_of(tablet)
    assert store.credentials()["user"]["username"] == tablet.username
    assert len(store.list_forms()) == 2


def test_2_fill_and_finalize_observation(tablet: Tablet) -> None:
    result = run_step("fill_observation", tablet)
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
    # a 256-pixel upright PNG is within max-pixels: kept as it is, named after question and entry
    assert photo["filename"] == (f"foto_i01-{result['entry_id'][:8]}-{photo['sha256'][:8]}.png")
    assert photo["media_type"] == "image/png"
    assert (tablet.data / "attachments" / photo["sha256"]).exists()
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
    # each finding got its own key on the tablet; the key moved with it and outlived the removal
    moved = result["keys_after_move"]
    assert len(set(moved)) == 2 and all(key and len(key) == 32 for key in moved)
    assert result["keys_after_remove"] == [moved[0]]
    assert answers["temuan"][0]["@key"] == moved[0]


def test_3_draft_saved_and_resumed(tablet: Tablet) -> None:
    started = run_step("draft_resume", tablet, phase="start")
    assert started["drafts"] == 1
    resumed = run_step("draft_resume", tablet, phase="resume")
    assert resumed["drafts"] == 1
    assert resumed["entry_id"] == started["entry_id"]
    assert resumed["nama_unit"] == "Dinas Draf"
    assert resumed["jenis_unit_active"]
    assert store_of(tablet).get_entry(started["entry_id"])["answers"]["nama_unit"] == "Dinas Draf"


def test_4_sync_with_progress(ui_server: LiveServer, tablet: Tablet) -> None:
    result = run_step("sync", tablet)
    assert result["before"]["finalized"] == 1
    assert result["button_disabled_while_syncing"]
    assert result["progress"] and max(result["progress"]) == 100
    assert any(m.startswith("Mengirim entri") for m in result["messages"])
    # the server echoing the officer's own entry back is no news
    assert result["outcome"] == "Sinkronisasi selesai: 1 entri terkirim."
    assert result["after"]["finalized"] == 0 and result["after"]["sent"] == 1
    headers = supervisor(ui_server.url)
    sent = list(store_of(tablet).list_entries(status="sent"))
    entry = requests.get(f"{ui_server.url}/api/v1/entries/{sent[0]['entry_id']}",
                         headers=headers, timeout=10).json()
    assert entry["answers"]["nama_unit"] == "Kelurahan Uji Coba"
    # the finding added on the tablet arrives with the key the tablet gave it
    on_tablet = store_of(tablet).get_entry(sent[0]["entry_id"])["answers"]["temuan"]
    assert [item["@key"] for item in entry["answers"]["temuan"]] == [
        item["@key"] for item in on_tablet]
    assert len(on_tablet[0]["@key"]) == 32
    photo = entry["answers"]["foto_i01"]["sha256"]
    assert requests.get(f"{ui_server.url}/api/v1/attachments/{photo}", headers=headers,
                        timeout=10).status_code == 200  # the photo was uploaded


def test_5_needs_correction_round_trip(ui_server: LiveServer, tablet: Tablet) -> None:
    entry_id = store_of(tablet).list_entries(status="sent")[0]["entry_id"]
    headers = supervisor(ui_server.url)
    response = requests.post(f"{ui_server.url}/api/v1/entries/{entry_id}/review",
                             json={"status": "needs_correction",
                                   "comment": "Nama unit kurang lengkap"},
                             headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    result = run_step("correction", tablet)
    assert result["needs_correction"] == 1
    assert "Nama unit kurang lengkap" in result["row_comment"]
    assert "Catatan supervisor: Nama unit kurang lengkap" in result["banner"]
    assert not result["read_only"]
    assert result["outcome"].startswith("Sinkronisasi selesai: 1 entri terkirim")
    assert result["after"]["needs_correction"] == 0
    entry = requests.get(f"{ui_server.url}/api/v1/entries/{entry_id}", headers=headers,
                         timeout=10).json()
    assert entry["answers"]["nama_unit"] == "Kelurahan Uji Coba (diperbaiki)"


def test_6_every_step_left_its_screenshots(tablet: Tablet) -> None:
    for name in ("form_first_page_filled", "form_indicator", "form_repeat_empty",
                 "form_repeat_item_1", "form_repeat_two", "form_repeat_remove_confirm",
                 "form_repeat_one", "form_last_page_ready", "home_after_finalize", "entries_drafts",
                 "form_resumed", "home_after_sync", "entries_needs_correction",
                 "form_correction"):
        shot = f"{tablet.size}-{name}.png"
        assert shot in tablet.shots and (SCREENS / shot).stat().st_size > 10_000, shot
