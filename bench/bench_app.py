"""Benchmarks of the tablet app's screens (issue 5), the real Kivy app offscreen.

* cold start to the home screen < 2 s: a new Python process, from its start (interpreter and
  imports included) until the home screen has been drawn once, median of 5 runs;
* opening the observation form < 500 ms: from the tap on "Isi baru: Observasi..." until the
  first page has been drawn (draft created and saved, form compiled, widgets built);
* moving to the next question < 50 ms: the app's work from the tap on "Berikutnya" until the
  next page is built and laid out (p95 over every page of the observation form), and, as a
  second figure, until the next frame has been drawn (which on this machine is Mesa's
  software renderer, llvmpipe, which the app runs single-threaded: see
  ``field_app/ui/__init__.py``).

The form screen builds the next pages' widgets in idle frames while the officer reads the
current page (and the first pages of each form while home is shown): the run waits
``IDLE_ON_HOME`` on home and ``READING_TIME`` on each page, far less than an officer does.

The device holds a signed-in officer, both pilot forms and 500 sent observation entries.
Each run is a child process (``python -m bench.bench_app --child DIR``) reporting JSON on
stdout. Run: ``python -m bench.bench_app``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "survey_forms" / "fixtures" / "observasi_complete.json"
START_RUNS = 5
IDLE_ON_HOME = 2.0  # seconds on the home screen before the tap that opens the form
READING_TIME = 1.0  # seconds an officer spends on a page before tapping Next (real: more)


def prepare_device(folder: Path, entries: int = 500) -> None:
    """A device signed in, with both pilot forms and ``entries`` sent observations."""
    from field_app.store import Store
    from survey_forms import load_pilot_form

    store = Store(folder / "store", durable=False)
    user = {"username": "petugas", "full_name": "Rina Petugas", "role": "officer",
            "regions": ["16.71", "16.05"]}
    store.set_credentials("token-bench", user, "http://127.0.0.1:9")
    forms = [load_pilot_form(name) for name in ("observasi", "survei_masyarakat")]
    store.save_forms([form.to_json() for form in forms])
    answers = json.loads(FIXTURE.read_text("utf-8"))
    observasi = forms[0]
    changes = [{"kind": "entry", "seq": n, "entry_id": f"bench-{n:05d}", "rev": f"1-{n:032x}",
                "parent_rev": None, "form_id": observasi.form_id,
                "form_version": observasi.version, "region": "16.71", "answers": answers,
                "meta": {"officer": "petugas"}, "review_status": "received",
                "review_comment": None, "conflicts": []} for n in range(entries)]
    store.apply_pull(changes, "cursor-bench")
    store.close()


def child(folder: Path, pages: bool) -> dict[str, Any]:
    """Run the app once and time it (in this process, which must be a fresh one)."""
    started = time.perf_counter()
    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ["KIVY_NO_CONSOLELOG"] = "1"
    from kivy.config import Config

    Config.set("graphics", "width", "1280")
    Config.set("graphics", "height", "800")
    from kivy.clock import Clock

    from field_app.ui.app import FieldApp

    app = FieldApp(folder)
    out: dict[str, Any] = {}

    from kivy.core.window import Window

    def after_frame(label: str, t0: float, then: Any = None) -> None:
        def drawn(*_args: Any) -> None:
            Window.unbind(on_flip=drawn)
            out.setdefault(label, []).append((time.perf_counter() - t0) * 1000)
            if then is not None:
                Clock.schedule_once(lambda _dt: then(), READING_TIME)
        Window.bind(on_flip=drawn)  # the frame showing the change has been drawn

    def open_form() -> None:
        home = app.manager.get_screen("home")
        button = next(b for b in home.ids.forms.children if "Observasi" in b.text)
        t0 = time.perf_counter()
        button.dispatch("on_press")
        button.dispatch("on_release")
        after_frame("open_form_ms", t0, next_page)

    def next_page() -> None:
        form = app.manager.get_screen("form")
        if form.on_summary or form.pages[form.index].kind == "repeat":
            app.stop()
            return
        # answer the page's required questions through the session so Next may move on
        for widget in form.widgets:
            if widget.question.type == "select_one" and widget.rows:
                form.answer(widget.name, widget.instance, next(iter(widget.rows)))
        for widget in form.widgets:
            if form.session.error(widget.name, widget.instance) is None:
                continue
            kind = widget.question.type
            value = {"select_multiple": [next(iter(getattr(widget, "rows", {"x": 0})))],
                     "integer": 3, "decimal": 80.0, "date": "2024-08-13"}.get(kind, "teks")
            form.answer(widget.name, widget.instance, value)
        t0 = time.perf_counter()
        form.ids.next.dispatch("on_press")
        form.ids.next.dispatch("on_release")
        out.setdefault("next_handler_ms", []).append((time.perf_counter() - t0) * 1000)
        after_frame("next_page_ms", t0, next_page)

    def first_screen() -> None:
        out["home_at"] = time.time()
        out["in_process_ms"] = (time.perf_counter() - started) * 1000
        if pages:
            # an officer looks at home for a moment: the app builds the form's first pages then
            Clock.schedule_once(lambda _dt: open_form(), IDLE_ON_HOME)
        else:
            app.stop()

    app.on_first_screen = lambda: Clock.schedule_once(lambda _dt: first_screen(), 0)
    Clock.schedule_once(lambda _dt: app.stop(), 120)
    app.run()
    return out


def _run_child(folder: Path, pages: bool) -> dict[str, Any]:
    env = {**os.environ, "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1",
           "KIVY_HOME": str(folder.parent / "kivy-home")}
    command = [sys.executable, "-m", "bench.bench_app", "--child", str(folder)]
    if pages:
        command.append("--pages")
    t0 = time.time()
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                               timeout=300)
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"bench child failed:\n{completed.stdout}\n{completed.stderr}")
    data = json.loads(lines[-1])
    data["start_ms"] = (data["home_at"] - t0) * 1000  # process start to home drawn
    return data


def run() -> list[dict[str, Any]]:
    """Measure and return the figures (see the module docstring)."""
    from bench.common import median, p95, result

    work = Path(tempfile.mkdtemp(prefix="bench-app-"))
    try:
        folder = work / "data"
        prepare_device(folder)
        starts = [_run_child(folder, pages=False)["start_ms"] for _ in range(START_RUNS)]
        detail = _run_child(folder, pages=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    pages = detail.get("next_page_ms", [])
    handlers = detail.get("next_handler_ms", [])
    return [
        result("app: cold start to home (500 entries), median of 5", median(starts), "ms",
               2000, note=f"max {max(starts):.0f} ms"),
        result("app: open the observation form (tap to first page drawn)",
               detail["open_form_ms"][0], "ms", 500),
        result("app: next question, the app's work (tap handled, page built), p95",
               p95(handlers), "ms", 50,
               note=f"median {median(handlers):.1f} ms over {len(handlers)} pages"),
        result("app: next question, tap to next page drawn (software GL), median",
               median(pages), "ms", 50, note=f"p95 {p95(pages):.0f} ms"),
    ]


def main() -> None:
    """``python -m bench.bench_app`` (or ``--child DIR [--pages]`` inside a run)."""
    if "--child" in sys.argv:
        folder = Path(sys.argv[sys.argv.index("--child") + 1])
        print(json.dumps(child(folder, "--pages" in sys.argv)))
        return
    for row in run():
        print(f"{row['name']}: {row['value']} {row['unit']} (target {row['target']}) "
              f"{'pass' if row['pass'] else 'FAIL'} {row.get('note', '')}")


if __name__ == "__main__":
    main()
