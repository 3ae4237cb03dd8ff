"""The two pilot XLSForms convert with pyxform itself and hold the brief's facts.

These tests use only pyxform (not our own loader), so they check the forms as ODK tools would
see them: conversion without warnings, the same form from a generated .xlsx, and content checks
(indicators, components, regions, SKM elements, consent, privacy).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pyxform.xls2json_backends import md_table_to_workbook
from pyxform.xls2xform import ConvertResult, convert

FORMS_DIR = Path(__file__).resolve().parents[2] / "survey_forms" / "forms"
OBSERVASI = FORMS_DIR / "observasi_kabkota_antikorupsi.md"
SURVEI = FORMS_DIR / "survei_partisipasi_masyarakat.md"
ID = "Bahasa Indonesia (id)"
EN = "English (en)"
METADATA_TYPES = {"start", "end", "today", "deviceid", "username"}

# From the forms brief (copied into survey_forms/forms/README.md): indicator number -> component number (KPK's order).
INDICATOR_COMPONENT = {
    1: 1,
    **dict.fromkeys(range(2, 8), 2),
    **dict.fromkeys(range(8, 12), 3),
    **dict.fromkeys(range(12, 16), 4),
    16: 5,
    17: 5,
    18: 6,
    19: 6,
}
# Kemendagri codes from the brief.
PALEMBANG = {
    "01": "Ilir Barat II", "02": "Seberang Ulu I", "03": "Seberang Ulu II", "04": "Ilir Barat I",
    "05": "Ilir Timur I", "06": "Ilir Timur II", "07": "Sukarami", "08": "Sako", "09": "Kemuning",
    "10": "Kalidoni", "11": "Bukit Kecil", "12": "Gandus", "13": "Kertapati", "14": "Plaju",
    "15": "Alang-Alang Lebar", "16": "Sematang Borang", "17": "Jakabaring", "18": "Ilir Timur III",
}  # fmt: skip
MUSI_RAWAS = {
    "01": "Tugumulyo", "02": "Muara Lakitan", "03": "Muara Kelingi", "08": "Jayaloka",
    "09": "Muara Beliti", "10": "STL Ulu Terawas", "11": "Selangit", "12": "Megang Sakti",
    "13": "Purwodadi", "14": "BTS. Ulu", "18": "Tiang Pumpung Kepungut", "19": "Sumber Harta",
    "20": "Tuah Negeri", "21": "Suka Karya",
}  # fmt: skip
EVIDENCE_VOCABULARY = {
    "regulasi", "pakta", "benturan", "kanal", "laporan_skm", "anggaran", "maklumat", "notulen",
    "tindak_lanjut", "lainnya", "tidak_ada",
}  # fmt: skip


@cache
def converted(path: Path) -> ConvertResult:
    """Convert one form with pyxform (cached: the forms do not change during a run)."""
    return convert(xlsform=str(path), warnings=[])


def top_level(path: Path) -> list[dict[str, Any]]:
    """The form's top-level elements, without the `meta` group pyxform adds."""
    return [el for el in converted(path)._pyxform["children"] if el["name"] != "meta"]


