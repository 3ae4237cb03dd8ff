"""Scenarios of issue 17 (filling the 19-indicator checklist), run by the driver as
``scenarios_checklist:<name>``: the taps an observation costs, the question list, a refused
Next, and the screenshots the contrast test measures.

Every action goes through the app's widgets (rows and buttons pressed, fields typed into);
:class:`Counter` counts each tap and each typed field.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from tests.field_app_ui.driver import Driver, check
from tests.field_app_ui.scenarios import on_screen

#: the findings of the "mixed" observation, indicator by indicator (cycled)
MIXED = ("terpenuhi", "sebagian", "terpenuhi", "tidak_terpenuhi", "terpenuhi", "tidak_berlaku")


class Counter:
    """Taps and typed fields of one run, counted as the officer makes them."""

    def __init__(self, d: Driver) -> None:
        self.d = d
        self.taps = 0
        self.typed = 0
        self.pages: list[str] = []

    def tap(self, widget: Any) -> None:
        """One tap on a button or a choice row."""
        self.taps += 1
        self.d.press(widget)

    def type(self, field: Any, text: str) -> None:
        """One field typed in (the keyboard's own taps are not counted)."""
        self.typed += 1
        self.d.type_into(field, text)


def _form(d: Driver) -> Any:
    return d.screen


def _row(d: Driver, name: str, value: str) -> Any:
    widget = d.question(name)
    check(widget is not None, f"question {name} not shown on {_form(d).position}")
    row = widget.rows.get(value)
    check(row is not None, f"no choice {value} for {name}")
    return row


def _first_evidence(d: Driver, name: str) -> str:
    widget = d.question(name)
    return next(v for v in widget.rows if v not in ("lainnya", "tidak_ada"))


def _fill_visit(d: Driver, c: Counter) -> Iterator[Any]:
    """Page 1: the region is pre-filled; kecamatan, type, name, date, staff present."""
    form = _form(d)
    check(form.session.value("kabkota") is not None, "the region is not pre-filled")
    kecamatan = d.question("kecamatan")
    c.tap(kecamatan.rows[next(iter(kecamatan.rows))])
    c.tap(_row(d, "jenis_unit", "opd"))
    c.type(d.question("nama_unit").field, "Dinas Penanaman Modal")
    c.tap(d.question("tanggal_kunjungan").today)
    c.type(d.question("jumlah_petugas").field, "2")
    c.type(d.question("nama_petugas").field, "Budi (Kepala), Sari (Staf)")
    yield 0.02


def _fill_section_page(d: Driver, c: Counter, mode: str, counter: list[int]) -> None:
    """Every indicator of the page shown: its finding, one piece of evidence, a note when
    the finding asks for one."""
    form = _form(d)
    page = form.pages[form.index]
    for section in form.page_sections(page):
        number = section.number
        suffix = f"i{number:02d}"
        finding = "terpenuhi" if mode == "fulfilled" else MIXED[counter[0] % len(MIXED)]
        counter[0] += 1
        c.tap(_row(d, f"hasil_{suffix}", finding))
        if d.question("skor_mcp") is not None and form.session.value("skor_mcp") is None:
            c.type(d.question("skor_mcp").field, "92" if finding == "terpenuhi" else "70")
        if finding != "tidak_berlaku":
            c.tap(_row(d, f"bukti_{suffix}", _first_evidence(d, f"bukti_{suffix}")))
        if finding in ("sebagian", "tidak_terpenuhi"):
            c.type(d.question(f"catatan_{suffix}").field, "SOP belum diumumkan di loket.")


def observation_taps(d: Driver, mode: str = "fulfilled") -> Iterator[Any]:
    """A whole observation from the home screen's button to the entry finalized."""
    yield on_screen(d, "home")
    c = Counter(d)
    c.tap(d.find("PrimaryButton", "Observasi", contains=True)[0])
    yield on_screen(d, "form")
    form = _form(d)
    d.result["entry_id"] = form.editor.entry_id
    d.result["page_count"] = len(form.pages)
    yield from _fill_visit(d, c)
    counter = [0]
    findings = 0
    while not form.on_summary:
        page = form.pages[form.index]
        c.pages.append(form.position)
        if form.page_sections(page):
            if len(c.pages) == 2:  # components 1 and 2 share this page: each has a heading
                yield 0.1
                d.shot(f"taps_{mode}_shared_page")
                d.result["shared_headings"] = [
                    w.label.text for w in form.widgets if type(w).__name__ == "ComponentHeader"]
            _fill_section_page(d, c, mode, counter)
        elif page.kind == "repeat" and mode == "mixed" and findings == 0:
            findings += 1
            c.tap(d.button(d.t("form.repeat.add", label="Temuan dan rekomendasi")))
            yield 0.02
            c.type(d.question("temuan_teks").field, "Maklumat pelayanan tidak dipajang")
            c.tap(_row(d, "temuan_komponen", "k3"))
            c.type(d.question("rekomendasi").field, "Pajang maklumat di loket")
            c.tap(_row(d, "prioritas", "sedang"))
        yield 0.02
        if form.finish_here:  # the last page of a ready entry: Next reads "Finalisasi"
            d.result["last_button"] = form.ids.next.text
            d.shot(f"taps_{mode}_last_page")
            c.tap(form.ids.next)
            break
        before = form.index
        c.tap(form.ids.next)
        yield 0.02
        check(form.index != before, f"Next refused on {form.position}: "
              f"{[w.error_label.text for w in form.widgets if w.error_label.text]}")
    else:
        yield 0.05
        d.shot(f"taps_{mode}_summary")
        check(d.find("BodyLabel", d.t("form.summary.ready")), "the summary is not ready")
        c.tap(form.ids.finalize_button)
    yield on_screen(d, "home")
    d.result["popups_after_finalize"] = len(d.popups())
    record = d.app.controller.store.get_entry(d.result["entry_id"])
    d.result["status"] = record["status"]
    d.result["taps"] = c.taps
    d.result["typed"] = c.typed
    d.result["pages"] = c.pages
    yield 0.1
    d.shot(f"taps_{mode}_home")


def where_am_i(d: Driver) -> Iterator[Any]:
    """Positions, section headings, the grouped question list with marks, the summary."""
    yield on_screen(d, "home")
    d.press(d.find("PrimaryButton", "Observasi", contains=True)[0])
    yield on_screen(d, "form")
    form = _form(d)
    d.result["first_previous_disabled"] = form.ids.previous.disabled
    d.type_into(d.question("nama_unit").field, "Mal Pelayanan Publik")
    d.press(form.ids.navigator)
    yield 0.1
    lines = [row.line for row in d.find("NavLine", root=d.popups()[0])]
    d.result["lines"] = [[ln.level, ln.title, ln.answers, ln.state, ln.page, ln.anchor]
                         for ln in lines]
    yield 0.05
    d.shot("where_navigator_start")
    # an indicator of a page never visited: its page opens, scrolled to it
    target = next(row for row in d.find("NavLine", root=d.popups()[0])
                  if row.line.anchor == "indikator_i06")
    d.press(target)
    yield lambda: not d.popups()
    yield 0.4
    d.result["jumped_position"] = form.position
    header = d.question("indikator_i06")
    d.result["header_kicker"] = header.kicker
    view = form.ids.scroll
    _x, top = header.to_window(header.x, header.top)
    _x, bottom = view.to_window(view.x, view.y)
    d.result["header_in_view"] = bool(bottom <= top <= bottom + view.height + 1)
    d.shot("where_indicator_page")
    # answers and an error show in the list
    d.press(_row(d, "hasil_i06", "terpenuhi"))
    d.press(_row(d, "bukti_i06", "regulasi"))
    d.press(_row(d, "bukti_i06", "tidak_ada"))  # with other evidence: a constraint error
    d.press(form.ids.navigator)
    yield 0.1
    lines = [row.line for row in d.find("NavLine", root=d.popups()[0])]
    d.result["lines_after"] = [[ln.level, ln.title, ln.answers, ln.state, ln.page, ln.anchor]
                               for ln in lines]
    d.result["state_words"] = {row.line.anchor or row.line.title: row.state_text
                               for row in d.find("NavLine", root=d.popups()[0])}
    yield 0.05
    d.shot("where_navigator_marks")
    d.press(d.button(d.t("form.position.summary"), root=d.popups()[0]))
    yield lambda: not d.popups()
    yield 0.2
    d.result["summary_issue_buttons"] = len([b for b in d.find("TouchButton",
                                                               root=form.ids.body)
                                             if hasattr(b, "issue_path")])
    d.result["summary_issues"] = len(form._issues())
    d.result["summary_next_opacity"] = form.ids.next.opacity
    d.result["summary_next_disabled"] = form.ids.next.disabled
    d.shot("where_summary")
    # an issue far down a component page: the page opens scrolled to that question
    target = next(b for b in d.find("TouchButton", root=form.ids.body)
                  if getattr(b, "issue_path", "") == "bukti_i07")
    d.press(target)
    yield 0.5
    widget = d.question("bukti_i07")
    view = form.ids.scroll
    _x, top = widget.to_window(widget.x, widget.top)
    _x, bottom = view.to_window(view.x, view.y)
    d.result["issue_in_view"] = bool(bottom <= top <= bottom + view.height + 1)
    d.result["issue_message"] = [widget.error_label.text, widget.highlight]
    d.shot("where_issue_opened")
    d.press(form.ids.navigator)
    yield 0.1
    d.press(d.button(d.t("form.position.summary"), root=d.popups()[0]))
    yield lambda: not d.popups()
    d.press(form.ids.leave)
    yield on_screen(d, "home")
    d.result["popups_after_leave"] = len(d.popups())
    d.result["toast"] = _toast_text()
    yield 0.1
    _window_shot(d, "where_left_toast")  # the toast is on the window, over the screen


def _toast_text() -> str:
    from kivy.core.window import Window

    from field_app.ui.widgets import Toast

    return " ".join(w.text for w in Window.children if isinstance(w, Toast))


def _window_shot(d: Driver, name: str) -> None:
    """A screenshot of the whole window (what the driver's ``shot`` does with a popup)."""
    from kivy.core.window import Window

    path = d.out / f"{d.size}-{name}.png"
    Window.screenshot(name=str(path))
    produced = sorted(d.out.glob(f"{d.size}-{name}*.png"), key=lambda p: p.stat().st_mtime)
    if produced and produced[-1] != path:
        produced[-1].replace(path)
    d.result["screens"].append(path.name)


def _in_view(view: Any, widget: Any, seconds: float) -> Any:
    """A wait condition: the widget's label is in the view, or ``seconds`` have passed."""
    deadline = time.monotonic() + seconds

    def done() -> bool:
        _vx, bottom = view.to_window(view.x, view.y)
        _x, top = widget.label.to_window(widget.label.x, widget.label.top)
        return bottom <= top <= bottom + view.height + 1 or time.monotonic() > deadline
    return done


def refused_next(d: Driver) -> Iterator[Any]:
    """Next on an unanswered page: the first message is on screen and its question framed."""
    yield on_screen(d, "home")
    d.press(d.find("PrimaryButton", "Observasi", contains=True)[0])
    yield on_screen(d, "form")
    form = _form(d)
    results = []
    for step in ("visit", "indicators"):
        if step == "indicators":  # page 2 (indicator 1): fill page 1 first
            yield from _fill_visit(d, Counter(d))
            d.press(form.ids.next)
            yield 0.1
            d.press(_row(d, "hasil_i01", "sebagian"))  # a note becomes required below
            d.press(_row(d, "bukti_i01", "regulasi"))
            d.type_into(d.question("skor_mcp").field, "80")
        d.press(form.ids.next)
        yield 0.2
        framed = [w for w in form.widgets if getattr(w, "highlight", False)]
        view = form.ids.scroll
        if framed:  # the page may still be laying out on a loaded machine: up to 2 s
            yield _in_view(view, framed[0], 2.0)
        _vx, view_bottom = view.to_window(view.x, view.y)
        view_top = view_bottom + view.height
        found = {"step": step, "position": form.position, "framed": [w.name for w in framed]}
        if framed:
            widget = framed[0]
            _x, label_top = widget.label.to_window(widget.label.x, widget.label.top)
            _x, message_bottom = widget.error_label.to_window(widget.error_label.x,
                                                              widget.error_label.y)
            found.update(message=widget.error_label.text,
                         label_in_view=view_bottom <= label_top <= view_top + 1,
                         message_in_view=view_bottom - 1 <= message_bottom <= view_top)
        results.append(found)
        d.shot(f"refused_{step}")
    d.result["refused"] = results


def contrast_pages(d: Driver) -> Iterator[Any]:
    """Screens with every control state, and where each control is drawn (for the test)."""
    yield on_screen(d, "home")
    d.press(d.find("PrimaryButton", "Observasi", contains=True)[0])
    yield on_screen(d, "form")
    form = _form(d)
    yield from _fill_visit(d, Counter(d))
    d.press(form.ids.next)
    yield 0.1
    d.press(_row(d, "hasil_i01", "terpenuhi"))
    d.press(_row(d, "bukti_i01", "regulasi"))  # one box ticked, the others not
    yield 0.2
    from kivy.core.window import Window

    height = Window.height

    def box(widget: Any, grow: float = 0) -> list[float]:
        x, y = widget.to_window(widget.x, widget.y)
        return [x - grow, height - (y + widget.height) - grow, x + widget.width + grow,
                height - y + grow]

    def visible_controls() -> list[dict[str, Any]]:
        view_box = box(form.ids.scroll)
        found: list[dict[str, Any]] = []
        for question in form.widgets:
            for value, row in getattr(question, "rows", {}).items():
                if row.parent is None:
                    continue
                rect = box(row)
                if rect[1] < view_box[1] or rect[3] > view_box[3]:
                    continue  # scrolled out of the screenshot
                found.append({"kind": "radio" if row.group is not None else "checkbox",
                              "active": row.active, "name": f"{question.name}={value}",
                              "row": rect, "mark": box(row.ids.box)})
        return found

    shots: dict[str, Any] = {}
    for shot, question in (("contrast_radio", "hasil_i01"), ("contrast_checkbox", "bukti_i01")):
        form.scroll_widget_to_top(d.question(question))
        yield 0.5
        shots[shot] = visible_controls()
        d.shot(shot)
    progress = form.ids.progress
    d.result["progress"] = {"box": box(progress), "fraction": form.fraction}
    d.result["shots"] = shots
    d.result["size"] = [Window.width, Window.height]
    # the desktop photo chooser speaks the app's language
    d.press(d.question("foto_i01").button)
    yield 0.2
    popup, _chooser, _use = form.photo_popup
    d.result["chooser_texts"] = sorted({w.text for w in popup.walk(restrict=True)
                                        if isinstance(getattr(w, "text", None), str)
                                        and w.text and not w.text.startswith("..")})
    d.shot("photo_chooser_titles")
    popup.dismiss()


def choice_search(d: Driver) -> Iterator[Any]:
    """The 18 kecamatan: filtered by typing, Enter picks the one left, the list folds."""
    yield on_screen(d, "home")
    d.press(d.find("PrimaryButton", "Observasi", contains=True)[0])
    yield on_screen(d, "form")
    form = _form(d)
    if form.session.value("kabkota") != "16.71":
        d.press(_row(d, "kabkota", "16.71"))
    widget = d.question("kecamatan")
    check(widget.search is not None, "no search field on the kecamatan list")
    d.result["rows_before"] = len(widget.box.children)
    d.type_into(widget.search, "ilir")
    yield 0.1
    d.result["rows_ilir"] = sorted(row.text for row in widget.box.children)
    d.shot("search_typed")
    d.type_into(widget.search, "sematang")
    widget.search.dispatch("on_text_validate")  # Enter
    yield 0.1
    d.result["chosen"] = form.session.value("kecamatan")
    d.result["rows_folded"] = [row.text for row in widget.box.children]
    d.result["show_all"] = widget.show_all.text
    d.shot("search_folded")
    d.type_into(widget.search, "tidak ada")
    yield 0.05
    d.result["no_match"] = widget.no_match.text
    d.type_into(widget.search, "")
    d.press(widget.show_all)
    yield 0.1
    d.result["rows_all"] = len(widget.box.children)
    short = d.question("jenis_unit")
    d.result["short_list_search"] = short.search is not None
