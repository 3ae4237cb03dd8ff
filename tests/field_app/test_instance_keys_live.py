"""Repeat instance keys from the tablet's editor through its store and sync to the server, and back.

A finding added on the tablet gets a fresh "@key"; the findings of a legacy (keyless) entry get
the implied "#<index>" keys the server implies for them; all of them arrive on the server, and a
second tablet pulling the entry gets the same keys.
"""

from __future__ import annotations

from pathlib import Path

from field_app import entries
from field_app.form_session import EntryEditor
from survey_forms.instance_keys import KEY
from tests.field_app.live import PASSWORD, Staff, observation_answers, tablet
from tests.support.server import LiveServer

OBS = ("observasi_kabkota_antikorupsi", "2024110101")


def test_a_repeat_added_on_the_tablet_arrives_on_the_server_with_its_key(
    server: LiveServer, tmp_path: Path
) -> None:
    store, client = tablet(tmp_path / "tab", server.url)
    client.sign_in("petugas", PASSWORD)
    assert client.sync().ok
    form = client.form(*OBS)
    legacy = observation_answers()
    assert all(KEY not in item for item in legacy["temuan"])
    editor = EntryEditor.new(store, form, "16.71", legacy)
    index = editor.add_repeat("temuan")
    for name, value in {
        "temuan_teks": "Kotak saran di loket belum pernah dibuka.",
        "temuan_komponen": "k3",
        "rekomendasi": "Sekretariat membuka kotak saran setiap pekan.",
        "prioritas": "rendah",
    }.items():
        editor.set_answer(name, value, (index,))
    editor.remove_repeat("temuan", 0)
    assert editor.finalize() == []
    stored = store.get_entry(editor.entry_id)["answers"]["temuan"]
    new_key = stored[-1][KEY]
    assert [item[KEY] for item in stored] == ["#1", "#2", new_key]
    assert len(new_key) == 32

    outcome = client.sync()
    assert outcome.ok, outcome
    assert store.get_entry(editor.entry_id)["status"] == entries.SENT
    detail = Staff(server.url, "spv").get(f"/entries/{editor.entry_id}")
    assert [item[KEY] for item in detail["answers"]["temuan"]] == ["#1", "#2", new_key]
    assert detail["answers"]["temuan"][-1]["prioritas"] == "rendah"

    other, other_client = tablet(tmp_path / "tab2", server.url)
    other_client.sign_in("petugas", PASSWORD)
    assert other_client.sync().ok
    pulled = other.get_entry(editor.entry_id)["answers"]["temuan"]
    assert pulled == detail["answers"]["temuan"]
