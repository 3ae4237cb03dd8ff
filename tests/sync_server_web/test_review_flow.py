"""The supervisor's day on the review pages (issue 15), through the real app on SQLite and
PostgreSQL: the entries table's columns (labels, not codes; the entry's name as its link; an
admin's choice of columns), sorting and the visit-date filter, scores at the top of the entry
page, previous/next entry of the filtered list and the review that moves on, and editing an
entry through its form (skip logic, choice filters, constraints, repeats added and removed),
saved as one revision.
"""

from __future__ import annotations

import copy
import html
import re
from html.parser import HTMLParser
from typing import Any

from flask import Flask
from sqlalchemy import select

from survey_forms import load_pilot_form
from sync_server.schema import entries, revisions
from tests.support.server import engine_of

from .conftest import as_user, push_as
from .data import make_revision, observation_answers

FORM = "observasi_kabkota_antikorupsi"


def push_named(
    app: Flask, changes: dict[str, Any], officer: str = "petugas_plg", region: str = "16.71"
) -> dict[str, Any]:
    """Push an observation entry as a tablet does (the server names it from its answers)."""
    answers = copy.deepcopy(observation_answers(region))
    answers.update(changes)
    revision = make_revision(answers, region=region, officer=officer)
    result = push_as(app, officer, [revision])[0]
    assert result["status"] == "stored", result
    return revision


