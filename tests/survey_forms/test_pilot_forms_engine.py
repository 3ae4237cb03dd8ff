"""The pilot forms in our own engine: they load, the example answers validate, scores are right.

Expected scores are computed here independently (plain Python over the fixture answers and the
weights read from the form), then compared with what the form's calculates give in a session.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pyxform.xls2json_backends import md_table_to_workbook

from survey_forms import Form, load_pilot_form, load_xlsform
from survey_forms.instance_keys import with_keys

FORMS_DIR = Path(__file__).resolve().parents[2] / "survey_forms" / "forms"
OBSERVASI = FORMS_DIR / "observasi_kabkota_antikorupsi.md"
SURVEI = FORMS_DIR / "survei_partisipasi_masyarakat.md"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOW = datetime(2024, 11, 25, 3, 0, tzinfo=UTC)

# From the brief: indicator number -> component number.
INDICATOR_COMPONENT = {1: 1, 16: 5, 17: 5, 18: 6, 19: 6}
INDICATOR_COMPONENT |= dict.fromkeys(range(2, 8), 2)
INDICATOR_COMPONENT |= dict.fromkeys(range(8, 12), 3)
INDICATOR_COMPONENT |= dict.fromkeys(range(12, 16), 4)
FINDING_VALUE = {"terpenuhi": 1.0, "sebagian": 0.5, "tidak_terpenuhi": 0.0}


def fixture(name: str) -> dict[str, Any]:
    """A fresh copy of one fixture's answers."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def observasi() -> Form:
    return load_xlsform(OBSERVASI)


@pytest.fixture(scope="module")
def survei() -> Form:
    return load_xlsform(SURVEI)


def issues(form: Form, answers: dict[str, Any]) -> list[tuple[str, str]]:
    """(path, code) of every validation issue."""
    return [(issue.path, issue.code) for issue in form.validate(answers)]


def number(text: Any) -> float | None:
    """A calculate's value as a number (None when empty)."""
    return None if text in (None, "") else float(text)


# ---------------------------------------------------------------- loading


@pytest.mark.parametrize(
    ("short", "path", "form_id"),
    [
        ("observasi", OBSERVASI, "observasi_kabkota_antikorupsi"),
        ("survei_masyarakat", SURVEI, "survei_partisipasi_masyarakat"),
    ],
)
def test_pilot_forms_load(short: str, path: Path, form_id: str) -> None:
    form = load_xlsform(path)
    assert form.form_id == form_id
    assert form.version == "2024110101"
    assert form.default_language == "id"
    assert {"id", "en"} <= {lang.code for lang in form.languages}
    pilot = load_pilot_form(short)
    assert pilot.to_json() == form.to_json()
    assert Form.from_json(form.to_json()).to_json() == form.to_json()


@pytest.mark.parametrize("path", [OBSERVASI, SURVEI], ids=["observasi", "survei"])
def test_same_form_from_generated_xlsx(path: Path, tmp_path: Path) -> None:
    xlsx = tmp_path / (path.stem + ".xlsx")
    md_table_to_workbook(path.read_text(encoding="utf-8")).save(xlsx)
    assert load_xlsform(xlsx).to_json() == load_xlsform(path).to_json()


def test_observation_questions_in_order(observasi: Form) -> None:
    names = [q.name for q in observasi.questions_in_order()]
    hasil = [n for n in names if n.startswith("hasil_i")]
    assert hasil == [f"hasil_i{n:02d}" for n in range(1, 20)]
    assert names.index("kabkota") < names.index("kecamatan") < names.index("hasil_i01")
    assert names.index("hasil_i19") < names.index("temuan_teks") < names.index("lokasi")


# ---------------------------------------------------------------- fixtures validate


@pytest.mark.parametrize(
    ("form_name", "fixture_name"),
    [
        ("observasi", "observasi_complete.json"),
        ("survei", "survei_complete.json"),
        ("survei", "survei_declined.json"),
    ],
)
def test_fixture_validates(
    form_name: str, fixture_name: str, request: pytest.FixtureRequest
) -> None:
    form: Form = request.getfixturevalue(form_name)
    answers = fixture(fixture_name)
    assert form.validate(answers) == []
    session = form.new_session(answers=answers, meta={"now": NOW})
    assert session.errors() == []
    stored = {k: v for k, v in session.answers().items() if not _is_calculate(form, k)}
    assert stored == with_keys(answers, form)  # legacy instances get their implied keys


def _is_calculate(form: Form, name: str) -> bool:
    return form.question(name).type == "calculate"


