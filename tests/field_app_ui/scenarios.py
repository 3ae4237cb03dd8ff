"""Scenarios run by :mod:`tests.field_app_ui.driver`, each in its own process.

Each drives the real screens through their widgets and records what it saw in
``driver.result`` for the test to assert on.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from tests.field_app_ui.driver import Driver, check


def on_screen(driver: Driver, name: str) -> Any:
    """A wait condition: the screen ``name`` is shown."""
    def shown() -> bool:
        return driver.app.manager.current == name
    shown.__name__ = f"screen_{name}"
    return shown


def first_run(d: Driver, username: str = "petugas", password: str = "rahasia-123",
              wrong: str = "1") -> Iterator[Any]:
    """Sign in on first run (a wrong password first), then wait for the first sync."""
    yield on_screen(d, "first_run")
    screen = d.screen
    d.result["server_prefilled"] = screen.ids.server.text
    yield 0.05
    d.shot("first_run")
    if wrong == "1":
        d.type_into(screen.ids.username, username)
        d.type_into(screen.ids.password, "salah-sandi")
        d.press(screen.ids.sign_in)
        yield lambda: not screen.busy and bool(screen.status)
        d.result["wrong_password_message"] = screen.status
        yield 0.05
        d.shot("first_run_error")
    d.press(screen.ids.lang_en)
    d.result["english_title"] = d.find("TitleLabel")[0].text
    d.press(screen.ids.lang_id)
    d.result["indonesian_title"] = d.find("TitleLabel")[0].text
    d.type_into(screen.ids.username, username)
    d.type_into(screen.ids.password, password)
    d.press(screen.ids.sign_in)
    yield on_screen(d, "home")
    home = d.screen
    yield lambda: not home.syncing and bool(home.sync_message)
    yield 0.1
    d.result["officer"] = home.officer
    d.result["sync_message"] = home.sync_message
    d.result["forms"] = [b.text for b in home.ids.forms.children]
    yield 0.05
    d.shot("home")


def tour(d: Driver) -> Iterator[Any]:
    """Screenshots of every main screen (signed in already)."""
    yield on_screen(d, "home")
    yield 0.1
    yield 0.05
    d.shot("home")
    d.press(d.screen.ids.entries_button)
    yield on_screen(d, "entries")
    yield 0.1
    yield 0.05
    d.shot("entries")
    d.press(d.screen.ids.back)
    yield on_screen(d, "home")
    d.press(d.screen.ids.settings_button)
    yield on_screen(d, "settings")
    yield 0.1
    yield 0.05
    d.shot("settings")
    d.press(d.screen.ids.back)
    yield on_screen(d, "home")
    d.press(d.find("PrimaryButton", "Observasi", contains=True)[0])
    yield on_screen(d, "form")
    yield 0.1
    yield 0.05
    d.shot("form_first_page")
    d.press(d.screen.ids.next)
    yield 0.15
    d.shot("form_required_errors")
    d.press(d.screen.ids.navigator)
    yield 0.15
    d.shot("form_navigator")
    d.press(d.button(d.t("form.position.summary"), root=d.popups()[0]))
    yield 0.15
    d.shot("form_summary_blocked")
    d.result["summary_buttons"] = len(d.find("TouchButton", root=d.screen.ids.body))
    d.press(d.screen.ids.leave)
    yield on_screen(d, "home")
    check(not d.popups(), "leaving a draft asks for a tap")  # a toast says it was saved
    d.press(d.screen.ids.settings_button)
    yield on_screen(d, "settings")
    d.press(d.screen.ids.lang_en)
    yield 0.15
    d.shot("settings_english")
    d.result["english_back"] = d.screen.ids.back.text
    d.press(d.screen.ids.lang_id)
    yield 0.05
    d.press(d.screen.ids.sign_out)
    yield 0.15
    d.shot("settings_sign_out_confirm")
    d.press(d.popups()[0].ids.yes)
    yield on_screen(d, "first_run")
    d.result["server_after_sign_out"] = d.screen.ids.server.text
    d.result["signed_in_after_sign_out"] = d.app.controller.signed_in


def _store(d: Driver) -> Any:
    return d.app.controller.store


def _error_of(d: Driver, name: str) -> str:
    widget = d.question(name)
    return widget.error_label.text if widget is not None else ""


def fill_observation(d: Driver) -> Iterator[Any]:
    """Fill and finalize an observation: required error, skip logic, a repeat group."""
    yield on_screen(d, "home")
    d.press(d.find("PrimaryButton", "Observasi", contains=True)[0])
    yield on_screen(d, "form")
    form = d.screen
    d.result["entry_id"] = form.editor.entry_id
    start_position = form.position
    # 1. a required-field error: Next on the empty first page stays and says why
    d.press(form.ids.next)
    yield 0.05
    d.result["blocked"] = form.position == start_position
    d.result["required_error"] = _error_of(d, "nama_unit")
    yield 0.05
    d.shot("form_required_error")
    # 2. skip logic, live: "lainnya" shows the free-text question; 0 officers hides the names
    d.result["other_shown_before"] = d.question("jenis_unit_lain") is not None
    # choice filter, live: the sub-districts follow the regency/city chosen
    region = form.session.value("kabkota")
    other = "16.71" if region == "16.05" else "16.05"
    before = list(d.question("kecamatan").rows)
    d.choose("kabkota", other)
    d.result["kecamatan_filtered"] = [before, list(d.question("kecamatan").rows)]
    d.choose("kabkota", region)
    d.choose("kecamatan", next(iter(d.question("kecamatan").rows)))
    d.choose("jenis_unit", "lainnya")
    d.result["other_shown_after"] = d.question("jenis_unit_lain") is not None
    d.type_into(d.question("jenis_unit_lain").field, "Kantor kelurahan")
    d.type_into(d.question("nama_unit").field, "Kelurahan Uji Coba")
    d.result["required_error_after"] = _error_of(d, "nama_unit")
    d.press(d.question("tanggal_kunjungan").today)
    d.type_into(d.question("jumlah_petugas").field, "0")
    d.result["names_shown_for_0"] = d.question("nama_petugas") is not None
    d.type_into(d.question("jumlah_petugas").field, "2")
    d.result["names_shown_for_2"] = d.question("nama_petugas") is not None
    d.type_into(d.question("nama_petugas").field, "Budi (Kepala), Sari (Staf)")
    yield 0.05
    d.shot("form_first_page_filled")
    d.press(form.ids.next)
    yield 0.05
    # 3. indicator 1: a constraint message, then "not applicable" hides the score and evidence
    d.type_into(d.question("skor_mcp").field, "150")
    d.result["constraint_error"] = _error_of(d, "skor_mcp")
    d.type_into(d.question("skor_mcp").field, "70")
    d.result["note_below_threshold"] = d.question("catatan_ambang_mcp") is not None
    yield 0.05
    d.shot("form_indicator")
    # a photo from the desktop's file chooser, with its preview
    from pathlib import Path

    from kivy import kivy_data_dir

    photo = d.question("foto_i01")
    d.press(photo.button)
    yield 0.15
    popup, chooser, use = d.screen.photo_popup
    d.shot("form_photo_chooser")
    chooser.selection = [str(Path(kivy_data_dir) / "logo" / "kivy-icon-256.png")]
    d.press(use)
    yield lambda: form.session.value("foto_i01", ()) is not None  # prepared in a thread
    yield 0.15
    d.result["photo_preview_height"] = photo.preview.height
    d.result["photo_answer"] = form.session.value("foto_i01", ())
    d.choose("hasil_i01", "tidak_berlaku")
    d.result["score_hidden_when_na"] = d.question("skor_mcp") is None
    d.result["timings"]["next_page_ms"] = []
    # 4. every other page up to the repeat's control page
    while form.pages[form.index].kind != "repeat":
        d.fill_page_defaults()
        yield 0.01
        before = form.index
        import time

        started = time.perf_counter()
        d.press(form.ids.next)
        d.result["timings"]["next_page_ms"].append((time.perf_counter() - started) * 1000)
        check(form.index != before, f"stuck on page {form.position}: "
              f"{[w.error_label.text for w in form.widgets if w.error_label.text]}")
    yield 0.05
    d.shot("form_repeat_empty")
    # 5. repeat group: add two findings, move, remove one with confirmation
    for number, text in ((1, "Temuan pertama: SOP belum dipajang"),
                         (2, "Temuan kedua: kotak saran rusak")):
        d.press(d.button(d.t("form.repeat.add", label="Temuan dan rekomendasi")))
        yield 0.05
        d.type_into(d.question("temuan_teks").field, text)
        d.choose("temuan_komponen", "k3")
        d.type_into(d.question("rekomendasi").field, f"Rekomendasi {number}")
        d.choose("prioritas", "tinggi")
        yield 0.05
        d.shot(f"form_repeat_item_{number}")
        d.press(form.ids.next)
        yield 0.05
    yield 0.05
    d.shot("form_repeat_two")
    ups = [b for b in d.find("TouchButton", d.t("form.repeat.up")) if not b.disabled]
    d.press(ups[0])  # the second finding becomes the first
    yield 0.05
    d.result["after_move"] = [v.get("temuan_teks") for v in form.editor.answers()["temuan"]]
    d.result["keys_after_move"] = [v.get("@key") for v in form.editor.answers()["temuan"]]
    removes = d.find("TouchButton", d.t("form.repeat.remove"))
    d.press(removes[1])
    yield 0.05
    popup = d.popups()[0]
    yield 0.05
    d.shot("form_repeat_remove_confirm")
    d.press(popup.ids.yes)
    yield 0.05
    d.result["after_remove"] = [v.get("temuan_teks") for v in form.editor.answers()["temuan"]]
    d.result["keys_after_remove"] = [v.get("@key") for v in form.editor.answers()["temuan"]]
    yield 0.05
    d.shot("form_repeat_one")
    d.press(form.ids.next)
    yield 0.05
    # 6. location typed in (desktop), then the summary page
    geo = d.question("lokasi")
    d.type_into(geo.latitude, "-2.9761")
    d.type_into(geo.longitude, "104.7754")
    while not (form.on_summary or form.finish_here):
        d.press(form.ids.next)
        yield 0.02
    yield 0.05
    if form.on_summary:  # something still blocks: the summary lists it
        d.shot("form_summary")
        d.result["summary_ready"] = bool(d.find("BodyLabel", d.t("form.summary.ready")))
        d.press(form.ids.finalize_button)
    else:  # ready: the last page's Next reads "Finalisasi" and finalizes
        d.shot("form_last_page_ready")
        d.result["summary_ready"] = form.ids.next.text == d.t("form.finalize")
        d.press(form.ids.next)
    yield on_screen(d, "home")
    yield 0.05
    record = _store(d).get_entry(d.result["entry_id"])
    d.result["status"] = record["status"]
    d.result["answers"] = record["answers"]
    yield 0.05
    d.shot("home_after_finalize")


def draft_resume(d: Driver, phase: str = "start") -> Iterator[Any]:
    """Leave a draft half-filled (``phase=start``), then continue it (``phase=resume``)."""
    yield on_screen(d, "home")
    if phase == "start":
        d.press(d.find("PrimaryButton", "Observasi", contains=True)[0])
        yield on_screen(d, "form")
        d.result["entry_id"] = d.screen.editor.entry_id
        d.type_into(d.question("nama_unit").field, "Dinas Draf")
        d.choose("jenis_unit", "opd")
        d.press(d.screen.ids.leave)
        yield on_screen(d, "home")
        yield 0.05
        d.result["drafts"] = d.screen.counts["draft"]
        check(not d.popups(), "leaving a draft asks for a tap")  # a toast says it was saved
        return
    d.result["drafts"] = d.screen.counts["draft"]
    d.press(d.screen.ids.count_draft)
    yield on_screen(d, "entries")
    yield 0.05
    yield 0.05
    d.shot("entries_drafts")
    rows = d.find("EntryRow")
    d.result["rows"] = [row.name for row in rows]
    d.press(rows[0].ids.open)
    yield on_screen(d, "form")
    yield 0.05
    d.result["entry_id"] = d.screen.editor.entry_id
    d.result["nama_unit"] = d.question("nama_unit").field.text
    d.result["jenis_unit_active"] = d.question("jenis_unit").rows["opd"].active
    yield 0.05
    d.shot("form_resumed")


def sync(d: Driver) -> Iterator[Any]:
    """Press Sync; record the progress seen and the outcome in words."""
    yield on_screen(d, "home")
    home = d.screen
    seen: list[float] = []
    messages: list[str] = []
    home.bind(progress=lambda _w, value: seen.append(value))
    home.bind(sync_message=lambda _w, value: messages.append(value))
    d.result["before"] = dict(home.counts)
    d.press(home.ids.sync_button)
    d.result["button_disabled_while_syncing"] = home.ids.sync_button.disabled
    yield lambda: not home.syncing
    yield 0.1
    d.result["progress"] = seen
    d.result["messages"] = messages
    d.result["outcome"] = home.sync_message
    d.result["after"] = dict(home.counts)
    yield 0.05
    d.shot("home_after_sync")


def correction(d: Driver, comment: str = "") -> Iterator[Any]:
    """Sync, open the entry needing correction, see the comment, fix it, finalize, send."""
    yield on_screen(d, "home")
    home = d.screen
    d.press(home.ids.sync_button)
    yield lambda: not home.syncing
    yield 0.05
    d.result["needs_correction"] = home.counts["needs_correction"]
    d.press(home.ids.count_needs_correction)
    yield on_screen(d, "entries")
    yield 0.05
    yield 0.05
    d.shot("entries_needs_correction")
    rows = d.find("EntryRow")
    check(rows, "no entry needing correction listed")
    d.result["row_comment"] = d.find("ErrorLabel", root=rows[0])[0].text
    d.press(rows[0].ids.open)
    yield on_screen(d, "form")
    yield 0.05
    form = d.screen
    d.result["banner"] = form.banner
    d.result["read_only"] = form.read_only
    yield 0.05
    d.shot("form_correction")
    d.type_into(d.question("nama_unit").field, "Kelurahan Uji Coba (diperbaiki)")
    d.press(form.ids.navigator)
    yield 0.05
    yield 0.05
    d.shot("form_navigator")
    d.press(d.button(d.t("form.position.summary"), root=d.popups()[0]))
    yield 0.05
    d.press(form.ids.finalize_button)
    yield on_screen(d, "home")
    yield 0.05
    check(not d.popups(), "finalizing asks for one more tap: "  # a toast says it was done
          f"{[getattr(p, 'title', '') or type(p).__name__ for p in d.popups()]}")
    d.press(d.screen.ids.sync_button)
    yield lambda: not d.screen.syncing
    yield 0.05
    d.result["outcome"] = d.screen.sync_message
    d.result["after"] = dict(d.screen.counts)


def _listed(screen: Any) -> list[str]:
    """Entry ids in the entries list's data (every loaded row, on screen or not)."""
    return [item["entry_id"] for item in screen.ids.list.data if "entry_id" in item]


