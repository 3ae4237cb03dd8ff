"""A scripted GPS and camera behind the :class:`~field_app.platform.Device` interface.

For tests and demonstrations on a machine without a GPS: :class:`SimulatedDevice` reports the
fixes of a script from a thread, as a tablet's location service does (a fix that improves over
time, a GPS that stalls indoors, a mock location provider), and "takes" a photo by copying a
prepared file into the target the app names.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from field_app.platform import Device, ErrorCallback, FixCallback, PhotoCallback, StopWatching

__all__ = ["SCRIPTS", "SimulatedDevice", "fix"]


def fix(accuracy: float, *, mock: bool = False, latitude: float = -2.976074,
        longitude: float = 104.775431, altitude: float = 12.0) -> dict[str, Any]:
    """One GPS fix near Kantor Walikota Palembang."""
    return {"latitude": latitude, "longitude": longitude, "altitude": altitude,
            "accuracy": float(accuracy), "mock": mock}


#: named scripts: ``(seconds after the previous step, fix)``
SCRIPTS: dict[str, list[tuple[float, dict[str, Any]]]] = {
    # outdoors: the fix improves until it is good enough
    "improves": [(0.3, fix(65)), (0.4, fix(38)), (0.4, fix(17.5)), (0.4, fix(8.2)),
                 (0.4, fix(4.1)), (0.4, fix(3.2))],
    # indoors: two poor fixes, then nothing more
    "stalls": [(0.3, fix(48)), (0.4, fix(36))],
    # no fix at all (a basement archive room)
    "silent": [],
    # a "fake GPS" app: a perfect accuracy from a mock provider
    "mock": [(0.3, fix(3.0, mock=True)), (0.4, fix(2.0, mock=True))],
}


class SimulatedDevice(Device):
    """A device whose GPS plays ``script`` and whose camera returns ``photo``."""

    has_gps = True
    has_camera = True

    def __init__(self, script: str | Sequence[tuple[float, dict[str, Any]]] = "improves",
                 *, photo: Path | None = None, location_timeout: float = 120.0) -> None:
        """``location_timeout`` as :attr:`Device.location_timeout`."""
        self.script = list(SCRIPTS[script] if isinstance(script, str) else script)
        self.photo = photo
        self.location_timeout = location_timeout
        self.watching = 0
        self.stopped = 0

    def watch_location(self, on_fix: FixCallback, on_error: ErrorCallback) -> StopWatching:
        """Play the script in a thread until stopped."""
        stop = threading.Event()
        self.watching += 1

        def play() -> None:
            for delay, item in self.script:
                if stop.wait(delay):
                    return
                on_fix(dict(item))

        threading.Thread(target=play, daemon=True, name="simulated-gps").start()

        def stopper() -> None:
            if not stop.is_set():
                stop.set()
                self.stopped += 1

        return stopper

    def take_photo(self, target: Path, callback: PhotoCallback) -> None:
        """Copy the prepared photo into ``target`` (``None`` without one: cancelled)."""
        if self.photo is None:
            callback(None)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.photo, target)
        callback(target)
