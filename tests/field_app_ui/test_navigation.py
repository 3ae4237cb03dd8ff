"""Pages of the form screen, skip logic and label references, without Kivy."""

from __future__ import annotations

import textwrap

from field_app.ui import navigation
from field_app.ui.navigation import Page, build_pages, render_text, visible_questions
from survey_forms import load_pilot_form, load_xlsform

NESTED = textwrap.dedent("""
    | survey |
    | | type | name | label | relevant | appearance | calculation |
    | | start | start | | | | |
    | | text | nama | Nama | | | |
    | | begin_group | grp | Grup | | field-list | |
    | | integer | umur | Umur | | | |
    | | text | alasan | Alasan | ${umur} < 17 | | |
    | | end_group | | | | | |
    | | calculate | dua_kali | | | | ${umur} * 2 |
    | | calculate | tampil | Dua kali umur | | | ${umur} * 2 |
    | | begin_repeat | anggota | Anggota | | | |
    | | text | anggota_nama | Nama anggota | | | |
    | | begin_group | detail | Detail | | field-list | |
    | | integer | anggota_umur | Umur anggota | | | |
    | | end_group | | | | | |
    | | end_repeat | | | | | |
    | | note | akhir | Halo ${nama}, umur ${umur} | | | |
    | settings |
    | | form_id | version |
    | | uji_halaman | 1 |
""")


def nested_form():
    return load_xlsform(NESTED.encode(), "md", form_id="uji_halaman")


def test_pages_follow_groups_repeats_and_hide_metadata() -> None:
    form = nested_form()
    session = form.new_session()
    pages = build_pages(form, session)
    assert [(p.kind, p.key, p.instance) for p in pages] == [
        ("questions", "nama", ()),
        ("questions", "grp", ()),  # the labelled calculation after it is shown on it
        ("repeat", "anggota", ()),
        ("questions", "akhir", ()),  # a note after a repeat's control page keeps its page
    ]
    assert pages[1].questions == ("umur", "alasan", "tampil")  # the unlabelled one is not
    session.add_repeat("anggota")
    session.add_repeat("anggota")
    pages = build_pages(form, session)
    inside = [(p.key, p.instance, p.questions) for p in pages if p.instance]
    assert inside == [
        ("anggota_nama", (0,), ("anggota_nama",)),
        ("detail", (0,), ("anggota_umur",)),
        ("anggota_nama", (1,), ("anggota_nama",)),
        ("detail", (1,), ("anggota_umur",)),
    ]


def test_skip_logic_on_a_field_list_page_is_live() -> None:
    form = nested_form()
    session = form.new_session()
    group = build_pages(form, session)[1]
    assert visible_questions(session, group) == ["umur", "tampil"]
    session.set_answer("umur", 12)
    assert visible_questions(session, group) == ["umur", "alasan", "tampil"]
    session.set_answer("umur", 30)
    assert visible_questions(session, group) == ["umur", "tampil"]


def test_pages_whose_questions_are_all_irrelevant_are_skipped() -> None:
    form = load_pilot_form("survei_masyarakat")
    session = form.new_session()
    keys = [p.key for p in build_pages(form, session)]
    assert "profil" not in keys  # relevant only after consent
    session.set_answer("persetujuan", "ya")
    pages = build_pages(form, session)
    assert "profil" in [p.key for p in pages]
    assert "terima_kasih_menolak" not in visible_questions(session, pages[0])
    session.set_answer("persetujuan", "tidak")
    pages = build_pages(form, session)
    assert "profil" not in [p.key for p in pages]
    assert visible_questions(session, pages[0])[-1] == "terima_kasih_menolak"


def test_read_only_pages_fold_onto_a_neighbour_in_their_group() -> None:
    form = load_pilot_form("survei_masyarakat")
    session = form.new_session()
    session.set_answer("persetujuan", "ya")
    pages = {p.key: p.questions for p in build_pages(form, session)}
    assert pages["persetujuan"][:2] == ("penjelasan_survei", "persetujuan")  # intro: after
    assert pages["skm_u9"] == ("skm_u9", "hasil_ikm")  # the IKM result: on the page before
    assert pages["persepsi_diskriminasi"][0] == "petunjuk_persepsi"  # next, same group
    assert pages["komentar"] == ("komentar", "terima_kasih")
    shown = [name for page in pages.values() for name in page]
    notes = [q.name for q in form.questions_in_order() if q.type == "note"]
    assert sorted(set(shown) & set(notes)) == sorted(notes)  # no note lost


