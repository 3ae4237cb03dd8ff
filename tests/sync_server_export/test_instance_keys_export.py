"""Repeat instance keys ("@key") never reach an export: no column, no cell; stored cells still used.

The export's KEY / PARENT_KEY columns stay ODK Central's positional ``<parent>/<repeat>[n]``; the
instance keys are an identity for merges, not data.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from survey_forms.instance_keys import KEY, new_instance_key, with_keys
from sync_server.export.cells import CellRenderer, decode_repeats
from sync_server.export.rows import ExportOptions, decode_answers, device_of
from tests.sync_server.helpers import make_revision

from .conftest import FORM_ID, Seeded, answers_v1
from .test_export_http import get, read_csv_bytes
from .test_stored_cells_pure import ANSWERS, V1, V2, _holds_separator, _layout, _record

#: a key value no cell could hold by chance
MARK = "kunci-instansi-unik"


def _keyed(answers: dict[str, Any], form: Any, fresh: bool) -> dict[str, Any]:
    keyed = with_keys(answers, form)
    if fresh:
        for number, item in enumerate(keyed.get("temuan", [])):
            item[KEY] = f"{MARK}{number}"
            for sub, inner in enumerate(item.get("tindakan", [])):
                inner[KEY] = f"{MARK}{number}.{sub}"
    return keyed


@settings(max_examples=150, deadline=None)
@given(answers=ANSWERS, version=st.sampled_from(["1", "2"]), fresh=st.booleans())
def test_keys_are_no_cells_and_do_not_stop_stored_cells(
    answers: dict[str, Any], version: str, fresh: bool
) -> None:
    form = V1 if version == "1" else V2
    answers.pop("alamat" if version == "1" else "catatan_lama", None)
    keyed = _keyed(answers, form, fresh)
    layout = _layout(ExportOptions())
    decoded = decode_answers(json.dumps(keyed, sort_keys=True, ensure_ascii=False))
    from_answers = _record(version, decoded, device_of({}, decoded))
    plain = decode_answers(json.dumps(answers, sort_keys=True, ensure_ascii=False))
    without_keys = _record(version, plain, device_of({}, plain))
    # the keys change nothing in any line
    assert layout.root_line(from_answers) == layout.root_line(without_keys)
    assert list(layout.repeat_lines(from_answers)) == list(layout.repeat_lines(without_keys))
    stored = CellRenderer(form).render(keyed, {})
    if _holds_separator(answers):
        return
    assert stored is not None  # "@key" is not an answer the version lacks
    from_cells = _record(
        version,
        {},
        stored.device_id,
        cells=stored.root,
        repeat_cells=decode_repeats(stored.repeats) or [],
    )
    assert layout.root_line(from_cells) == layout.root_line(from_answers)
    assert list(layout.repeat_lines(from_cells)) == list(layout.repeat_lines(from_answers))
    assert MARK not in (stored.repeats or "") and KEY not in (stored.repeats or "")


def test_the_headers_never_name_the_key() -> None:
    layout = _layout(ExportOptions(labels=True, split_select_multiple=True))
    for index in range(len(layout.plans)):
        assert not any("@" in header for header in layout.headers(index))


def test_an_export_of_keyed_entries_shows_no_key(seeded: Seeded) -> None:
    answers = answers_v1(9)
    answers["temuan"][0][KEY] = new_instance_key()
    answers["temuan"][0]["tindakan"][1][KEY] = f"{MARK}.1"
    answers["temuan"][1][KEY] = MARK
    rev = make_revision(answers, form_id=FORM_ID, form_version="1")
    assert seeded.client("petugas_plg").push(rev)[0]["status"] == "stored"
    resp = get(seeded, "admin", f"/export/{FORM_ID}.zip")
    assert resp.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(resp.content))
    for name in archive.namelist():
        body = archive.read(name).decode("utf-8-sig")
        assert "@key" not in body and MARK not in body
        assert answers["temuan"][0][KEY] not in body
    temuan = read_csv_bytes(archive.read(f"{FORM_ID}-temuan.csv"))
    mine = [row for row in temuan if row["PARENT_KEY"] == f"uuid:{rev['entry_id']}"]
    assert [row["temuan_teks"] for row in mine] == [i["temuan_teks"] for i in answers["temuan"]]
    assert [row["KEY"] for row in mine] == [
        f"uuid:{rev['entry_id']}/temuan[1]",
        f"uuid:{rev['entry_id']}/temuan[2]",
    ]
    assert set(mine[0]) == {"temuan_teks", "prioritas", "PARENT_KEY", "KEY"}
