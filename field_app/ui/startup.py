"""How Kivy is set up before the app starts: a quiet console that still shows real errors.

On a desktop Linux machine a plain Kivy start prints dozens of INFO lines, a traceback because
``libmtdev`` (multitouch devices) is missing and a CRITICAL line because neither ``xclip`` nor
``xsel`` is installed (only the middle-click "cut buffer" needs them; copy and paste use SDL2).
A new user reads that as a crash. :func:`prepare_environment` (before the first Kivy import)
hands Kivy's logging to Python's ``logging`` and picks the SDL2 clipboard;
:func:`configure_logging` prints warnings and errors on stderr, except the known harmless
notices of a desktop start, and keeps everything (notices included) in a log file of the data
folder; :func:`configure_input` reads the mouse only on a desktop (no device probing).

No Kivy import at module level: :func:`configure_input` imports ``kivy.config`` itself.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from collections.abc import MutableMapping
from pathlib import Path

__all__ = [
    "HARMLESS_NOTICES",
    "HarmlessNoticeFilter",
    "configure_input",
    "configure_logging",
    "is_harmless_notice",
    "prepare_environment",
]

#: Starts of Kivy log messages that are expected on a desktop and need no action.
HARMLESS_NOTICES = (
    "Input: MTDev is not supported",  # no libmtdev: multitouch panels only
    "Unable to find any valuable Cutbuffer provider",  # no xclip/xsel: middle-click paste
    "Older configuration version detected",  # first start with a fresh KIVY_HOME
    "Upgrading configuration in progress",
)
LOG_FILE_NAME = "field-app.log"
CONSOLE_FORMAT = "%(levelname)s %(name)s: %(message)s"
FILE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def is_harmless_notice(message: str) -> bool:
    """Whether a log message is one of Kivy's known harmless desktop notices."""
    head = message[:300]
    return any(notice in head for notice in HARMLESS_NOTICES)


class HarmlessNoticeFilter(logging.Filter):
    """Drops Kivy's harmless desktop notices (and their tracebacks) from the console."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record except a known harmless notice."""
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: show it rather than hide it
            return True
        return not is_harmless_notice(message)


def prepare_environment(environ: MutableMapping[str, str] | None = None,
                        platform: str = sys.platform) -> None:
    """Environment for Kivy, set before its first import (values already set are kept)."""
    env = os.environ if environ is None else environ
    env.setdefault("KIVY_NO_ARGS", "1")  # Kivy must not read the app's options
    env.setdefault("KIVY_LOG_MODE", "PYTHON")  # Kivy's records go through logging
    if platform.startswith("linux") and "ANDROID_ARGUMENT" not in env:
        env.setdefault("KIVY_CLIPBOARD", "sdl2")  # no probing of xclip/xsel for copy/paste


def configure_logging(data_folder: Path | None, level: str | None = None) -> Path | None:
    """Console: warnings and errors without the harmless notices; file: everything (INFO).

    ``level`` (or ``FIELD_APP_LOG_LEVEL``, e.g. ``DEBUG``) lowers the console's level for a
    technician; the file is ``<data>/logs/field-app.log`` (three files of 1 MB at most).
    Returns the log file's path (``None`` when it cannot be written).
    """
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    console_level = (level or os.environ.get("FIELD_APP_LOG_LEVEL") or "WARNING").upper()
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(getattr(logging, console_level, logging.WARNING))
    console.setFormatter(logging.Formatter(CONSOLE_FORMAT))
    if console.level > logging.DEBUG:
        console.addFilter(HarmlessNoticeFilter())
    root.addHandler(console)
    path = None
    if data_folder is not None:
        try:
            folder = Path(data_folder) / "logs"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / LOG_FILE_NAME
            handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000,
                                                           backupCount=2, encoding="utf-8")
            handler.setLevel(logging.INFO)
            handler.setFormatter(logging.Formatter(FILE_FORMAT))
            root.addHandler(handler)
        except OSError:
            logging.getLogger(__name__).warning("cannot write the log file in %s", data_folder)
            path = None
    # third-party chatter stays in the file
    for name in ("urllib3", "PIL"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return path


def configure_input(platform: str = sys.platform) -> None:
    """On a desktop Linux machine, read the mouse only: no probing of /dev/input devices.

    (A tablet's touch screen comes through SDL2's own input provider on Android.)
    """
    if not platform.startswith("linux") or "ANDROID_ARGUMENT" in os.environ:
        return
    from kivy.config import Config

    if Config.has_section("input"):
        for option in list(Config.options("input")):
            if option != "mouse":
                Config.remove_option("input", option)
    else:
        Config.add_section("input")
    Config.set("input", "mouse", "mouse,disable_multitouch")
