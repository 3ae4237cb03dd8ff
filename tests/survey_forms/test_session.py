"""The form session: ODK semantics for relevance, calculations, repeats and errors."""

from __future__ import annotations

import pytest

from tests.survey_forms.formtools import fixed_meta, md_form

SKIP = """
| survey |
| | type | name | label | relevant | required | constraint | constraint_message::English (en) | calculation |
| | integer | umur | Umur | | yes | . >= 0 and . < 130 | Age 0-129 | |
| | select_one yn | bekerja | Bekerja? | ${umur} >= 15 | yes | | | |
| | text | pekerjaan | Pekerjaan | ${bekerja} = 'ya' | yes | | | |
| | calculate | dewasa | | | | | | if(${umur} >= 17, 'ya', 'tidak') |
| | begin_group | g | Grup | ${dewasa} = 'ya' | | | | |
| | text | catatan | Catatan | | | | | |
| | end_group | | | | | | | |
| choices |
| | list_name | name | label |
| | yn | ya | Ya |
| | yn | tidak | Tidak |
"""


def test_relevance_cascades_and_required() -> None:
    form = md_form(SKIP)
    s = form.new_session(meta=fixed_meta())
    assert not s.is_relevant("bekerja")
    assert [e.path for e in s.errors()] == ["umur"]
    s.set_answer("umur", 30)
    assert s.is_relevant("bekerja") and not s.is_relevant("pekerjaan")
    assert [e.code for e in s.errors()] == ["required"]
    s.set_answer("bekerja", "ya")
    assert s.is_relevant("pekerjaan")
    s.set_answer("pekerjaan", "Guru")
    assert s.errors() == []
    assert s.value("dewasa") == "ya"
    assert s.is_relevant("catatan")
    s.set_answer("catatan", "baik")
    # dropping below 15 makes bekerja, pekerjaan and (via dewasa) the group non-relevant
    s.set_answer("umur", 12)
    assert not s.is_relevant("bekerja") and not s.is_relevant("pekerjaan")
    assert not s.is_relevant("g") and not s.is_relevant("catatan")
    answers = s.answers()
    assert answers == {"umur": 12, "dewasa": "tidak"}
    assert s.errors() == []


def test_constraint_messages_in_both_languages() -> None:
    form = md_form(SKIP)
    s = form.new_session(meta=fixed_meta())
    s.set_answer("umur", 200)
    issue = s.error("umur")
    assert issue is not None and issue.code == "constraint"
    assert issue.message["en"] == "Age 0-129"
    assert issue.message["id"]  # falls back to the catalog's Indonesian text
    s.set_answer("umur", None)
    assert [e.code for e in s.errors()] == ["required"]
    assert "wajib" in s.errors()[0].message["id"]


def test_type_errors_keep_the_value_and_report_it() -> None:
    form = md_form(SKIP)
    s = form.new_session(meta=fixed_meta())
    s.set_answer("umur", "dua puluh")
    (issue,) = s.errors()
    assert issue.code == "type"
    assert s.value("umur") == "dua puluh"
    s.set_answer("umur", "21")
    assert s.value("umur") == 21


REPEAT = """
| survey |
| | type | name | label | calculation | relevant | constraint |
| | integer | target | Target | | | |
| | begin_repeat | anggota | Anggota | | | |
| | text | nama | Nama | | | |
| | integer | usia | Usia | | | |
| | calculate | dewasa | | if(${usia} >= 17, 1, 0) | | |
| | text | kerja | Kerja | | ${dewasa} = 1 | |
| | calculate | pos | | position(..) | | |
| | end_repeat | | | | | |
| | calculate | jumlah | | count(${anggota}) | | |
| | calculate | jumlah_dewasa | | sum(${dewasa}) | | |
| | calculate | total_usia | | sum(${usia}) | | |
| | note | info | ${jumlah} / ${target} | | | |
| | integer | cek | Cek | | | . = ${jumlah} |
"""


def test_repeats_sibling_references_and_aggregates() -> None:
    form = md_form(REPEAT)
    s = form.new_session(meta=fixed_meta())
    assert s.value("jumlah") == "0"
    for age in (40, 12, 19):
        index = s.add_repeat("anggota")
        s.set_answer("usia", age, (index,))
    assert s.value("jumlah") == "3"
    assert s.value("jumlah_dewasa") == "2"
    assert s.value("total_usia") == "71"
    assert [s.value("pos", (i,)) for i in range(3)] == ["1", "2", "3"]
    assert s.is_relevant("kerja", (0,)) and not s.is_relevant("kerja", (1,))
    s.set_answer("usia", 20, (1,))
    assert s.is_relevant("kerja", (1,))
    assert s.value("jumlah_dewasa") == "3"
    s.remove_repeat("anggota", 0)
    assert s.value("jumlah") == "2"
    assert s.value("total_usia") == "39"
    assert [s.value("pos", (i,)) for i in range(2)] == ["1", "2"]
    s.move_repeat("anggota", 1, 0)
    assert s.value("usia", (0,)) == 19
    assert s.answers()["anggota"][0]["usia"] == 19
    s.set_answer("cek", 3)
    assert [e.code for e in s.errors()] == ["constraint"]
    s.set_answer("cek", 2)
    assert s.errors() == []


