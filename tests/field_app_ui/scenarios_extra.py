"""Scenarios of the question types and appearances of :mod:`field_app.ui.extra_widgets`, run by
:mod:`tests.field_app_ui.driver` in the real app. The GPS, the scanner and the recorder are a
test device behind the platform interface (:class:`field_app.platform.Device`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from field_app.platform import Device
from tests.field_app_ui.driver import Driver, check
from tests.field_app_ui.scenarios import on_screen

#: An MPEG-4 audio file's first bytes (what the server recognises as audio/mp4).
M4A = b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00isomiso2" + bytes(200)
ROUTE = [(-2.9761, 104.7754, 12.0, 4.0), (-2.9770, 104.7760, 11.0, 5.0),
         (-2.9772, 104.7771, 10.0, 3.0), (-2.9765, 104.7775, 10.0, 3.5)]


class FieldDevice(Device):
    """A tablet with GPS, a barcode scanner and a sound recorder (answers given at once)."""

    has_gps = True
    has_camera = False
    has_scanner = True

    def __init__(self) -> None:
        self.fixes = iter(ROUTE * 3)

    def locate(self, callback: Any, timeout: float = 60.0) -> None:
        lat, lon, alt, acc = next(self.fixes)
        callback({"latitude": lat, "longitude": lon, "altitude": alt, "accuracy": acc})

    def scan_barcode(self, callback: Any) -> None:
        callback("8991234567890")

    def can_capture(self, kind: str) -> bool:
        return kind == "audio"

    def capture_media(self, kind: str, target: Path, callback: Any) -> None:
        path = target.with_suffix(".m4a")
        path.write_bytes(M4A)
        callback(path)


def _value(d: Driver, name: str) -> Any:
    return d.screen.session.value(name)


def extra_widgets(d: Driver, files: str = "") -> Iterator[Any]:
    """Fill the ``tipe_tambahan`` form through every new widget, one page at a time."""
    yield on_screen(d, "home")
    yield 0.6  # the form's pages are prebuilt after the home screen shows: built again below
    d.app.device = FieldDevice()
    form_screen = d.app.screen("form")
    form_screen._built.clear()
    d.press(d.find("PrimaryButton", "Tipe tambahan", contains=True)[0])
    yield on_screen(d, "form")
    form = d.screen
    yield 0.1
    # page 1: range, barcode, likert, minimal, horizontal, numbers
    widgets = {name: d.question(name) for name in
               ("skor", "kode", "kualitas", "kondisi", "fasilitas", "telepon")}
    d.result["page1"] = {name: type(w).__name__ for name, w in widgets.items() if w}
    d.press(widgets["skor"].more)  # unanswered: "more" answers the start
    d.press(widgets["skor"].more)
    d.press(widgets["skor"].more)
    yield 0.05
    d.result["skor_nudged"] = _value(d, "skor")
    widgets["skor"].slider.value = 7.3  # slid between two steps: snapped
    yield 0.05
    d.result["skor_slid"] = _value(d, "skor")
    d.press(widgets["kode"].scan)
    yield 0.05
    d.result["kode"] = _value(d, "kode")
    d.result["likert_columns"] = widgets["kualitas"].box.cols
    d.choose("kualitas", "baik")
    spinner = widgets["kondisi"].spinner
    d.result["minimal_values"] = list(spinner.values)
    spinner.text = spinner.values[1]
    d.choose("fasilitas", "air")
    d.choose("fasilitas", "listrik")
    d.type_into(widgets["telepon"].field, "0812-abc 345")
    yield 0.1
    d.result["telepon"] = _value(d, "telepon")
    d.shot("extra_page1")
    d.press(form.ids.next)
    yield 0.1
    # page 2: rank, or_other, trigger, hidden, a choice file
    rank = d.question("prioritas")
    d.result["rank_before"] = _value(d, "prioritas")
    downs = [b for b in rank.buttons if b.text == d.t("form.rank.down")]
    d.press(downs[0])  # the first goes one down
    yield 0.05
    d.result["rank_after"] = _value(d, "prioritas")
    d.result["jenis_other_shown_before"] = d.question("jenis_other") is not None
    d.choose("jenis", "other")
    yield 0.05
    other = d.question("jenis_other")
    check(other is not None, "the or_other text question did not appear")
    d.type_into(other.field, "Koperasi desa")
    d.press(d.question("konfirmasi").row)
    d.result["hidden_shown"] = d.question("sumber") is not None
    d.result["desa_choices"] = list(d.question("desa").rows)
    d.choose("desa", "lorok")
    yield 0.1
    d.shot("extra_page2")
    d.press(form.ids.next)
    yield 0.1
    # page 3: geotrace and geoshape, points from the GPS one by one
    trace, shape = d.question("jalur"), d.question("lahan")
    d.press(trace.add)
    yield 0.05
    d.result["trace_one_error"] = bool(trace.error_label.text) or None
    d.press(trace.add)
    for _ in range(4):
        d.press(shape.add)
    yield 0.05
    d.press(shape.remove)  # the fourth point taken back
    yield 0.1
    d.result["trace_text"] = trace.shown.text
    d.result["shape_text"] = shape.shown.text
    d.shot("extra_page3")
    d.press(form.ids.next)
    yield 0.1
    # page 4: a sound recorded by the device, a PDF chosen in the file chooser
    sound, document = d.question("suara"), d.question("dokumen")
    d.result["sound_button"] = sound.button.text
    d.press(sound.button)
    yield 0.1
    d.press(document.button)
    yield 0.2
    popup, chooser, use = document.popup
    chooser.path = files
    yield lambda: any(str(f).endswith("laporan.pdf") for f in chooser.files)
    yield 0.3
    chooser.selection = [str(Path(files) / "laporan.pdf")]
    d.result["chooser_files"] = sorted(Path(f).name for f in chooser.files if Path(f).suffix)
    # the desktop file chooser speaks the app's language (column titles, folder, buttons)
    d.result["chooser_texts"] = sorted({w.text for w in popup.walk(restrict=True)
                                        if isinstance(getattr(w, "text", None), str)
                                        and w.text and not w.text.startswith("..")})
    d.shot("extra_file_chooser")
    d.press(use)
    yield 0.2
    d.result["files_shown"] = [sound.file_label.text, document.file_label.text]
    d.shot("extra_page4")
    d.press(form.ids.next)
    yield 0.1
    # page 5: quick — choosing goes on by itself (to the summary page)
    d.choose("cepat", "ya")
    yield lambda: form.on_summary
    yield 0.1
    d.shot("extra_summary")
    d.result["entry_id"] = form.editor.entry_id
    d.result["answers"] = form.editor.answers()
    d.press(form.ids.finalize_button)
    yield on_screen(d, "home")
    yield 0.05


def typed_shape(d: Driver) -> Iterator[Any]:
    """A laptop (no GPS): geotrace points typed in one by one, the last one taken back."""
    yield on_screen(d, "home")
    d.press(d.find("PrimaryButton", "Tipe tambahan", contains=True)[0])
    yield on_screen(d, "form")
    form = d.screen
    while d.question("jalur") is None:
        form.show_page(form.index + 1)
        yield 0.05
    trace = d.question("jalur")
    d.result["has_fields"] = trace.latitude.parent is not None
    for lat, lon in (("-2.9761", "104.7754"), ("-291", "104"), ("-2.9770", "104.7760"),
                     ("-2.9772", "104.7771")):
        d.type_into(trace.latitude, lat)
        d.type_into(trace.longitude, lon)
        d.press(trace.add)
        yield 0.05
        if lat == "-291":
            d.result["bad_point"] = trace.status.text
            d.shot("extra_typed_bad_point")
    d.press(trace.add)  # nothing typed: nothing added
    d.press(trace.remove)
    yield 0.1
    d.result["points"] = form.session.value("jalur")
    d.result["text"] = trace.shown.text
    d.shot("extra_typed_shape")