# ---------------------------------------------------------------- observation: scores


def weights(form: Form) -> tuple[dict[int, float], dict[int, float]]:
    """Indicator and component weights as written in the form's calculate rows."""
    indicator = {n: float(form.question(f"bobot_i{n:02d}").calculation) for n in range(1, 20)}
    component = {k: float(form.question(f"bobot_k{k}").calculation) for k in range(1, 7)}
    return indicator, component


def expected_scores(
    answers: dict[str, Any], indicator_w: dict[int, float], component_w: dict[int, float]
) -> tuple[dict[int, float | None], float | None]:
    """Component scores (weighted mean x 100 of applicable indicators) and the overall score."""
    scores: dict[int, float | None] = {}
    for k in range(1, 7):
        pairs = [
            (indicator_w[n], FINDING_VALUE[answers[f"hasil_i{n:02d}"]])
            for n, comp in INDICATOR_COMPONENT.items()
            if comp == k and answers.get(f"hasil_i{n:02d}") in FINDING_VALUE
        ]
        total_w = sum(w for w, _ in pairs)
        scores[k] = 100 * sum(w * v for w, v in pairs) / total_w if total_w > 0 else None
    present = [(component_w[k], s) for k, s in scores.items() if s is not None]
    total_w = sum(w for w, _ in present)
    overall = sum(w * s for w, s in present) / total_w if total_w > 0 else None
    return scores, overall


def assert_scores(form: Form, answers: dict[str, Any]) -> None:
    session = form.new_session(answers=answers, meta={"now": NOW})
    scores, overall = expected_scores(answers, *weights(form))
    for k, score in scores.items():
        got = number(session.value(f"skor_k{k}"))
        if score is None:
            assert got is None, k
        else:
            assert got == pytest.approx(score, abs=0.006), k
    got_overall = number(session.value("skor_total"))
    if overall is None:
        assert got_overall is None
    else:
        # The overall score averages the already rounded component scores.
        assert got_overall == pytest.approx(overall, abs=0.02)


def test_scores_of_the_complete_observation(observasi: Form) -> None:
    answers = fixture("observasi_complete.json")
    assert_scores(observasi, answers)
    session = observasi.new_session(answers=answers, meta={"now": NOW})
    # Spot values, worked by hand: K2 = (0.5+0.5+1+0+1+0.5)/6; K6 = only indicator 18 applies.
    assert number(session.value("skor_k2")) == pytest.approx(58.33, abs=0.005)
    assert number(session.value("skor_k6")) == pytest.approx(50.0)
    assert session.value("nilai_i19") is None


def test_component_without_applicable_indicators_has_no_score(observasi: Form) -> None:
    answers = fixture("observasi_complete.json")
    for s in ("i18", "i19"):
        answers[f"hasil_{s}"] = "tidak_berlaku"
        answers.pop(f"bukti_{s}", None)
    assert observasi.validate(answers) == []
    session = observasi.new_session(answers=answers, meta={"now": NOW})
    assert session.value("skor_k6") is None
    assert_scores(observasi, answers)


def test_nothing_applicable_gives_no_overall_score(observasi: Form) -> None:
    answers = fixture("observasi_complete.json")
    for n in range(1, 20):
        answers[f"hasil_i{n:02d}"] = "tidak_berlaku"
        answers.pop(f"bukti_i{n:02d}", None)
    answers.pop("skor_mcp")
    assert observasi.validate(answers) == []
    session = observasi.new_session(answers=answers, meta={"now": NOW})
    assert [session.value(f"skor_k{k}") for k in range(1, 7)] == [None] * 6
    assert session.value("skor_total") is None


def test_weights_are_editable_in_the_form() -> None:
    text = OBSERVASI.read_text(encoding="utf-8")
    edits = {"bobot_i05": "3", "bobot_i02": "0.5", "bobot_k2": "2", "bobot_k6": "0.25"}
    for name, weight in edits.items():
        text, count = re.subn(
            rf"^(\| \| calculate \| {name} \|.*\| )1 \|$", rf"\g<1>{weight} |", text, flags=re.M
        )
        assert count == 1, name
    form = load_xlsform(text.encode("utf-8"), "md")
    indicator_w, component_w = weights(form)
    assert (indicator_w[5], indicator_w[2], component_w[2], component_w[6]) == (3, 0.5, 2, 0.25)
    answers = fixture("observasi_complete.json")
    assert_scores(form, answers)
    unweighted = observasi_scores(load_xlsform(OBSERVASI), answers)
    assert observasi_scores(form, answers) != unweighted