def test_repeat_count_drives_the_instances() -> None:
    form = md_form("""
| survey |
| | type | name | label | repeat_count |
| | integer | n | N | |
| | begin_repeat | r | R | ${n} |
| | text | t | T | |
| | end_repeat | | | |
""")
    s = form.new_session(meta=fixed_meta())
    assert s.repeat_count("r") == 0
    s.set_answer("n", 3)
    assert s.repeat_count("r") == 3
    s.set_answer("t", "c", (2,))
    s.set_answer("n", 2)
    assert s.repeat_count("r") == 2
    with pytest.raises(ValueError, match="repeat_count"):
        s.add_repeat("r")


def test_choice_filter_applies_live() -> None:
    form = md_form("""
| survey |
| | type | name | label | choice_filter |
| | select_one kab | kabkota | Kab/Kota | |
| | select_one kec | kecamatan | Kecamatan | kabkota=${kabkota} |
| choices |
| | list_name | name | label | kabkota |
| | kab | 16.71 | Kota Palembang | |
| | kab | 16.05 | Kabupaten Musi Rawas | |
| | kec | 16.71.01 | Ilir Barat II | 16.71 |
| | kec | 16.71.04 | Ilir Barat I | 16.71 |
| | kec | 16.05.01 | Tugumulyo | 16.05 |
""")
    s = form.new_session(meta=fixed_meta())
    assert s.choices("kecamatan") == []
    s.set_answer("kabkota", "16.71")
    assert [c.name for c in s.choices("kecamatan")] == ["16.71.01", "16.71.04"]
    s.set_answer("kecamatan", "16.71.04")
    assert s.errors() == []
    s.set_answer("kabkota", "16.05")
    assert [c.name for c in s.choices("kecamatan")] == ["16.05.01"]
    assert [e.code for e in s.errors()] == ["invalid_choice"]


def test_metadata_defaults_and_instance_name() -> None:
    form = md_form("""
| survey |
| | type | name | label | default |
| | start | start | | |
| | end | end | | |
| | today | today | | |
| | deviceid | deviceid | | |
| | username | username | | |
| | text | unit | Unit | Mal Pelayanan Publik |
| | date | tgl | Tanggal | today() |
| settings |
| | form_id | instance_name |
| | meta | concat(${unit}, ' – ', ${tgl}) |
""")
    s = form.new_session(meta=fixed_meta())
    assert s.value("start") == "2024-08-13T09:30:00.000+07:00"
    assert s.value("today") == "2024-08-13"
    assert s.value("deviceid") == "tab-01"
    assert s.value("username") == "petugas_plg"
    assert s.value("unit") == "Mal Pelayanan Publik"
    assert s.value("tgl") == "2024-08-13"
    assert s.instance_name() == "Mal Pelayanan Publik – 2024-08-13"
    assert s.value("end") is None
    s.stamp_end()
    assert s.value("end") == "2024-08-13T09:30:00.000+07:00"


def test_resuming_from_answers_recomputes_everything() -> None:
    form = md_form(REPEAT)
    first = form.new_session(meta=fixed_meta())
    for age in (30, 5):
        i = first.add_repeat("anggota")
        first.set_answer("usia", age, (i,))
        first.set_answer("nama", f"n{i}", (i,))
    resumed = form.new_session(first.answers(), meta=fixed_meta())
    assert resumed.state() == first.state()
    assert resumed.answers() == first.answers()


def test_unknown_question_and_bad_instance_are_clear_errors() -> None:
    form = md_form(REPEAT)
    s = form.new_session(meta=fixed_meta())
    with pytest.raises(KeyError, match="no question 'nope'"):
        s.set_answer("nope", 1)
    with pytest.raises(IndexError, match="give 1 instance"):
        s.set_answer("usia", 1)
    with pytest.raises(IndexError, match="no repeat instance"):
        s.set_answer("usia", 1, (4,))
    with pytest.raises(ValueError, match="does not take an answer"):
        s.set_answer("jumlah", "5")


def test_today_is_the_officers_date_in_wib_even_on_a_utc_clock() -> None:
    from datetime import UTC, datetime

    from survey_forms.session import WIB

    form = md_form("""
| survey |
| | type | name | label | constraint |
| | today | today | | |
| | date | tgl | Tanggal | . <= today() |
""")
    # 05:30 WIB on 14 Aug is still 13 Aug in UTC
    early = datetime(2024, 8, 13, 22, 30, tzinfo=UTC).astimezone(WIB)
    s = form.new_session(meta={"now": early})
    assert s.value("today") == "2024-08-14"
    s.set_answer("tgl", "2024-08-14")
    assert s.errors() == []
    default = form.new_session()
    assert default.now().utcoffset().total_seconds() == 7 * 3600


def test_an_invalid_regex_from_an_answer_is_a_failed_constraint_not_a_crash() -> None:
    from tests.survey_forms.formtools import md_form

    form = md_form(
        """
| survey |
| | type | name | label | constraint |
| | text | pola | Pola | |
| | text | kode | Kode | regex(., ${pola}) |
"""
    )
    session = form.new_session(meta={})
    for pattern in ("(", "[a-", "*", "\\\\"):
        session.set_answer("pola", pattern)
        session.set_answer("kode", "x")
        assert [issue.code for issue in session.errors() if issue.path == "kode"] == ["constraint"]
    assert [i.code for i in form.validate({"pola": "(", "kode": "x"})] == ["constraint"]