def _load_more_button(d: Driver) -> Any:
    """The "load more" button at the end of the list (shown once scrolled there)."""
    found = d.find("PrimaryButton", d.t("entries.load_more"))
    return found[0] if found else None


def entries_paging(d: Driver, query: str = "dinas kesehatan") -> Iterator[Any]:
    """The Sent list of a season: first page, "load more", a search over every entry."""
    yield on_screen(d, "home")
    yield 0.3
    d.result["sent"] = d.screen.counts["sent"]
    yield d.timed_press(d.screen.ids.count_sent, "open_sent")
    yield on_screen(d, "entries")
    screen = d.screen
    yield 0.1
    d.result["first_page"] = _listed(screen)
    d.result["rows_built"] = len(d.find("EntryRow"))
    d.result["shown_first"] = screen.shown_text
    d.shot("entries_sent")
    screen.ids.list.scroll_y = 0  # the end of the list
    yield lambda: _load_more_button(d) is not None
    yield 0.1
    d.shot("entries_sent_end")
    button = _load_more_button(d)
    d.result["load_more_height"] = button.height
    yield d.timed_press(button, "load_more")
    yield 0.1
    d.result["after_more"] = _listed(screen)
    d.result["shown_after_more"] = screen.shown_text
    d.shot("entries_sent_more")
    started = time.perf_counter()
    yield lambda: screen._warming is None  # names of every sent entry computed in idle frames
    d.result["timings"]["names_ready_ms"] = (time.perf_counter() - started) * 1000
    d.type_into(screen.ids.search, query.upper())
    yield lambda: screen.query == query.upper()
    yield 0.1
    d.result["found"] = {row.entry_id: row.name for row in d.find("EntryRow")}
    d.result["found_listed"] = _listed(screen)
    d.result["found_more"] = _load_more_button(d) is not None
    d.result["shown_found"] = screen.shown_text
    d.shot("entries_search")
    d.type_into(screen.ids.search, "tidak ada yang cocok")
    yield lambda: screen.query == "tidak ada yang cocok"
    yield 0.1
    d.result["no_match"] = [label.text for label in d.find("ListHint")]
    d.press(screen.ids.clear_search)
    yield 0.1
    d.result["after_clear"] = len(_listed(screen))
    d.type_into(screen.ids.search, query)
    yield lambda: screen.query == query
    yield 0.1
    oldest = min(d.find("EntryRow"), key=lambda row: row.entry_id)
    d.press(oldest.ids.open)  # an entry far beyond the first pages opens from the search
    yield on_screen(d, "form")
    yield 0.1
    d.result["opened"] = d.screen.editor.entry_id
    d.result["opened_read_only"] = d.screen.read_only
    d.press(d.screen.ids.leave)
    yield on_screen(d, "home")
    d.press(d.screen.ids.count_sent)  # a new visit of the list starts without the search
    yield on_screen(d, "entries")
    yield 0.1
    d.result["revisit"] = [screen.ids.search.text, screen.query, len(_listed(screen))]


def ownership_messages(d: Driver, open: str = "") -> Iterator[Any]:
    """Entries refused as someone else's, and a tablet clock years behind: said in words."""
    yield on_screen(d, "home")
    yield 0.2
    d.result["clock_warning"] = d.screen.clock_warning
    d.shot("home_clock_warning")
    d.press(d.screen.ids.count_draft)
    yield on_screen(d, "entries")
    yield lambda: bool(d.find("EntryRow"))
    yield 0.2
    rows = d.find("EntryRow")
    d.result["rows"] = [{"entry_id": row.entry_id, "comment": row.comment,
                         "deletable": row.deletable,
                         "delete_disabled": row.ids.delete.disabled} for row in rows]
    d.shot("entries_not_owner")
    target = next(row for row in rows if row.entry_id == open)
    d.press(target.ids.open)
    yield on_screen(d, "form")
    yield 0.2
    d.result["banner"] = d.screen.banner
    d.shot("form_not_owner")