def observasi_scores(form: Form, answers: dict[str, Any]) -> list[Any]:
    session = form.new_session(answers=answers, meta={"now": NOW})
    return [session.value(f"skor_k{k}") for k in range(1, 7)] + [session.value("skor_total")]


def test_scores_follow_answers_in_a_session(observasi: Form) -> None:
    session = observasi.new_session(meta={"now": NOW, "deviceid": "t1", "username": "u1"})
    assert session.value("skor_k2") is None
    session.set_answer("hasil_i02", "terpenuhi")
    assert number(session.value("skor_k2")) == pytest.approx(100)
    session.set_answer("hasil_i03", "tidak_terpenuhi")
    assert number(session.value("skor_k2")) == pytest.approx(50)
    session.set_answer("hasil_i04", "tidak_berlaku")
    assert number(session.value("skor_k2")) == pytest.approx(50)
    assert number(session.value("skor_total")) == pytest.approx(50)
    session.set_answer("hasil_i12", "sebagian")
    assert number(session.value("skor_total")) == pytest.approx(50)
    session.set_answer("hasil_i01", "terpenuhi")
    assert number(session.value("skor_total")) == pytest.approx(200 / 3, abs=0.006)


# ---------------------------------------------------------------- observation: rules


def test_note_required_for_partly_or_not_fulfilled(observasi: Form) -> None:
    answers = fixture("observasi_complete.json")
    assert answers["hasil_i02"] == "sebagian"
    del answers["catatan_i02"]
    assert issues(observasi, answers) == [("catatan_i02", "required")]
    answers = fixture("observasi_complete.json")
    assert answers["hasil_i04"] == "terpenuhi"
    assert "catatan_i04" not in answers  # no note needed when fulfilled (already valid)
    answers["bukti_i04"] = ["regulasi", "lainnya"]
    assert issues(observasi, answers) == [("catatan_i04", "required")]


def test_evidence_not_asked_when_not_applicable(observasi: Form) -> None:
    answers = fixture("observasi_complete.json")
    answers["bukti_i19"] = ["notulen"]
    assert ("bukti_i19", "not_relevant") in issues(observasi, answers)
    answers = fixture("observasi_complete.json")
    del answers["bukti_i03"]
    assert issues(observasi, answers) == [("bukti_i03", "required")]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("skor_mcp", 100.5),
        ("skor_mcp", -1),
        ("tanggal_kunjungan", "2099-01-01"),
        ("bukti_i01", ["regulasi", "tidak_ada"]),
        ("jumlah_petugas", 201),
    ],
)
def test_constraints(observasi: Form, name: str, value: Any) -> None:
    answers = fixture("observasi_complete.json")
    answers[name] = value
    assert issues(observasi, answers) == [(name, "constraint")]


def test_mcp_below_candidate_threshold_is_pointed_out(observasi: Form) -> None:
    answers = fixture("observasi_complete.json")
    session = observasi.new_session(answers=answers, meta={"now": NOW})
    assert not session.is_relevant("catatan_ambang_mcp")
    session.set_answer("skor_mcp", 74.99)
    assert session.is_relevant("catatan_ambang_mcp")
    session.set_answer("hasil_i01", "tidak_berlaku")
    assert not session.is_relevant("skor_mcp")
    assert not session.is_relevant("catatan_ambang_mcp")


def test_kecamatan_filtered_by_kabkota(observasi: Form) -> None:
    session = observasi.new_session(meta={"now": NOW})
    session.set_answer("kabkota", "16.05")
    musi_rawas = [c.name for c in session.choices("kecamatan")]
    assert len(musi_rawas) == 14
    assert all(name.startswith("16.05.") for name in musi_rawas)
    session.set_answer("kabkota", "16.71")
    assert len(session.choices("kecamatan")) == 18
    answers = fixture("observasi_complete.json")
    answers["kecamatan"] = "16.05.09"  # Muara Beliti is not in Kota Palembang
    assert issues(observasi, answers) == [("kecamatan", "invalid_choice")]


def test_findings_repeat_paths(observasi: Form) -> None:
    answers = fixture("observasi_complete.json")
    del answers["temuan"][2]["rekomendasi"]
    assert issues(observasi, answers) == [("temuan[2]/rekomendasi", "required")]


def test_observation_instance_name(observasi: Form) -> None:
    session = observasi.new_session(answers=fixture("observasi_complete.json"), meta={"now": NOW})
    assert session.instance_name() == (
        "Kota Palembang – Mal Pelayanan Publik Kota Palembang – 2024-08-13"
    )