def test_observation_form_pages() -> None:
    form = load_pilot_form("observasi")
    session = form.new_session()
    pages = build_pages(form, session)
    # component 1 (one indicator) shares a page with component 2, 5 and 6 (two each) one
    assert [p.key for p in pages] == ["kunjungan", "komponen_1", "komponen_3", "komponen_4",
                                      "komponen_5", "temuan", "lokasi"]
    assert any(p.kind == "repeat" and p.key == "temuan" for p in pages)
    shared = pages[1]
    assert shared.questions[:3] == ("komponen_1", "indikator_i01", "hasil_i01")
    assert navigation.components_of(form, shared)[1][0] == "komponen_2"
    assert shared.questions[-1] == "catatan_skor_k2"  # each component's score, at its end
    assert "catatan_skor_k1" in shared.questions
    assert pages[2].questions[:2] == ("indikator_i08", "hasil_i08")  # one component: no head
    assert [g for g, _names in navigation.components_of(form, pages[4])] == [
        "komponen_5", "komponen_6"]
    assert not navigation.is_shared_page(form, pages[2])
    assert pages[-1].questions == ("lokasi", "ringkasan_skor")
    found = navigation.sections(form)
    assert len(found) == 19 and {s.total for s in found.values()} == {19}
    assert [s.number for s in found.values()] == list(range(1, 20))
    assert found["indikator_i12"].parent == "komponen_4"
    assert {s.noun for s in found.values()} == {"indikator"}
    assert {s.noun for s in navigation.sections(form, "en").values()} == {"indicator"}


def test_page_errors_and_index() -> None:
    form = nested_form()
    session = form.new_session()
    pages = build_pages(form, session)
    assert navigation.page_errors(session, pages[1]) == {}
    session.set_answer("umur", "bukan angka")
    assert set(navigation.page_errors(session, pages[1])) == {"umur"}
    assert navigation.page_index_of(pages, ("questions", "grp", ())) == 1
    assert navigation.page_index_of(pages, ("questions", "hilang", ())) is None
    assert Page("repeat", "anggota", ()).ident == ("repeat", "anggota", ())


def test_render_text_fills_references() -> None:
    form = nested_form()
    session = form.new_session()
    session.set_answer("nama", "Sari")
    session.set_answer("umur", 21)
    label = form.question("akhir").label("id")
    assert render_text(label, session) == "Halo Sari, umur 21"
    assert render_text("tanpa rujukan", session) == "tanpa rujukan"
    assert render_text("${tidak_ada}!", session) == "!"


CHECKLIST = textwrap.dedent("""
    | survey |
    | | type | name | label | relevant | appearance |
    | | begin_group | a | A | | |
    {a}
    | | end_group | | | | |
    | | begin_group | b | B | ${{x}} != 'sembunyi' | |
    {b}
    | | end_group | | | | |
    | | begin_group | c | C | | |
    {c}
    | | end_group | | | | |
    | | text | x | X | | |
    | | begin_group | d | D | | |
    {d}
    | | end_group | | | | |
    | settings |
    | | form_id | version |
    | | uji_bagian | 1 |
""")


def _sections(prefix: str, count: int) -> str:
    rows = []
    for n in range(count):
        rows += [f"| | begin_group | {prefix}{n} | Indikator {prefix}{n} | | field-list |",
                 f"| | text | {prefix}{n}_isi | Isi | | |",
                 "| | end_group | | | | |"]
    return "\n    ".join(rows)


def _checklist(a: int, b: int, c: int, d: int):
    text = CHECKLIST.format(a=_sections("a", a), b=_sections("b", b), c=_sections("c", c),
                            d=_sections("d", d))
    return load_xlsform(text.encode(), "md", form_id="uji_bagian")


def test_small_section_pages_share_a_page_within_the_limit() -> None:
    form = _checklist(1, 6, 2, 1)
    session = form.new_session()
    pages = build_pages(form, session)
    # a (1) joins b (6): 7; c (2) has no section page after it (x comes between): back onto
    # a+b would make 9 > 8, so it stays; d (1) alone after the question x
    assert [[g for g, _ in navigation.components_of(form, p)] for p in pages] == [
        ["a", "b"], ["c"], [], ["d"]]
    assert pages[0].questions[0] == "a" and "b" in pages[0].questions
    # every question is still on exactly one page
    shown = [n for p in pages for n in p.questions if not form.question(n).is_group]
    assert sorted(shown) == sorted(q.name for q in form.questions_in_order()
                                   if navigation.is_shown(q))


def test_big_section_pages_keep_their_own_page_and_relevance_still_applies() -> None:
    form = _checklist(3, 3, 3, 3)
    session = form.new_session()
    assert [p.key for p in build_pages(form, session)] == ["a", "b", "c", "x", "d"]
    small = _checklist(2, 2, 2, 0)
    session = small.new_session()
    pages = build_pages(small, session)
    assert [g for g, _ in navigation.components_of(small, pages[0])] == ["a", "b", "c"]
    session.set_answer("x", "sembunyi")  # b is no longer relevant: its part is hidden
    pages = build_pages(small, session)
    assert "b0_isi" not in visible_questions(session, pages[0])
    assert "c0_isi" in visible_questions(session, pages[0])
