"""Charts drawn on the server as SVG (no JavaScript, no chart library, works offline).

:func:`bar_chart` returns an SVG document as a string; labels are XML-escaped here, so the
template can insert it with ``|safe``.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

__all__ = ["bar_chart"]


def _nice_step(value: float) -> float:
    """The smallest 1, 2 or 5 x 10^n at or above ``value`` (at least 1): a whole-number tick."""
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _drawable(value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return 0.0
    return number if math.isfinite(number) and 0 <= number < 1e15 else 0.0


def bar_chart(
    bars: list[tuple[str, float]],
    *,
    title: str,
    width: int = 720,
    height: int = 220,
    label_every: int = 1,
) -> str:
    """A vertical bar chart of ``(label, value)`` pairs; the y axis has four whole-number steps.

    Every bar carries a ``<title>`` (its label and value) so a pointer shows the exact figure.
    ``label_every`` thins the x labels when there are many bars.
    """
    # a value that cannot be drawn (negative, not finite, not a number) is drawn as 0
    bars = [(label, _drawable(value)) for label, value in bars]
    left, right, top, bottom = 44, 8, 12, 40
    plot_w = width - left - right
    plot_h = height - top - bottom
    peak = 4 * _nice_step(max((v for _, v in bars), default=0) / 4)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title, {chr(34): "&quot;"})}">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        value = peak * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">{value:g}</text>'
        )
    if bars:
        slot = plot_w / len(bars)
        bar_w = max(1.0, slot * 0.72)
        for i, (label, value) in enumerate(bars):
            h = plot_h * value / peak
            x = left + slot * i + (slot - bar_w) / 2
            y = top + plot_h - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" class="bar">'
                f"<title>{escape(label)}: {value:g}</title></rect>"
            )
            if (len(bars) - 1 - i) % label_every == 0:  # the latest bar always has a label
                cx = left + slot * i + slot / 2
                parts.append(
                    f'<text x="{cx:.1f}" y="{height - bottom + 14}" class="axis" '
                    f'text-anchor="middle">{escape(label)}</text>'
                )
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        'class="baseline"/></svg>'
    )
    return "".join(parts)