# ---------------------------------------------------------------- community survey


def expected_ikm(scores: list[int]) -> tuple[float, str]:
    """IKM = mean x 25 and its grade, with the bands of PermenPAN-RB 14/2017."""
    ikm = round(sum(scores) / 9 * 25, 2)
    grade = "A" if ikm >= 88.31 else "B" if ikm >= 76.61 else "C" if ikm >= 65 else "D"
    return ikm, grade


@pytest.mark.parametrize("total", range(9, 37))
def test_ikm_and_grade_for_every_possible_total(survei: Form, total: int) -> None:
    scores = [1] * 9
    for i in range(total - 9):  # spread the extra points over the elements
        scores[i % 9] += 1
    answers = fixture("survei_complete.json")
    answers |= {f"skm_u{i}": str(v) for i, v in enumerate(scores, 1)}
    assert survei.validate(answers) == []
    session = survei.new_session(answers=answers, meta={"now": NOW})
    ikm, grade = expected_ikm(scores)
    assert number(session.value("ikm")) == pytest.approx(ikm, abs=0.006)
    assert session.value("mutu_ikm") == grade


def test_ikm_of_the_complete_survey(survei: Form) -> None:
    answers = fixture("survei_complete.json")
    session = survei.new_session(answers=answers, meta={"now": NOW})
    ikm, grade = expected_ikm([int(answers[f"skm_u{i}"]) for i in range(1, 10)])
    assert number(session.value("ikm")) == pytest.approx(ikm, abs=0.006)
    assert session.value("mutu_ikm") == grade
    assert session.is_relevant("hasil_ikm")


def test_ikm_empty_until_all_nine_answered(survei: Form) -> None:
    session = survei.new_session(meta={"now": NOW})
    session.set_answer("persetujuan", "ya")
    for i in range(1, 9):
        session.set_answer(f"skm_u{i}", "4")
    assert session.value("ikm") is None
    assert session.value("mutu_ikm") is None
    assert not session.is_relevant("hasil_ikm")
    session.set_answer("skm_u9", "4")
    assert number(session.value("ikm")) == pytest.approx(100)
    assert session.value("mutu_ikm") == "A"


def test_declining_consent_ends_the_survey(survei: Form) -> None:
    session = survei.new_session(meta={"now": NOW, "deviceid": "t5", "username": "enum"})
    session.set_answer("persetujuan", "tidak")
    for name in ("profil", "jenis_kelamin", "kecamatan", "skm_u1", "persepsi_pungli", "komentar"):
        assert not session.is_relevant(name), name
    assert session.is_relevant("terima_kasih_menolak")
    assert session.errors() == []
    assert set(session.answers()) == {"start", "today", "deviceid", "username", "persetujuan"}
    session.set_answer("persetujuan", "ya")
    assert session.is_relevant("jenis_kelamin")
    assert not session.is_relevant("terima_kasih_menolak")
    assert ("jenis_kelamin", "required") in [(i.path, i.code) for i in session.errors()]


def test_declined_entry_may_not_carry_answers(survei: Form) -> None:
    answers = fixture("survei_declined.json")
    answers["jenis_kelamin"] = "perempuan"
    assert issues(survei, answers) == [("jenis_kelamin", "not_relevant")]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"kanal_diketahui": ["sp4n_lapor", "tidak_ada"]}, [("kanal_diketahui", "constraint")]),
        ({"kanal_diketahui": ["tidak_ada"]}, []),
        ({"skm_u3": "5"}, [("skm_u3", "invalid_choice")]),
        ({"pernah_mengadu": "tidak"}, [("pengaduan_ditanggapi", "not_relevant")]),
        ({"komentar": None}, []),
    ],
)
def test_survey_rules(
    survei: Form, change: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    answers = copy.deepcopy(fixture("survei_complete.json"))
    for name, value in change.items():
        if value is None:
            del answers[name]
        else:
            answers[name] = value
    assert issues(survei, answers) == expected


def test_survey_instance_name_is_anonymous(survei: Form) -> None:
    meta = {"now": NOW}
    session = survei.new_session(answers=fixture("survei_complete.json"), meta=meta)
    name = session.instance_name()
    assert name.startswith("Ilir Barat I – Perizinan usaha/bangunan – ")
    assert re.fullmatch(r".* – \d{4}-\d{2}-\d{2}", name)
    declined = survei.new_session(answers=fixture("survei_declined.json"), meta=meta)
    assert declined.instance_name().startswith("Menolak – ")