class FormFields(HTMLParser):
    """The fields a browser would send for the form ``#entry-form`` (hidden, text, checked
    radios and checkboxes, text areas), as (name, value) pairs."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.pairs: list[tuple[str, str]] = []
        self.area: str | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id") == "entry-form":
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in a:
                return
            self.pairs.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self.area, self.text = a.get("name"), ""

    def handle_data(self, data: str) -> None:
        if self.area is not None:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self.area is not None:
            self.pairs.append((self.area, self.text))
            self.area = None
        if tag == "form":
            self.inside = False


def fields_of(page: str) -> list[tuple[str, str]]:
    parser = FormFields()
    parser.feed(page)
    return parser.pairs


def submit(web: Any, entry_id: str, pairs: list[tuple[str, str]], **changes: Any) -> Any:
    """Post the form as a browser would, with ``changes`` (``v:<key>`` values, ``do``)."""
    data: dict[str, Any] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    for name, value in changes.items():
        data[name] = value
    data.pop("csrf_token", None)
    return web.post(f"/entries/{entry_id}/form", data)


def head_answers(app: Flask, entry_id: str) -> tuple[str, dict[str, Any], int]:
    import json

    with engine_of(app).connect() as conn:
        head = conn.execute(select(entries.c.head_rev).where(entries.c.entry_id == entry_id))
        head_rev = head.scalar_one()
        rows = conn.execute(
            select(revisions.c.rev, revisions.c.answers).where(revisions.c.entry_id == entry_id)
        ).all()
    answers = next(json.loads(r.answers) for r in rows if r.rev == head_rev)
    return head_rev, answers, len(rows)


def row_names(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'class="entry-link"[^>]*>([^<]+)</a>', page)]


# --- the entries table --------------------------------------------------------------------------


def test_table_columns_say_what_an_entry_is(app: Flask) -> None:
    first = push_named(
        app, {"nama_unit": "MPP Kota Palembang", "kecamatan": "16.71.04",
              "tanggal_kunjungan": "2024-08-13"},
    )  # fmt: skip
    push_named(
        app, {"nama_unit": "Kantor Camat Sukarami", "kecamatan": "16.71.07",
              "tanggal_kunjungan": "2024-08-11"},
    )  # fmt: skip
    web = as_user(app, "spv_plg")
    page = web.get(f"/forms/{FORM}/entries").text
    # labels, not codes; the name (the form's instance name) is the link
    assert "Kota Palembang – MPP Kota Palembang – 2024-08-13" in row_names(page)
    for label in ("Ilir Barat I", "Sukarami", "Kota Palembang", "Nama unit yang diamati",
                  "Tanggal kunjungan", "Skor keseluruhan"):  # fmt: skip
        assert label in page, label
    assert ">16.71.04<" not in page and ">16.71<" not in page
    assert f'href="/entries/{first["entry_id"]}' in page
    assert f"<code>{first['entry_id'][:8]}</code>" not in page
    # sorted by the visit date and by name, both ways
    by_date = row_names(web.get(f"/forms/{FORM}/entries?sort=entry_date&dir=asc").text)
    assert [n[-10:] for n in by_date] == ["2024-08-11", "2024-08-13"]
    by_name = row_names(web.get(f"/forms/{FORM}/entries?sort=name&dir=desc").text)
    assert by_name == sorted(by_name, reverse=True) and len(by_name) == 2
    # the visit-date filter (the received-date filter is a different one)
    only = row_names(web.get(f"/forms/{FORM}/entries?entry_date_from=2024-08-12").text)
    assert only == ["Kota Palembang – MPP Kota Palembang – 2024-08-13"]
    none = web.get(f"/forms/{FORM}/entries?entry_date_to=2024-08-10")
    assert row_names(none.text) == []
    bad = web.get(f"/forms/{FORM}/entries?entry_date_from=2024-08-13&entry_date_to=2024-08-01")
    assert bad.status_code == 400 and "sesudah tanggal akhir" in bad.text


def test_survey_columns_consent_ikm_and_interview_date(app: Flask) -> None:
    import json
    from pathlib import Path

    from survey_forms.recompute import recompute_calculations

    fixtures = Path(__file__).resolve().parents[1] / "survey_forms" / "fixtures"
    form = load_pilot_form("survei_masyarakat")
    answers = json.loads((fixtures / "survei_complete.json").read_text("utf-8"))
    answers = recompute_calculations(form, answers)
    revision = make_revision(answers, form_id="survei_partisipasi_masyarakat")
    revision["meta"]["finalized_at"] = "2024-08-14T10:00:00+07:00"
    assert push_as(app, "petugas_plg", [revision])[0]["status"] == "stored"
    page = as_user(app, "spv_plg").get("/forms/survei_partisipasi_masyarakat/entries").text
    for label in ("Kecamatan", "Tanggal wawancara", "Ya", "IKM (indeks kepuasan masyarakat)",
                  "Mutu IKM", "Ilir Barat I"):  # fmt: skip
        assert label in page, label
    assert f'data-col="ikm">{float(answers["ikm"]):g}<' in page
    assert 'data-col="today">2024-08-14<' in page
    # the name follows the form's instance_name, today() being the day it was finalized
    assert row_names(page) == [
        f"Ilir Barat I – {form.choice_label('jenis_layanan', 'perizinan', 'id')} – 2024-08-14"
    ]
    only = as_user(app, "spv_plg").get(
        "/forms/survei_partisipasi_masyarakat/entries?entry_date_from=2024-08-15"
    )
    assert row_names(only.text) == []


def test_an_admin_chooses_the_columns(app: Flask) -> None:
    push_named(app, {"jumlah_petugas": 7})
    admin = as_user(app, "admin")
    assert as_user(app, "spv_plg").get(f"/admin/forms/{FORM}/columns").status_code == 403
    page = admin.get(f"/admin/forms/{FORM}/columns")
    assert page.status_code == 200 and "Jumlah pejabat/petugas unit yang hadir" in page.text
    resp = admin.post(f"/admin/forms/{FORM}/columns", {"question": ["jumlah_petugas", "kecamatan"]})
    assert resp.status_code == 302
    table = admin.get(f"/forms/{FORM}/entries").text
    assert 'data-col="jumlah_petugas">7<' in table and 'data-col="skor_total"' not in table
    # questions inside repeats, unknown names and too many are refused, nothing changed
    for bad in (
        ["rekomendasi"],
        ["tidak_ada"],
        ["kecamatan"] * 1 + [f"hasil_i0{i}" for i in range(1, 8)],
    ):
        resp = admin.post(f"/admin/forms/{FORM}/columns", {"question": bad})
        assert resp.status_code == 400, bad
    assert 'data-col="jumlah_petugas"' in admin.get(f"/forms/{FORM}/entries").text
    admin.post(f"/admin/forms/{FORM}/columns", {"reset": "1"})
    assert 'data-col="skor_total"' in admin.get(f"/forms/{FORM}/entries").text


# --- the entry page and the review flow ---------------------------------------------------------


def test_scores_at_the_top_with_component_names_and_findings(app: Flask) -> None:
    from survey_forms.recompute import recompute_calculations

    answers = recompute_calculations(load_pilot_form("observasi"), observation_answers())
    rev = push_named(app, answers)
    page = as_user(app, "spv_plg").get(f"/entries/{rev['entry_id']}").text
    assert "<h1>Kota Palembang – Mal Pelayanan Publik Kota Palembang – 2024-08-13" in page
    scores = page[page.index('id="scores"') : page.index('id="review"')]
    assert "Komponen 1: Tata Kelola Pemerintahan Daerah" in scores
    assert "Komponen 6: Kearifan Lokal" in scores
    assert "Indikator 5. Kepatuhan pelaporan LHKPN" in scores or "LHKPN" in scores
    assert "Skor keseluruhan (rata-rata tertimbang): <strong>72.22</strong>" in scores
    assert "Terpenuhi sebagian" in scores  # a finding's label, not its code
    assert "bobot_berlaku" not in scores and "tidak_terpenuhi<" not in scores
    assert page.index('id="scores"') < page.index('class="card answers"')


def test_review_moves_on_to_the_next_entry_of_the_filtered_list(app: Flask) -> None:
    names = {}
    for unit, day in (("Unit A", "2024-08-11"), ("Unit B", "2024-08-12"), ("Unit C", "2024-08-13")):
        rev = push_named(app, {"nama_unit": unit, "tanggal_kunjungan": day})
        names[unit] = rev["entry_id"]
    other = push_named(app, {"nama_unit": "Unit Mura"}, "petugas_mura", "16.05")
    web = as_user(app, "spv_plg")
    query = "review_status=received&sort=entry_date&dir=asc"
    table = web.get(f"/forms/{FORM}/entries?{query}").text
    link = re.search(r'class="entry-link" href="([^"]+)"', table)
    assert link is not None
    first = web.get(html.unescape(link.group(1))).text
    assert "Unit A" in first and 'id="prev-entry"' not in first
    assert f'href="/entries/{names["Unit B"]}?list=' in first
    # approving A goes to B (A leaves the "received" list, B is still next)
    resp = web.post(
        f"/entries/{names['Unit A']}/review",
        {"status": "approved", "list": query},
    )
    assert resp.status_code == 302 and f"/entries/{names['Unit B']}?list=" in resp.location
    page_b = web.get(resp.location).text
    assert "Unit B" in page_b and 'id="next-entry"' in page_b
    # needs correction without a comment stays; with one it moves on to C
    resp = web.post(
        f"/entries/{names['Unit B']}/review", {"status": "needs_correction", "list": query}
    )
    assert f"/entries/{names['Unit B']}" in resp.location
    resp = web.post(
        f"/entries/{names['Unit B']}/review",
        {"status": "needs_correction", "comment": "Foto kurang.", "list": query},
    )
    assert f"/entries/{names['Unit C']}?list=" in resp.location
    # the last entry of the list leads back to the table; "stay" stays
    resp = web.post(f"/entries/{names['Unit C']}/review", {"status": "approved", "list": query})
    assert resp.location.endswith(f"/forms/{FORM}/entries?{query}")
    resp = web.post(
        f"/entries/{names['Unit C']}/review", {"status": "received", "list": query, "stay": "1"}
    )
    assert f"/entries/{names['Unit C']}" in resp.location
    # the supervisor's scope holds for the neighbours: the other region's entry never shows
    for entry_id in names.values():
        page = web.get(f"/entries/{entry_id}?list=sort=entry_date").text
        assert other["entry_id"] not in page
    # a list that is not a valid filter gives no neighbours and no error
    assert web.get(f"/entries/{names['Unit A']}?list=entry_date_from=kemarin").status_code == 200


# --- editing through the form -------------------------------------------------------------------


def test_edit_through_the_form_with_skip_logic_and_repeats(app: Flask) -> None:
    rev = push_named(app, {})
    entry_id = rev["entry_id"]
    web = as_user(app, "spv_plg")
    page = web.get(f"/entries/{entry_id}/form").text
    # the tablet's labels and choices, not codes; calculations not offered
    assert "Nama unit yang diamati" in page and "Terpenuhi sebagian" in page
    assert 'name="v:skor_total"' not in page and 'name="v:bobot_k1"' not in page
    assert page.count('class="finstance"') == 3
    pairs = fields_of(page)
    # skip logic by round trip: "not applicable" hides the MCP score question
    assert 'name="v:skor_mcp"' in page
    resp = submit(web, entry_id, pairs, **{"v:hasil_i01": "tidak_berlaku", "do": "update"})
    assert resp.status_code == 200 and 'name="v:skor_mcp"' not in resp.text
    # choice filter: the kecamatan list follows the regency
    assert "Ilir Barat I" in resp.text and "Tugumulyo" not in resp.text
    # a constraint shows its message and stops the save
    bad = submit(web, entry_id, fields_of(resp.text), **{"v:jumlah_petugas": "500", "do": "save"})
    assert bad.status_code == 422
    assert "Jumlah pejabat/petugas unit yang hadir: Isi angka antara 0 dan 200." in bad.text
    assert head_answers(app, entry_id)[2] == 1  # nothing saved
    pairs = fields_of(bad.text)
    # add a finding, fill it, remove the first one
    added = submit(web, entry_id, pairs, **{"v:jumlah_petugas": "6", "do": "add:temuan:"})
    assert added.text.count('class="finstance"') == 4
    pairs = fields_of(added.text)
    filled = submit(
        web, entry_id, pairs,
        **{"v:temuan_teks@3": "Papan maklumat pelayanan tidak terpasang.",
           "v:temuan_komponen@3": "k3", "v:rekomendasi@3": "Pasang maklumat di loket.",
           "v:prioritas@3": "rendah", "do": "remove:temuan::0"},
    )  # fmt: skip
    assert filled.text.count('class="finstance"') == 3
    saved = submit(web, entry_id, fields_of(filled.text), comment="Sesuai berita acara", do="save")
    assert saved.status_code == 302 and saved.location.endswith(f"/entries/{entry_id}")
    head_rev, answers, count = head_answers(app, entry_id)
    assert count == 2  # one new revision for all the changes
    assert answers["jumlah_petugas"] == 6 and answers["hasil_i01"] == "tidak_berlaku"
    assert "skor_mcp" not in answers
    texts = [t["temuan_teks"] for t in answers["temuan"]]
    assert texts == [*(t["temuan_teks"] for t in rev["answers"]["temuan"][1:]),
                     "Papan maklumat pelayanan tidak terpasang."]  # fmt: skip
    # the kept instances keep their keys; the new one has its own
    keys = [t["@key"] for t in answers["temuan"]]
    assert len(set(keys)) == 3
    # scores were recalculated by the server (indicator 1 no longer counts)
    from survey_forms.recompute import recompute_calculations

    assert answers == recompute_calculations(load_pilot_form("observasi"), answers)
    # a stale form (another edit came first) is refused, nothing lost silently: the page
    # stays with the supervisor's answers and says the entry changed
    stale = submit(web, entry_id, fields_of(filled.text), do="save")
    assert stale.status_code == 409
    assert head_answers(app, entry_id)[0] == head_rev
    assert "Entri sudah berubah" in stale.text
    assert "Papan maklumat pelayanan tidak terpasang." in stale.text


def test_form_edit_is_refused_to_officers_and_survives_bad_input(app: Flask) -> None:
    rev = push_named(app, {})
    entry_id = rev["entry_id"]
    assert as_user(app, "spv_mura").get(f"/entries/{entry_id}/form").status_code == 404
    web = as_user(app, "spv_plg")
    pairs = fields_of(web.get(f"/entries/{entry_id}/form").text)
    for changes in (
        {"state": "{not json"},
        {"state": "[]"},
        {"do": "remove:temuan::99"},
        {"do": "add:nama_unit:"},
        {"do": "explode"},
        {"f": ["x@1.2.3", "../../etc", "temuan_teks@9", "skor_total"], "do": "update"},
        {"v:jumlah_petugas": "banyak", "do": "update"},
    ):
        resp = submit(web, entry_id, pairs, **changes)
        assert resp.status_code in (200, 302), (changes, resp.status_code)
        assert "Traceback" not in resp.text
    typed = submit(web, entry_id, pairs, **{"v:jumlah_petugas": "banyak", "do": "update"})
    assert "Masukkan bilangan bulat." in typed.text
    assert head_answers(app, entry_id)[2] == 1
