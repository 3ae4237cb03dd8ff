"""The question list's lines and marks, and choice search, without a window."""

from __future__ import annotations

from field_app.ui import outline
from field_app.ui.navigation import build_pages
from survey_forms import load_pilot_form


def _lines(form, session):
    pages = build_pages(form, session)
    return outline.outline(form, session, pages, "id", lambda p: p.key,
                           lambda p: str(session.repeat_count(p.key, p.instance)))


def test_every_page_and_indicator_with_answers_and_marks() -> None:
    form = load_pilot_form("observasi")
    session = form.new_session()
    lines = _lines(form, session)
    assert [ln.title for ln in lines if ln.level == 0][:3] == ["kunjungan", "komponen_1",
                                                                 "komponen_2"]
    indicators = [ln for ln in lines if ln.level == 1]
    assert [ln.anchor for ln in indicators] == [f"indikator_i{n:02d}" for n in range(1, 20)]
    assert {ln.state for ln in indicators} == {outline.REQUIRED}  # visited or not
    session.set_answer("hasil_i03", "terpenuhi")
    session.set_answer("bukti_i03", ["regulasi"])
    session.set_answer("hasil_i04", "terpenuhi")
    session.set_answer("bukti_i04", ["regulasi", "tidak_ada"])  # a constraint broken
    session.set_answer("hasil_i05", "tidak_berlaku")  # nothing else asked
    by_anchor = {ln.anchor: ln for ln in _lines(form, session) if ln.level == 1}
    assert by_anchor["indikator_i03"].state == outline.ANSWERED
    assert by_anchor["indikator_i03"].answers == "Terpenuhi · Perda, Perkada, atau SOP terkait"
    assert by_anchor["indikator_i04"].state == outline.ERROR
    assert by_anchor["indikator_i05"].state == outline.ANSWERED
    assert by_anchor["indikator_i05"].answers == "Tidak berlaku"
    heading = next(ln for ln in _lines(form, session) if ln.title == "komponen_2")
    assert heading.state == outline.ERROR  # an error wins over a missing answer
    optional = [ln for ln in _lines(form, session) if ln.title == "lokasi"]
    assert optional[0].state == outline.EMPTY


def test_choice_search_matches_words_without_accents_or_case() -> None:
    from field_app.ui.choice_search import choice_matches

    assert choice_matches("Alang-Alang Lebar", "16.71.15", "alang")
    assert choice_matches("Ilir Timur III", "16.71.18", "timur iii")
    assert choice_matches("Seberang Ulu I", "16.71.02", "ULU seb")
    assert choice_matches("Sako", "16.71.08", "16.71.08")
    assert choice_matches("Pendidikan Tinggi (D3/S1)", "tinggi", "pendídikan")
    assert not choice_matches("Sako", "16.71.08", "kemuning")
