"""Drive the real tablet app offscreen, one scenario per process.

``python -m tests.field_app_ui.driver SCENARIO --data-dir D --out DIR [--server URL]
[--size 1280x800]`` starts :class:`field_app.ui.app.FieldApp`, runs the scenario's steps on
Kivy's clock by dispatching events on the app's widgets (typing into text fields, pressing
buttons, ticking boxes), saves screenshots into ``DIR`` and writes ``DIR/result.json``.

A scenario is a generator: it yields a number (seconds to wait) or a callable (wait until it
returns true); a failed ``check`` ends the run with the failure in the result.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

STEP_TIMEOUT = 30.0


class ScenarioFailedError(AssertionError):
    """A check of the scenario failed."""


def check(condition: Any, message: str) -> None:
    """Fail the scenario when ``condition`` is false."""
    if not condition:
        raise ScenarioFailedError(message)


class Driver:
    """Helpers over the running app's widget tree."""

    def __init__(self, app: Any, out: Path, size: str) -> None:
        self.app = app
        self.out = out
        self.size = size
        self.result: dict[str, Any] = {"screens": [], "timings": {}}

    # -- finding -----------------------------------------------------------------------------

    @property
    def screen(self) -> Any:
        """The screen shown."""
        return self.app.manager.current_screen

    def widgets(self, root: Any = None) -> list[Any]:
        """Every widget under ``root`` (the current screen by default)."""
        return list((root or self.screen).walk(restrict=True))

    def popups(self) -> list[Any]:
        """Open popups (they live on the window, not in a screen)."""
        from kivy.core.window import Window
        from kivy.uix.modalview import ModalView

        return [w for w in Window.children if isinstance(w, ModalView)]

    def find(self, cls_name: str, text: str | None = None, root: Any = None,
             contains: bool = False) -> list[Any]:
        """Widgets of a class (by name, or any subclass) whose text matches."""
        found = []
        for widget in self.widgets(root):
            names = {c.__name__ for c in type(widget).__mro__}
            if cls_name not in names:
                continue
            if text is not None:
                value = getattr(widget, "text", None)
                if value is None or (text not in value if contains else value != text):
                    continue
            found.append(widget)
        return found

    def button(self, text: str, root: Any = None, contains: bool = False) -> Any:
        """The one button showing ``text``."""
        found = [b for b in self.find("Button", text, root, contains) if not b.disabled]
        check(found, f"no enabled button {text!r} on {self.screen.name}")
        return found[0]

    def t(self, key: str, **params: Any) -> str:
        """An interface text in the app's language."""
        return self.app.tr(key, **params)

    # -- acting ------------------------------------------------------------------------------

    @staticmethod
    def press(widget: Any) -> None:
        """Tap a button (press then release)."""
        widget.dispatch("on_press")
        widget.dispatch("on_release")

    def timed_press(self, widget: Any, label: str) -> Callable[[], bool]:
        """Tap a button and time it; returns a wait condition: the next frame was drawn.

        ``timings[label]`` gets ``handler_ms`` and ``handler_cpu_ms`` (the app's work for the
        tap: wall clock and the process's CPU time) and ``drawn_ms`` (tap to the frame drawn).
        """
        from kivy.core.window import Window

        timing: dict[str, float] = {}
        self.result["timings"][label] = timing
        wall, cpu = time.perf_counter(), time.process_time()

        def drawn(*_args: Any) -> None:
            Window.unbind(on_flip=drawn)
            timing["drawn_ms"] = (time.perf_counter() - wall) * 1000

        self.press(widget)
        timing["handler_ms"] = (time.perf_counter() - wall) * 1000
        timing["handler_cpu_ms"] = (time.process_time() - cpu) * 1000
        Window.bind(on_flip=drawn)

        def frame_drawn() -> bool:
            return "drawn_ms" in timing
        return frame_drawn

    @staticmethod
    def type_into(field: Any, text: str) -> None:
        """Replace a text field's content as typing would."""
        field.focus = True
        field.text = ""
        field.insert_text(text)
        field.focus = False

    def shot(self, name: str) -> Path:
        """Save a screenshot of the app (and any popup) as ``<size>-<name>.png``."""
        from kivy.core.window import Window

        path = self.out / f"{self.size}-{name}.png"
        if self.popups():
            Window.screenshot(name=str(path))
            produced = sorted(self.out.glob(f"{self.size}-{name}*.png"),
                              key=lambda p: p.stat().st_mtime)
            if produced and produced[-1] != path:
                produced[-1].replace(path)
        else:
            self.app.root.export_to_png(str(path))
        self.result["screens"].append(path.name)
        return path

    # -- form helpers ------------------------------------------------------------------------

    def _whole_page(self) -> None:
        """A long page adds its lower questions over the next frames; an officer scrolling
        down finds them there: have them all before looking one up."""
        complete = getattr(self.screen, "complete_page", None)
        if complete is not None:
            complete()

    def question(self, name: str) -> Any:
        """The widget of a question on the form page shown (``None`` if hidden)."""
        self._whole_page()
        for widget in self.screen.ids.body.children:
            if getattr(widget, "name", None) == name and hasattr(widget, "question"):
                return widget
        return None

    def choose(self, name: str, value: str) -> None:
        """Tick the choice ``value`` of a select question by tapping its row."""
        widget = self.question(name)
        check(widget is not None, f"question {name} not shown")
        row = widget.rows.get(value)
        check(row is not None, f"no choice {value} for {name}")
        self.press(row)

    def fill_page_defaults(self, texts: str = "Catatan pengamatan uji") -> None:
        """Answer every empty question of the page with a plausible value, by its widgets."""
        self._whole_page()
        for widget in list(reversed(self.screen.ids.body.children)):
            if not hasattr(widget, "question") or widget.locked:
                continue
            session = self.screen.session
            if session.value(widget.name, widget.instance) not in (None, "", []):
                continue
            kind = widget.question.type
            if kind == "select_one" and widget.rows:
                rows = list(widget.rows.values())
                self.press(rows[0])
            elif kind == "select_multiple" and widget.rows:
                next(iter(widget.rows.values())).ids.box.active = True
            elif kind in ("integer", "decimal"):
                self.type_into(widget.field, "80")
            elif kind == "text":
                self.type_into(widget.field, texts)


