"""Small helpers shared by the benchmark scripts."""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable
from typing import Any


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    """Run ``fn`` ``repeat`` times; return each run's duration in milliseconds."""
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def median(values: list[float]) -> float:
    """The median of ``values``."""
    return statistics.median(values)


def p95(values: list[float]) -> float:
    """The 95th percentile of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def result(
    name: str,
    value: float,
    unit: str,
    target: float | None,
    higher_is_better: bool = False,
    note: str = "",
) -> dict[str, Any]:
    """One benchmark figure, as bench/results.json records it (``target=None``: a figure for
    information, which passes whatever its value)."""
    if target is None:
        passed, shown = True, "(none)"
    else:
        passed = value >= target if higher_is_better else value < target
        shown = f"{'>=' if higher_is_better else '<'} {target:g}"
    return {
        "name": name,
        "value": round(value, 3),
        "unit": unit,
        "target": shown,
        "pass": passed,
        "note": note,
    }


def machine() -> str:
    """A one-line description of this machine."""
    import os

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        mem = f", {pages / 2**30:.0f} GiB RAM"
    except (ValueError, OSError):
        pass
    system = f"Python {platform.python_version()}, {platform.system()}"
    return f"{cpu}, {os.cpu_count()} cores{mem}, {system}"
