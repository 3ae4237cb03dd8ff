"""Searching for a GPS fix as the geopoint question asks: when to accept, warn, or give up.

Plain Python (no Kivy, no clock of its own): the geopoint widget feeds :class:`GeoSearch` the
fixes the device reports and the time, and shows what :meth:`GeoSearch.status` says. The
question's parameters (accepted by the form loader, as in ODK Collect):

* ``capture-accuracy`` (metres, default 5): a fix at least this good is accepted by itself and
  the search stops;
* ``warning-accuracy`` (metres, optional): a fix worse than this can still be accepted by the
  officer, with a warning shown;
* ``allow-mock-accuracy`` (``true``/``false``, default false): a fix from a mock location
  provider (a "fake GPS" app) keeps its reported accuracy only when true. Otherwise, as in ODK
  Collect, its accuracy is recorded as 0 so that analysts can spot it, and it is never accepted
  by itself: the officer sees that the location is mocked and decides.

The search gives up after ``timeout`` seconds (indoor visits often have no fix at all); the best
fix seen so far, if any, can still be accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ACCEPTED",
    "CANCELLED",
    "DEFAULT_CAPTURE_ACCURACY",
    "DEFAULT_TIMEOUT",
    "SEARCHING",
    "TIMED_OUT",
    "GeoSearch",
    "GeoSettings",
    "format_accuracy",
    "geo_settings",
]

DEFAULT_CAPTURE_ACCURACY = 5.0
DEFAULT_TIMEOUT = 120.0

SEARCHING = "searching"
ACCEPTED = "accepted"
CANCELLED = "cancelled"
TIMED_OUT = "timed_out"


@dataclass(frozen=True)
class GeoSettings:
    """A geopoint question's capture rules (see the module docstring)."""

    capture_accuracy: float = DEFAULT_CAPTURE_ACCURACY
    warning_accuracy: float | None = None
    allow_mock: bool = False


def _metres(text: Any) -> float | None:
    try:
        value = float(str(text).strip())
    except ValueError:
        return None
    return value if value > 0 and value == value and value != float("inf") else None


def geo_settings(question: Any) -> GeoSettings:
    """The capture rules of a geopoint question from its ``parameters``."""
    parameters = getattr(question, "parameters", None) or {}
    capture = _metres(parameters.get("capture-accuracy", ""))
    warning = _metres(parameters.get("warning-accuracy", ""))
    mock = str(parameters.get("allow-mock-accuracy", "")).strip().lower() in ("true", "yes",
                                                                              "1")
    return GeoSettings(capture if capture is not None else DEFAULT_CAPTURE_ACCURACY, warning,
                       mock)


def format_accuracy(accuracy: float) -> str:
    """``4.5``, ``38``: one decimal below 10 m, whole metres above."""
    return f"{accuracy:.1f}" if accuracy < 10 else f"{accuracy:.0f}"


@dataclass
class GeoSearch:
    """One search for a fix: fed fixes and ticks, it says when to stop and what to record."""

    settings: GeoSettings
    started: float
    timeout: float = DEFAULT_TIMEOUT
    state: str = SEARCHING
    current: dict[str, Any] | None = None
    best: dict[str, Any] | None = None
    fixes: int = 0
    now: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.now = self.started

    def recorded(self, fix: dict[str, Any]) -> dict[str, Any]:
        """The answer for a fix: latitude, longitude, altitude, accuracy (mock: 0 unless
        allowed)."""
        accuracy = float(fix.get("accuracy") or 0.0)
        if fix.get("mock") and not self.settings.allow_mock:
            accuracy = 0.0
        return {"latitude": float(fix["latitude"]), "longitude": float(fix["longitude"]),
                "altitude": float(fix.get("altitude") or 0.0), "accuracy": accuracy}

    def on_fix(self, fix: dict[str, Any], now: float) -> str:
        """A fix from the device; returns the state (``accepted`` when good enough)."""
        if self.state != SEARCHING:
            return self.state
        self.now = now
        self.fixes += 1
        self.current = dict(fix)
        if self._better(fix, self.best):
            self.best = dict(fix)
        accuracy = fix.get("accuracy")
        good = (accuracy is not None and 0 < float(accuracy) <= self.settings.capture_accuracy)
        if good and (not fix.get("mock") or self.settings.allow_mock):
            self.best = dict(fix)
            self.state = ACCEPTED
        return self.state

    def _better(self, fix: dict[str, Any], best: dict[str, Any] | None) -> bool:
        """Whether ``fix`` is a better choice than ``best``: a real fix beats a mock one
        (unless mock fixes are allowed), then the smaller accuracy radius wins."""
        if best is None:
            return True
        fake_new = bool(fix.get("mock")) and not self.settings.allow_mock
        fake_best = bool(best.get("mock")) and not self.settings.allow_mock
        if fake_new != fake_best:
            return fake_best
        return float(fix.get("accuracy") or 1e9) < float(best.get("accuracy") or 1e9)

    def tick(self, now: float) -> str:
        """Time passes; returns the state (``timed_out`` after the timeout)."""
        self.now = now
        if self.state == SEARCHING and now - self.started >= self.timeout:
            self.state = TIMED_OUT
        return self.state

    def cancel(self) -> None:
        """The officer stopped the search (nothing is recorded)."""
        if self.state == SEARCHING:
            self.state = CANCELLED

    def accept(self) -> dict[str, Any] | None:
        """The officer takes the best fix so far (``None`` when there is none)."""
        if self.best is None:
            return None
        self.state = ACCEPTED
        return self.recorded(self.best)

    def answer(self) -> dict[str, Any] | None:
        """The value to record once accepted (``None`` otherwise)."""
        if self.state != ACCEPTED or self.best is None:
            return None
        return self.recorded(self.best)

    def elapsed(self) -> int:
        """Whole seconds since the search started."""
        return int(self.now - self.started)

    def warning(self, fix: dict[str, Any] | None = None) -> str | None:
        """Why a fix deserves a warning: ``"mock"``, ``"poor"`` (worse than
        ``warning-accuracy``), else ``None``."""
        fix = self.best if fix is None else fix
        if fix is None:
            return None
        if fix.get("mock") and not self.settings.allow_mock:
            return "mock"
        limit = self.settings.warning_accuracy
        accuracy = fix.get("accuracy")
        if limit is not None and accuracy is not None and float(accuracy) > limit:
            return "poor"
        return None

    def status(self) -> tuple[str, dict[str, Any]]:
        """What to show now: a catalog key under ``form.geo.`` and its parameters."""
        params: dict[str, Any] = {
            "seconds": self.elapsed(),
            "timeout": int(self.timeout),
            "target": format_accuracy(self.settings.capture_accuracy),
        }
        if self.state == TIMED_OUT:
            if self.best is None:
                return "form.geo.timeout_none", params
            params["best"] = format_accuracy(float(self.best.get("accuracy") or 0.0))
            return "form.geo.timeout_best", params
        if self.current is None:
            return "form.geo.searching_none", params
        params["accuracy"] = format_accuracy(float(self.current.get("accuracy") or 0.0))
        if self.current.get("mock") and not self.settings.allow_mock:
            return "form.geo.searching_mock", params
        return "form.geo.searching", params