def run(scenario: Callable[[Driver], Iterator[Any]], data_dir: Path, out: Path,
        server: str | None, size: str, timeout: float) -> dict[str, Any]:
    """Start the app, run the scenario on its clock, stop, return the result."""
    width, height = (int(v) for v in size.split("x"))
    from kivy.config import Config

    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "resizable", "0")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    from kivy.clock import Clock

    from field_app.ui.app import FieldApp

    started = time.perf_counter()
    app = FieldApp(data_dir, server_url=server)
    driver = Driver(app, out, size)
    state: dict[str, Any] = {"gen": None, "wait": None, "deadline": 0.0}

    def finish(error: str | None = None) -> None:
        driver.result["ok"] = error is None
        if error:
            driver.result["error"] = error
        app.stop()

    def tick(_dt: float) -> None:
        if driver.result.get("ok") is not None:
            return
        try:
            wait = state["wait"]
            if callable(wait):
                if not wait():
                    if time.monotonic() > state["deadline"]:
                        raise ScenarioFailedError(f"timed out waiting ({wait.__name__})")
                    return
            elif isinstance(wait, (int, float)) and time.monotonic() < state["deadline"]:
                return
            step = next(state["gen"])
            state["wait"] = step
            state["deadline"] = time.monotonic() + (
                step if isinstance(step, (int, float)) else STEP_TIMEOUT)
        except StopIteration:
            finish()
        except Exception as exc:
            finish(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")

    def first_screen() -> None:
        driver.result["timings"]["start_to_first_screen_ms"] = (
            time.perf_counter() - started) * 1000
        state["gen"] = scenario(driver)
        Clock.schedule_interval(tick, 0.02)

    app.on_first_screen = first_screen
    Clock.schedule_once(lambda _dt: finish("scenario timed out"), timeout)
    app.run()
    if driver.result.get("ok") is None:
        driver.result["ok"] = False
        driver.result.setdefault("error", "the app stopped before the scenario ended")
    return driver.result


#: The modules whose functions are scenarios (``--scenario <name>``), searched in this order.
SCENARIO_MODULES = [
    "scenarios", "scenarios_states", "scenarios_sync", "scenarios_extra", "scenarios_capture",
]


def main(argv: list[str] | None = None) -> int:
    """Command line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--server")
    parser.add_argument("--size", default="1280x800")
    parser.add_argument("--timeout", type=float, default=150.0)
    parser.add_argument("--param", action="append", default=[])
    args = parser.parse_args(argv)
    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ["KIVY_NO_CONSOLELOG"] = "1"
    os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))
    args.out.mkdir(parents=True, exist_ok=True)
    import importlib

    # a bare name is searched in SCENARIO_MODULES; "module:name" names its module, either
    # beside this file ("scenarios_checklist:where_am_i") or in full ("tests.x.y:name")
    module_name, _, name = args.scenario.rpartition(":")
    if module_name:
        full = module_name if "." in module_name else f"tests.field_app_ui.{module_name}"
        scenario = getattr(importlib.import_module(full), name)
    else:
        modules = [importlib.import_module(f"tests.field_app_ui.{m}") for m in SCENARIO_MODULES]
        scenario = next(getattr(m, name) for m in modules if hasattr(m, name))
    params = dict(p.split("=", 1) for p in args.param)
    result = run(lambda d: scenario(d, **params), args.data_dir, args.out, args.server,
                 args.size, args.timeout)
    (args.out / "result.json").write_text(json.dumps(result, indent=2, default=str), "utf-8")
    return 0 if result.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