def walk(element: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every survey element below `element`, depth first, in form order, without `meta`."""
    for child in element.get("children", []):
        if child["name"] == "meta" and child["type"] == "group":
            continue
        yield child
        yield from walk(child)


def by_name(path: Path) -> dict[str, dict[str, Any]]:
    """Survey elements of a form keyed by name."""
    return {el["name"]: el for el in walk(converted(path)._pyxform)}


def refs(expression: str) -> set[str]:
    """Names referenced as ${name} in an expression."""
    return set(re.findall(r"\$\{([A-Za-z_][\w.-]*)\}", expression))


# ---------------------------------------------------------------- both forms


@pytest.mark.parametrize("path", [OBSERVASI, SURVEI], ids=["observasi", "survei"])
def test_converts_with_pyxform_without_warnings(path: Path) -> None:
    result = converted(path)
    assert result.warnings == []
    assert result.xform.startswith("<?xml")
    assert "<itext>" in result.xform


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs Java")
@pytest.mark.parametrize("path", [OBSERVASI, SURVEI], ids=["observasi", "survei"])
def test_odk_validate_accepts_the_xform(path: Path) -> None:
    """ODK Validate (JavaRosa, shipped with pyxform) parses the XForm and its expressions."""
    warnings: list[str] = []
    convert(xlsform=str(path), warnings=warnings, validate=True)  # raises ODKValidateError
    assert warnings == []


@pytest.mark.parametrize("path", [OBSERVASI, SURVEI], ids=["observasi", "survei"])
def test_same_form_from_generated_xlsx(path: Path, tmp_path: Path) -> None:
    workbook = md_table_to_workbook(path.read_text(encoding="utf-8"))
    xlsx = tmp_path / (path.stem + ".xlsx")
    workbook.save(xlsx)
    warnings: list[str] = []
    from_xlsx = convert(xlsform=str(xlsx), warnings=warnings)
    assert warnings == []
    assert from_xlsx.xform == converted(path).xform


@pytest.mark.parametrize(
    ("path", "form_id"),
    [(OBSERVASI, "observasi_kabkota_antikorupsi"), (SURVEI, "survei_partisipasi_masyarakat")],
    ids=["observasi", "survei"],
)
def test_settings(path: Path, form_id: str) -> None:
    data = converted(path)._pyxform
    assert data["id_string"] == form_id
    assert data["default_language"] == ID
    assert data["title"]
    version = data["version"]
    assert re.fullmatch(r"\d{10}", version)
    datetime.strptime(version[:8], "%Y%m%d")  # raises if not a real date
    instance_refs = refs(data["instance_name"])
    assert instance_refs
    names = by_name(path)
    assert instance_refs <= set(names)


@pytest.mark.parametrize("path", [OBSERVASI, SURVEI], ids=["observasi", "survei"])
def test_every_text_in_both_languages(path: Path) -> None:
    data = converted(path)._pyxform
    missing = []
    for el in walk(data):
        bind = el.get("bind", {})
        texts = {
            "label": el.get("label"),
            "hint": el.get("hint"),
            "constraint_message": bind.get("jr:constraintMsg"),
            "required_message": bind.get("jr:requiredMsg"),
        }
        if "constraint" in bind and texts["constraint_message"] is None:
            missing.append((el["name"], "constraint_message"))
        for key, text in texts.items():
            if text is None:
                continue
            if not isinstance(text, dict) or set(text) != {ID, EN}:
                missing.append((el["name"], key))
        if el["type"] not in {"calculate", *METADATA_TYPES} and "label" not in el:
            missing.append((el["name"], "label"))
    for list_name, choices in data["choices"].items():
        missing += [(list_name, c["name"]) for c in choices if set(c["label"]) != {ID, EN}]
    assert missing == []


@pytest.mark.parametrize("path", [OBSERVASI, SURVEI], ids=["observasi", "survei"])
def test_starts_with_metadata(path: Path) -> None:
    first = [el["type"] for el in top_level(path)[:5]]
    assert first == ["start", "end", "today", "deviceid", "username"]


@pytest.mark.parametrize("path", [OBSERVASI, SURVEI], ids=["observasi", "survei"])
def test_regions_32_kecamatan_with_codes_and_filter(path: Path) -> None:
    data = converted(path)._pyxform
    kabkota = {c["name"]: c["label"][ID] for c in data["choices"]["kabkota"]}
    assert kabkota == {"16.71": "Kota Palembang", "16.05": "Kabupaten Musi Rawas"}
    kecamatan = data["choices"]["kecamatan"]
    assert len(kecamatan) == 32
    expected = {f"16.71.{k}": v for k, v in PALEMBANG.items()}
    expected |= {f"16.05.{k}": v for k, v in MUSI_RAWAS.items()}
    assert {c["name"]: c["label"][ID] for c in kecamatan} == expected
    for choice in kecamatan:
        assert choice["kabkota"] == choice["name"][:5]
    names = by_name(path)
    assert names["kabkota"]["type"] == "select one"
    assert names["kecamatan"]["choice_filter"] == "kabkota=${kabkota}"
    assert names["kecamatan"]["list_name"] == "kecamatan"


# ---------------------------------------------------------------- observation checklist


def components() -> dict[int, list[int]]:
    """Component number -> indicator numbers, read from the group structure of the form."""
    found: dict[int, list[int]] = {}
    for el in top_level(OBSERVASI):
        match = re.fullmatch(r"komponen_(\d)", el["name"])
        if el["type"] == "group" and match:
            found[int(match[1])] = [
                int(child["name"][-2:])
                for child in el["children"]
                if child["type"] == "group" and child["name"].startswith("indikator_i")
            ]
    return found


def test_19_indicators_in_6_components_as_in_brief() -> None:
    found = components()
    assert sorted(found) == [1, 2, 3, 4, 5, 6]
    mapping = {ind: comp for comp, inds in found.items() for ind in inds}
    assert mapping == INDICATOR_COMPONENT
    ordered = [ind for comp in sorted(found) for ind in found[comp]]
    assert ordered == list(range(1, 20))


@pytest.mark.parametrize("number", range(1, 20))
def test_indicator_questions(number: int) -> None:
    s = f"i{number:02d}"
    names = by_name(OBSERVASI)
    group = names[f"indikator_{s}"]
    assert group["control"]["appearance"] == "field-list"
    inside = {child["name"]: child for child in group["children"]}
    assert {
        f"bobot_{s}",
        f"hasil_{s}",
        f"bukti_{s}",
        f"catatan_{s}",
        f"foto_{s}",
        f"nilai_{s}",
    } <= set(inside)
    hasil = inside[f"hasil_{s}"]
    assert hasil["type"] == "select one"
    assert [c["name"] for c in hasil["choices"]] == [
        "terpenuhi",
        "sebagian",
        "tidak_terpenuhi",
        "tidak_berlaku",
    ]
    assert hasil["bind"]["required"] == "yes"

    bukti = inside[f"bukti_{s}"]
    assert bukti["type"] == "select all that apply"
    assert bukti["bind"]["relevant"] == f"${{hasil_{s}}} != 'tidak_berlaku'"
    evidence = [c["name"] for c in bukti["choices"]]
    assert set(evidence) <= EVIDENCE_VOCABULARY
    assert evidence[-2:] == ["lainnya", "tidak_ada"]
    assert len(evidence) >= 4
    assert "selected(., 'tidak_ada')" in bukti["bind"]["constraint"]

    required = inside[f"catatan_{s}"]["bind"]["required"]
    assert f"${{hasil_{s}}} = 'sebagian'" in required
    assert f"${{hasil_{s}}} = 'tidak_terpenuhi'" in required
    assert "terpenuhi'" not in required.replace("tidak_terpenuhi'", "")

    assert inside[f"foto_{s}"]["type"] == "photo"
    assert "required" not in inside[f"foto_{s}"].get("bind", {})

    assert inside[f"bobot_{s}"]["bind"]["calculate"] == "1"
    nilai = inside[f"nilai_{s}"]["bind"]["calculate"]
    assert f"${{hasil_{s}}} = 'terpenuhi', 1" in nilai
    assert f"${{hasil_{s}}} = 'sebagian', 0.5" in nilai
    assert f"${{hasil_{s}}} = 'tidak_terpenuhi', 0" in nilai
    assert "tidak_berlaku" not in nilai  # not applicable -> empty, left out of the mean


def test_mcp_score_is_a_bounded_decimal() -> None:
    names = by_name(OBSERVASI)
    skor = names["skor_mcp"]
    assert skor["type"] == "decimal"
    assert skor["bind"]["constraint"] == ". >= 0 and . <= 100"
    indikator_1 = [c["name"] for c in names["indikator_i01"]["children"]]
    assert "skor_mcp" in indikator_1


@pytest.mark.parametrize("component", range(1, 7))
def test_component_score_uses_exactly_its_indicators(component: int) -> None:
    names = by_name(OBSERVASI)
    indicators = {f"i{i:02d}" for i, c in INDICATOR_COMPONENT.items() if c == component}
    score = names[f"skor_k{component}"]["bind"]["calculate"]
    denominator = names[f"bobot_berlaku_k{component}"]["bind"]["calculate"]
    assert refs(score) == {f"nilai_{s}" for s in indicators} | {
        f"bobot_{s}" for s in indicators
    } | {f"bobot_berlaku_k{component}"}
    assert refs(denominator) == {f"nilai_{s}" for s in indicators} | {
        f"bobot_{s}" for s in indicators
    }
    # Division guarded: no applicable indicator -> empty score.
    assert score.startswith(f"if(${{bobot_berlaku_k{component}}} > 0,")
    assert score.endswith(", '')")
    assert names[f"bobot_k{component}"]["bind"]["calculate"] == "1"
    note = names[f"catatan_skor_k{component}"]
    assert note["type"] == "note"
    for lang in (ID, EN):
        shown = refs(note["label"][lang])
        assert {f"skor_k{component}", f"bobot_k{component}"} <= shown
        assert {f"bobot_{s}" for s in indicators} <= shown


def test_overall_score_and_summary() -> None:
    names = by_name(OBSERVASI)
    total = names["skor_total"]["bind"]["calculate"]
    expected = {f"skor_k{k}" for k in range(1, 7)} | {f"bobot_k{k}" for k in range(1, 7)}
    assert refs(total) == expected | {"bobot_berlaku_total"}
    assert total.startswith("if(${bobot_berlaku_total} > 0,")
    summary = names["ringkasan_skor"]
    for lang in (ID, EN):
        assert refs(summary["label"][lang]) >= {f"skor_k{k}" for k in range(1, 7)} | {"skor_total"}


def test_visit_details() -> None:
    names = by_name(OBSERVASI)
    assert names["tanggal_kunjungan"]["type"] == "date"
    assert names["tanggal_kunjungan"]["bind"]["constraint"] == ". <= today()"
    unit_types = [c["name"] for c in names["jenis_unit"]["choices"]]
    assert {"opd", "mpp", "rsud", "lainnya"} <= set(unit_types)
    assert names["nama_unit"]["type"] == "text"
    assert names["jumlah_petugas"]["type"] == "integer"
    assert names["nama_petugas"]["type"] == "text"
    assert names["lokasi"]["type"] == "geopoint"


def test_findings_repeat() -> None:
    names = by_name(OBSERVASI)
    temuan = names["temuan"]
    assert temuan["type"] == "repeat"
    inside = {c["name"]: c for c in temuan["children"]}
    assert inside["temuan_teks"]["type"] == "text"
    assert inside["rekomendasi"]["type"] == "text"
    assert [c["name"] for c in inside["temuan_komponen"]["choices"]] == [
        f"k{k}" for k in range(1, 7)
    ]
    assert {c["name"] for c in inside["prioritas"]["choices"]} == {"tinggi", "sedang", "rendah"}


# ---------------------------------------------------------------- community survey


def test_consent_first_and_declining_ends_the_survey() -> None:
    top = top_level(SURVEI)
    questions = [el for el in top if el["type"] not in METADATA_TYPES | {"note"}]
    assert questions[0]["name"] == "persetujuan"
    assert [c["name"] for c in questions[0]["choices"]] == ["ya", "tidak"]
    consent_at = next(i for i, el in enumerate(top) if el["name"] == "persetujuan")
    assert all(el["type"] in METADATA_TYPES | {"note"} for el in top[:consent_at])
    explanation = " ".join(el["label"][ID] for el in top[:consent_at] if el["type"] == "note")
    for word in ("sukarela", "dirahasiakan", "tidak memengaruhi layanan", "gabungan"):
        assert word in explanation
    later = top[consent_at + 1 :]
    declined = [
        el for el in later if el.get("bind", {}).get("relevant") == "${persetujuan} = 'tidak'"
    ]
    assert [el["type"] for el in declined] == ["note"]
    others = [el for el in later if el not in declined]
    assert len(others) >= 5
    for el in others:
        assert el["bind"]["relevant"] == "${persetujuan} = 'ya'", el["name"]


def test_no_nik_or_respondent_name() -> None:
    forbidden = re.compile(r"\bnik\b|\bnama\b|\bname\b|\bktp\b", re.IGNORECASE)
    for el in walk(converted(SURVEI)._pyxform):
        if el["type"] in {"note", "group"} | METADATA_TYPES:
            continue  # notes and group hints tell respondents we do NOT ask for these
        assert not re.search(r"nik|nama|name", el["name"], re.IGNORECASE), el["name"]
        for text in el.get("label", {}).values():
            assert not forbidden.search(text), (el["name"], text)


def test_profile_fields() -> None:
    names = by_name(SURVEI)
    for name in ("jenis_kelamin", "kelompok_usia", "pendidikan", "pekerjaan", "jenis_layanan"):
        assert names[name]["type"] == "select one"
        assert names[name]["bind"]["required"] == "yes"


def test_nine_skm_elements_scored_1_to_4() -> None:
    names = by_name(SURVEI)
    elements = [names[f"skm_u{i}"] for i in range(1, 10)]
    for el in elements:
        assert el["type"] == "select one"
        assert [c["name"] for c in el["choices"]] == ["1", "2", "3", "4"]
    expected_topics = [
        "Persyaratan", "Sistem, mekanisme, dan prosedur", "Waktu penyelesaian", "Biaya/tarif",
        "Produk spesifikasi jenis pelayanan", "Kompetensi pelaksana", "Perilaku pelaksana",
        "Penanganan pengaduan, saran dan masukan", "Sarana dan prasarana",
    ]  # fmt: skip
    for el, topic in zip(elements, expected_topics, strict=True):
        assert topic in el["label"][ID]
    # Cost is scored the other way round: free is best.
    biaya = [c["label"][ID] for c in names["skm_u4"]["choices"]]
    assert "Sangat mahal" in biaya[0]
    assert "Gratis" in biaya[3]
    skm_group = [c["name"] for c in names["skm"]["children"] if c["name"].startswith("skm_u")]
    assert skm_group == [f"skm_u{i}" for i in range(1, 10)]


def test_ikm_and_grade() -> None:
    names = by_name(SURVEI)
    ikm = names["ikm"]["bind"]["calculate"]
    assert refs(ikm) == {f"skm_u{i}" for i in range(1, 10)}
    assert "div 9 * 25" in ikm
    grade = names["mutu_ikm"]["bind"]["calculate"]
    assert refs(grade) == {"ikm"}
    for band in (">= 88.31, 'A'", ">= 76.61, 'B'", ">= 65, 'C'", "'D'"):
        assert band in grade
    shown = names["hasil_ikm"]
    assert shown["type"] == "note"
    assert refs(shown["label"][ID]) == {"ikm", "mutu_ikm"}


def test_perception_statements_on_a_six_point_scale() -> None:
    names = by_name(SURVEI)
    statements = [el for el in names["persepsi"]["children"] if el["name"].startswith("persepsi_")]
    assert [el["name"] for el in statements] == [
        "persepsi_diskriminasi",
        "persepsi_prosedur",
        "persepsi_imbalan",
        "persepsi_pungli",
        "persepsi_calo",
    ]
    for el in statements:
        assert [c["name"] for c in el["choices"]] == ["1", "2", "3", "4", "5", "6"]


def test_complaint_channels() -> None:
    names = by_name(SURVEI)
    kanal = names["kanal_diketahui"]
    assert kanal["type"] == "select all that apply"
    channels = [c["name"] for c in kanal["choices"]]
    assert "sp4n_lapor" in channels
    assert channels[-1] == "tidak_ada"
    labels = [c["label"][ID] for c in kanal["choices"]]
    assert any("SP4N-LAPOR!" in label for label in labels)
    assert kanal["bind"]["constraint"] == "not(selected(., 'tidak_ada')) or count-selected(.) = 1"
    assert names["pernah_mengadu"]["type"] == "select one"
    assert names["bersedia_pencegahan"]["type"] == "select one"
    assert names["komentar"]["type"] == "text"
    assert "required" not in names["komentar"].get("bind", {})


def test_instance_name_does_not_identify_the_respondent() -> None:
    instance_name = converted(SURVEI)._pyxform["instance_name"]
    assert refs(instance_name) == {"persetujuan", "kecamatan", "jenis_layanan"}
    assert "today()" in instance_name


# ---------------------------------------------------------------- fixtures vs. the pyxform model

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_FORMS = [
    ("observasi_complete.json", OBSERVASI),
    ("survei_complete.json", SURVEI),
    ("survei_declined.json", SURVEI),
]


def load_fixture(name: str) -> dict[str, Any]:
    """One fixture's answers."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def shape_problems(answers: dict[str, Any], children: list[dict[str, Any]]) -> list[str]:
    """Answers that do not fit the entry data shape of docs/architecture.md for these elements."""
    elements: dict[str, dict[str, Any]] = {}
    stack = list(children)
    while stack:  # non-repeat groups do not nest in answers: flatten them
        el = stack.pop()
        if el["type"] == "group":
            stack.extend(el["children"])
        else:
            elements[el["name"]] = el
    problems = []
    for name, value in answers.items():
        el = elements.get(name)
        kind = el["type"] if el else None
        choices = [c["name"] for c in el.get("choices", [])] if el else []
        if el is None or kind in {"calculate", "note"}:
            problems.append(f"{name}: not an answerable question")
        elif kind == "repeat":
            if not isinstance(value, list) or not value:
                problems.append(f"{name}: repeat must be a non-empty list")
            else:
                for item in value:
                    problems += [f"{name}/{p}" for p in shape_problems(item, el["children"])]
        elif kind == "select one":
            if value not in choices:
                problems.append(f"{name}: {value!r} not a choice")
        elif kind == "select all that apply":
            if not (isinstance(value, list) and value and set(value) <= set(choices)):
                problems.append(f"{name}: {value!r} not a list of choices")
            elif value != [c for c in choices if c in value]:
                problems.append(f"{name}: not in choice order")
        elif kind in {"text", "deviceid", "username"}:
            if not (isinstance(value, str) and value.strip()):
                problems.append(f"{name}: empty text")
        elif kind == "integer" and (type(value) is not int):
            problems.append(f"{name}: not an int")
        elif kind == "decimal" and type(value) not in {int, float}:
            problems.append(f"{name}: not a number")
        elif kind in {"date", "today"}:
            datetime.strptime(value, "%Y-%m-%d")
        elif kind in {"start", "end"}:
            datetime.fromisoformat(value)
        elif kind == "geopoint":
            if not (-90 <= value["latitude"] <= 90 and -180 <= value["longitude"] <= 180):
                problems.append(f"{name}: bad geopoint")
        elif kind == "photo":
            ok = re.fullmatch(r"[0-9a-f]{64}", value["sha256"]) and value["filename"]
            if not ok or value["media_type"] != "image/jpeg":
                problems.append(f"{name}: bad image reference")
    return problems


@pytest.mark.parametrize(("fixture", "path"), FIXTURE_FORMS, ids=[f[0] for f in FIXTURE_FORMS])
def test_fixture_fits_the_entry_shape(fixture: str, path: Path) -> None:
    answers = load_fixture(fixture)
    assert shape_problems(answers, top_level(path)) == []
    assert {"start", "end", "today", "deviceid", "username"} <= set(answers)
    if "kecamatan" in answers:
        assert answers["kecamatan"].startswith(answers["kabkota"] + ".")


def test_observation_fixture_is_complete() -> None:
    answers = load_fixture("observasi_complete.json")
    assert answers["kabkota"] == "16.71"
    assert answers["kecamatan"] == "16.71.04"  # Ilir Barat I
    assert answers["jenis_unit"] == "mpp"
    assert len(answers["temuan"]) == 3
    for number in range(1, 20):
        s = f"i{number:02d}"
        hasil = answers[f"hasil_{s}"]
        assert (f"bukti_{s}" in answers) == (hasil != "tidak_berlaku"), s
        if hasil in {"sebagian", "tidak_terpenuhi"} or "lainnya" in answers.get(f"bukti_{s}", []):
            assert answers[f"catatan_{s}"], s
    assert {answers[f"hasil_i{n:02d}"] for n in range(1, 20)} == {
        "terpenuhi",
        "sebagian",
        "tidak_terpenuhi",
        "tidak_berlaku",
    }


def test_survey_fixtures() -> None:
    complete = load_fixture("survei_complete.json")
    assert complete["persetujuan"] == "ya"
    assert all(f"skm_u{i}" in complete for i in range(1, 10))
    declined = load_fixture("survei_declined.json")
    assert declined["persetujuan"] == "tidak"
    assert set(declined) == {"start", "end", "today", "deviceid", "username", "persetujuan"}
