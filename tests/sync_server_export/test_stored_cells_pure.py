"""Stored export cells (pure): lines made from stored cells equal lines made from the answers.

The write paths lay out an entry's cells from the answers as pushed (floats as floats, any key
order); the export without stored cells lays them out from the stored JSON (decimals as their
JSON text). Both must give the same bytes, for every version of a form whose columns differ
from the merged columns, with awkward texts, nested repeats and every layout option that can
read stored cells.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_forms import load_xlsform
from sync_server.export import build_tables, merged_choices
from sync_server.export.cells import CellRenderer, decode_repeats
from sync_server.export.rows import (
    CELL_SEP,
    CELLS_FORMAT,
    EntryRecord,
    ExportLayout,
    ExportOptions,
    decode_answers,
    device_of,
    stored_layout,
)

FORMS = Path(__file__).resolve().parent / "forms"
V1 = load_xlsform(FORMS / "ekspor_v1.md")
V2 = load_xlsform(FORMS / "ekspor_v2.md")

# texts that need quoting, neutralising, or hold the separators themselves
AWKWARD = st.sampled_from(
    [
        *("", "a,b", 'kata "kutip"', "baris\nbaru", "\r", "=SUM(A1)", "+62 811", "-2.5", "-x"),
        *("@a", "\tx", "1e-7", CELL_SEP, f"a{CELL_SEP}b", "\x00", "Jl. Merdeka", "Ωµ ünï"),
    ]
)
TEXT = st.one_of(AWKWARD, st.text(max_size=12))
NUMBER = st.one_of(
    st.integers(-(10**12), 10**12),
    st.integers(-(2**80), 2**80),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
)
#: values of the wrong shape for a question (the validator refuses most; the export copes)
ODD = st.one_of(
    st.booleans(),
    st.lists(st.one_of(st.text(max_size=3), st.integers(), st.booleans()), max_size=3),
    st.dictionaries(st.text(max_size=3), st.one_of(st.text(max_size=3), NUMBER), max_size=3),
)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


TINDAKAN = st.builds(lambda t: _drop_none({"tindakan_teks": t}), _maybe(TEXT))
TEMUAN = st.builds(
    lambda t, p, tindakan: _drop_none({"temuan_teks": t, "prioritas": p, "tindakan": tindakan}),
    _maybe(TEXT),
    _maybe(st.sampled_from(["tinggi", "rendah", "lain,nya"])),
    _maybe(st.lists(TINDAKAN, max_size=3)),
)
GEO = st.dictionaries(
    st.sampled_from(["latitude", "longitude", "altitude", "accuracy"]), NUMBER, min_size=1
)
ANSWERS = st.builds(
    lambda **kw: _drop_none(kw),
    start=_maybe(TEXT),
    kabkota=_maybe(st.sampled_from(["16.71", "16.05"])),
    kecamatan=_maybe(TEXT),
    nama_unit=_maybe(st.one_of(TEXT, ODD)),
    catatan_lama=_maybe(TEXT),
    alamat=_maybe(TEXT),
    jumlah=_maybe(st.one_of(NUMBER, ODD)),
    nilai=_maybe(st.one_of(NUMBER, TEXT)),
    bukti=_maybe(st.lists(st.sampled_from(["regulasi", "foto", "notulen", "survei"]))),
    lokasi=_maybe(GEO),
    foto=_maybe(st.builds(lambda f: {"sha256": "ab", "filename": f}, TEXT)),
    temuan=_maybe(st.lists(TEMUAN, max_size=3)),
)
META = st.fixed_dictionaries({}, optional={"device_id": TEXT})


def _layout(options: ExportOptions) -> ExportLayout:
    layout = ExportLayout(
        build_tables([V2, V1]),
        merged_choices([V2, V1]),
        options,
        "id",
        {"16.71": "Kota Palembang"},
    )
    layout.use_stored_cells({form.version: build_tables([form]) for form in (V2, V1)})
    return layout


def _record(version: str, answers: Any, device_id: str, **stored: Any) -> EntryRecord:
    return EntryRecord(
        "6f0c2a1e-0000-4000-8000-000000000001",
        "2024-08-13T02:00:00.000000Z",
        "petugas_plg",
        "Petugas, Palembang",
        "16.71",
        version,
        "needs_correction",
        '=cek "lagi"',
        device_id,
        2,
        1,
        1,
        answers,
        **stored,
    )


def _holds_separator(value: Any) -> bool:
    """A text holding the cell separator or NUL, anywhere in the answers or the meta."""
    if isinstance(value, str):
        return CELL_SEP in value or "\x00" in value
    if isinstance(value, dict):
        return any(_holds_separator(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_separator(v) for v in value)
    return False


def _foreign(form: Any, answers: dict[str, Any]) -> bool:
    """Whether the answers hold a name that is not a question or repeat of this version."""
    tables = {t.repeat_path: t for t in build_tables([form])}

    def walk(values: dict[str, Any], path: tuple[str, ...]) -> bool:
        names = {f.name for f in tables[path].fields}
        repeats = {p[-1] for p in tables if p[:-1] == path and p}
        for name, value in values.items():
            if name in repeats:
                if any(walk(i, (*path, name)) for i in value if isinstance(i, dict)):
                    return True
            elif name not in names:
                return True
        return False

    return walk(answers, ())


@settings(max_examples=300, deadline=None)
@given(
    answers=ANSWERS,
    meta=META,
    version=st.sampled_from(["1", "2"]),
    group_prefix=st.booleans(),
    keep_to_version=st.booleans(),
)
def test_lines_from_stored_cells_equal_lines_from_answers(
    answers: dict[str, Any],
    meta: dict[str, Any],
    version: str,
    group_prefix: bool,
    keep_to_version: bool,
) -> None:
    form = V1 if version == "1" else V2
    if keep_to_version:  # mostly answers a tablet of that version sends
        answers.pop("alamat" if version == "1" else "catatan_lama", None)
    layout = _layout(ExportOptions(group_prefix=group_prefix))
    assert set(layout.stored_cell_layouts) == {"1", "2"}
    stored = CellRenderer(form).render(answers, meta)
    # what the export reads back without stored cells: the answers as stored (sorted keys)
    decoded = decode_answers(json.dumps(answers, sort_keys=True, ensure_ascii=False))
    from_answers = _record(version, decoded, device_of(json.loads(json.dumps(meta)), decoded))
    if stored is None:
        # only a cell holding the separator, or an answer the version does not have
        assert _holds_separator([answers, meta]) or _foreign(form, answers)
        return
    assert not _foreign(form, answers)
    from_cells = _record(
        version,
        {},
        stored.device_id,
        cells=stored.root,
        repeat_cells=decode_repeats(stored.repeats) or [],
    )
    assert layout.root_line(from_cells) == layout.root_line(from_answers)
    assert list(layout.repeat_lines(from_cells)) == list(layout.repeat_lines(from_answers))
    # the XLSX's cells (the CSV's field texts as lists) are the same both ways too
    assert list(layout.field_rows(from_cells)) == list(layout.field_rows(from_answers))


def test_an_answer_the_version_does_not_have_is_not_stored() -> None:
    """After a merge across versions, say: a later version could make it a column."""
    assert CellRenderer(V1).render({"alamat": "Jl. Merdeka"}, {}) is None
    nested = {"temuan": [{"tindakan": [{"tindakan_teks": "a", "lain": "b"}]}]}
    assert CellRenderer(V1).render(nested, {}) is None
    assert CellRenderer(V2).render({"alamat": "Jl. Merdeka"}, {}) is not None


def test_a_cell_holding_the_separator_or_nul_is_not_stored() -> None:
    """(PostgreSQL text cannot hold NUL; the device id comes from the revision's meta.)"""
    assert CellRenderer(V1).render({"nama_unit": f"a{CELL_SEP}b"}, {}) is None
    assert CellRenderer(V1).render({"nama_unit": "a\x00b"}, {}) is None
    assert CellRenderer(V1).render({"nama_unit": "a"}, {"device_id": "tab\x00"}) is None
    inside = {"temuan": [{"temuan_teks": f"x{CELL_SEP}"}]}
    assert CellRenderer(V1).render(inside, {}) is None
    assert CellRenderer(V1).render({"nama_unit": "a,b"}, {}) is not None


@pytest.mark.parametrize(
    "options", [ExportOptions(labels=True), ExportOptions(split_select_multiple=True)]
)
def test_labels_and_split_columns_never_read_stored_cells(options: ExportOptions) -> None:
    assert _layout(options).stored_cell_layouts == {}


def test_a_version_whose_question_changed_type_is_not_read_from_stored_cells() -> None:
    """A version published before the compatibility check could hold another type."""
    layout = ExportLayout(build_tables([V2, V1]), merged_choices([V2, V1]), ExportOptions(), "id")
    v1_tables = build_tables([V1])
    changed = v1_tables[0].fields.index(next(f for f in v1_tables[0].fields if f.name == "jumlah"))
    field = v1_tables[0].fields[changed]
    v1_tables[0].fields[changed] = type(field)(field.name, "geopoint", None, field.groups)
    layout.use_stored_cells({"2": build_tables([V2]), "1": v1_tables})
    assert set(layout.stored_cell_layouts) == {"2"}


def test_stored_root_cells_are_in_the_versions_own_order() -> None:
    stored = CellRenderer(V1).render(
        {"nama_unit": "Dinas, A", "jumlah": 3, "lokasi": {"latitude": -2.5}}, {"device_id": "t"}
    )
    assert stored is not None
    cells = stored.root.split(CELL_SEP)
    names = [f.name for f in build_tables([V1])[0].fields]
    # geopoint: four cells; every other question one
    assert len(cells) == len(names) + 3
    assert cells[names.index("nama_unit")] == '"Dinas, A"'
    assert cells[names.index("jumlah")] == "3"
    assert cells[names.index("lokasi")] == "-2.5"
    assert stored.device_id == "t"
    assert stored.repeats is None


def test_the_layout_key_changes_with_the_columns_and_the_cell_format() -> None:
    v1, v2 = build_tables([V1]), build_tables([V2])
    assert stored_layout(v1) == stored_layout(build_tables([V1]))
    assert stored_layout(v1) != stored_layout(v2)
    assert stored_layout(v1).startswith(f"{CELLS_FORMAT}.")
    assert CellRenderer(V1).layout_key == stored_layout(v1)
    assert _layout(ExportOptions()).stored_cell_layouts == {
        "1": stored_layout(v1),
        "2": stored_layout(v2),
    }
    # a question of another type (same names) is another layout
    field = v1[0].fields[0]
    v1[0].fields[0] = type(field)(field.name, "text", None, field.groups)
    assert field.type != "text"
    assert stored_layout(v1) != CellRenderer(V1).layout_key
    # the KEYs of a repeat hold the groups around it: a repeat moved into a group, or a
    # question into another group, is another layout (stored KEY suffixes would be stale)
    moved = build_tables([V1])
    moved[1].groups = ("kelompok",)
    assert stored_layout(moved) != stored_layout(build_tables([V1]))
    regrouped = build_tables([V1])
    first = regrouped[0].fields[0]
    regrouped[0].fields[0] = type(first)(first.name, first.type, first.list_name, ("lain",))
    assert stored_layout(regrouped) != stored_layout(build_tables([V1]))


def test_device_id_cell_is_the_same_from_memory_and_from_json() -> None:
    for value in ("tab-1", 7, 2.5, ["a", "b"], {"b": "2", "a": "1"}, True):
        stored = json.loads(json.dumps({"deviceid": value}, sort_keys=True))
        assert device_of({}, {"deviceid": value}) == device_of(
            {}, decode_answers(json.dumps(stored))
        )


def test_repeat_keys_with_groups_are_the_same_from_stored_cells() -> None:
    """A repeat inside a group (Central's ``children/child``): KEY ``.../children/child[1]``,
    nested ``.../children/child[2]/toy[1]``, from the stored cells as from the answers."""
    form = load_xlsform(FORMS / "central" / "multirepeat.md")
    tables = build_tables([form])
    layout = ExportLayout(tables, form.choices, ExportOptions(), form.default_language)
    layout.use_stored_cells({form.version: tables})
    answers = {
        "name": "Bob",
        "child": [
            {"name_child": "Billy", "toy": [{"name_toy": "R2-D2"}]},
            {"name_child": "Blaine", "toy": [{"name_toy": "BB-8"}, {"name_toy": "Porg"}]},
        ],
    }
    stored = CellRenderer(form).render(answers, {})
    assert stored is not None
    common = {
        "entry_id": "e1",
        "submission_date": "2024-08-13T02:00:00.000000Z",
        "officer": "alice",
        "officer_name": "Alice",
        "region": "16.71",
        "form_version": form.version,
        "review_status": "received",
        "review_comment": "",
        "device_id": "",
        "edits": 0,
        "attachments_present": 0,
        "attachments_expected": 0,
    }
    from_answers = EntryRecord(**common, answers=answers)
    from_cells = EntryRecord(
        **common,
        answers={},
        cells=stored.root,
        repeat_cells=decode_repeats(stored.repeats) or [],
    )
    lines = list(layout.repeat_lines(from_answers))
    assert lines == list(layout.repeat_lines(from_cells))
    assert list(layout.field_rows(from_answers)) == list(layout.field_rows(from_cells))
    assert [line for _, line in lines] == [
        "Billy,,uuid:e1,uuid:e1/children/child[1]\r\n",
        "R2-D2,uuid:e1/children/child[1],uuid:e1/children/child[1]/toy[1]\r\n",
        "Blaine,,uuid:e1,uuid:e1/children/child[2]\r\n",
        "BB-8,uuid:e1/children/child[2],uuid:e1/children/child[2]/toy[1]\r\n",
        "Porg,uuid:e1/children/child[2],uuid:e1/children/child[2]/toy[2]\r\n",
    ]
