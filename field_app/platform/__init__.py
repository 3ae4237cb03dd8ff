"""GPS, camera, barcode scanner and recorders behind a small interface, with desktop fallbacks.

On Android (python-for-android sets ``ANDROID_ARGUMENT``) :class:`AndroidDevice` uses plyer's
GPS and camera. Elsewhere :class:`DesktopDevice` has neither: the form screen then asks for
latitude and longitude typed in, and offers a file chooser instead of the camera, so the app
runs on a laptop too. A barcode is typed in where no scanner exists; sound, video and other
files come from a file chooser where the device cannot record them (:meth:`Device.can_capture`).
Screens only call :func:`get_device`.

The GPS is watched, not asked once: :meth:`Device.watch_location` reports every fix (with its
accuracy and whether it came from a mock location provider) until stopped, so the geopoint
question can show the accuracy improving and accept the fix its parameters ask for
(:mod:`field_app.geo_capture`). :mod:`field_app.platform.simulated` has a scripted GPS for tests
and demonstrations.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["AndroidDevice", "DesktopDevice", "Device", "get_device", "on_android"]

LocationCallback = Callable[[dict[str, float] | None], None]
FixCallback = Callable[[dict[str, Any]], None]
ErrorCallback = Callable[[str], None]
StopWatching = Callable[[], None]
PhotoCallback = Callable[[Path | None], None]
BarcodeCallback = Callable[[str | None], None]


def on_android(env: dict[str, str] | None = None) -> bool:
    """Whether the app runs inside python-for-android."""
    env = dict(os.environ) if env is None else env
    return "ANDROID_ARGUMENT" in env or "ANDROID_PRIVATE" in env


class Device:
    """What the form screen needs from the hardware."""

    has_gps = False
    has_camera = False
    #: seconds a geopoint search goes on without an accepted fix before it gives up
    location_timeout = 120.0

    def watch_location(self, on_fix: FixCallback, on_error: ErrorCallback) -> StopWatching:
        """Report every fix ``{"latitude", "longitude", "altitude", "accuracy", "mock"}`` to
        ``on_fix`` (from any thread) until the returned function is called; ``on_error(code)``
        (``"unavailable"``, ``"disabled"``) when there is no GPS to watch."""
        on_error("unavailable")
        return lambda: None

    def locate(self, callback: LocationCallback, timeout: float = 60.0) -> None:
        """Call ``callback`` once with ``{"latitude", "longitude", "altitude", "accuracy"}``."""
        callback(None)

    has_scanner = False

    def take_photo(self, target: Path, callback: PhotoCallback) -> None:
        """Take a photo into ``target``; ``callback(path or None)`` when done or cancelled."""
        callback(None)

    def scan_barcode(self, callback: BarcodeCallback) -> None:
        """Scan a barcode or QR code with the camera; ``callback(text or None)``."""
        callback(None)

    def can_capture(self, kind: str) -> bool:
        """Whether the device records ``kind`` (``"audio"`` or ``"video"``) itself."""
        return False

    def capture_media(self, kind: str, target: Path, callback: PhotoCallback) -> None:
        """Record ``kind`` into ``target`` with the device's own app; ``callback(path or
        None)`` when done or cancelled."""
        callback(None)


class DesktopDevice(Device):
    """A laptop: coordinates are typed in, photos come from a file chooser."""


class AndroidDevice(Device):  # pragma: no cover - runs only on a tablet
    """A tablet: plyer's GPS and camera."""

    has_gps = True
    has_camera = True

    def __init__(self) -> None:
        from plyer import camera, gps  # type: ignore[import-not-found]

        self._gps = gps
        self._camera = camera

    def watch_location(self, on_fix: FixCallback, on_error: ErrorCallback) -> StopWatching:
        """plyer's GPS, one fix a second, until stopped. plyer does not say whether a fix
        comes from a mock provider (``mock`` is always false here)."""
        state = {"stopped": False}

        def on_location(**fix: Any) -> None:
            if state["stopped"]:
                return
            on_fix({
                "latitude": float(fix.get("lat", 0.0)),
                "longitude": float(fix.get("lon", 0.0)),
                "altitude": float(fix.get("altitude", 0.0)),
                "accuracy": float(fix.get("accuracy", 0.0)),
                "mock": bool(fix.get("mock", False)),
            })

        def on_status(stype: str, status: Any) -> None:
            if stype == "provider-disabled" and not state["stopped"]:
                on_error("disabled")

        def stop() -> None:
            if not state["stopped"]:
                state["stopped"] = True
                with contextlib.suppress(NotImplementedError, OSError):
                    self._gps.stop()

        try:
            self._gps.configure(on_location=on_location, on_status=on_status)
            self._gps.start(minTime=1000, minDistance=0)
        except (NotImplementedError, OSError):
            on_error("unavailable")
        return stop

    def locate(self, callback: LocationCallback, timeout: float = 60.0) -> None:
        """Start the GPS and report the first fix (then stop it)."""
        done = {"called": False}

        def on_location(**fix: Any) -> None:
            if done["called"]:
                return
            done["called"] = True
            self._gps.stop()
            callback({
                "latitude": float(fix.get("lat", 0.0)),
                "longitude": float(fix.get("lon", 0.0)),
                "altitude": float(fix.get("altitude", 0.0)),
                "accuracy": float(fix.get("accuracy", 0.0)),
            })

        def on_status(stype: str, status: Any) -> None:
            if stype == "provider-disabled" and not done["called"]:
                done["called"] = True
                callback(None)

        try:
            self._gps.configure(on_location=on_location, on_status=on_status)
            self._gps.start(minTime=1000, minDistance=0)
        except (NotImplementedError, OSError):
            callback(None)

    def take_photo(self, target: Path, callback: PhotoCallback) -> None:
        """Open the camera app; the photo is written to ``target``."""
        def on_complete(path: str) -> bool:
            callback(Path(path) if path and Path(path).exists() else None)
            return False

        try:
            self._camera.take_picture(filename=str(target), on_complete=on_complete)
        except (NotImplementedError, OSError):
            callback(None)

    def can_capture(self, kind: str) -> bool:
        """Video through the camera app; sound is chosen as a file (no recorder app API)."""
        return kind == "video"

    def capture_media(self, kind: str, target: Path, callback: PhotoCallback) -> None:
        """Open the camera app to record a video into ``target``."""
        def on_complete(path: str) -> bool:
            callback(Path(path) if path and Path(path).exists() else None)
            return False

        try:
            self._camera.take_video(filename=str(target), on_complete=on_complete)
        except (NotImplementedError, OSError, AttributeError):
            callback(None)


def get_device() -> Device:
    """The hardware of this machine."""
    if on_android():  # pragma: no cover
        try:
            return AndroidDevice()
        except ImportError:
            return DesktopDevice()
    return DesktopDevice()
