"""WCAG 2.1 contrast measured on screenshots (Pillow): relative luminance, contrast ratio, and
the colours a control is drawn with inside a box of the image."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from PIL import Image

RGB = tuple[int, int, int]


def luminance(rgb: RGB) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour (0-255 channels)."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    """The contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def on_background(path: object, background: tuple[float, float, float, float]) -> Image.Image:
    """A screenshot as shown: the app's PNG is transparent where the window's clear colour
    shows through, so it is laid over that colour."""
    shot = Image.open(path).convert("RGBA")
    base = Image.new("RGBA", shot.size, tuple(round(c * 255) for c in background))
    return Image.alpha_composite(base, shot).convert("RGB")


def colours(image: Image.Image, box: Sequence[float], min_share: float = 0.02
            ) -> list[tuple[RGB, int]]:
    """The colours covering at least ``min_share`` of a box (left, top, right, bottom)."""
    left, top, right, bottom = (round(v) for v in box)
    crop = image.convert("RGB").crop((max(0, left), max(0, top), right, bottom))
    counts = Counter({rgb: n for n, rgb in crop.getcolors(max(1, crop.width * crop.height))
                      or []})
    total = sum(counts.values()) or 1
    return [(rgb, n) for rgb, n in counts.most_common() if n / total >= min_share]


def dominant(image: Image.Image, box: Sequence[float]) -> RGB:
    """The most common colour of a box."""
    return colours(image, box, 0)[0][0]


def strongest_against(image: Image.Image, box: Sequence[float], background: RGB,
                      min_share: float = 0.02) -> tuple[RGB, float]:
    """The colour in the box (covering ``min_share`` at least) that stands out most from
    ``background``, and its contrast ratio: the drawn control (outline, fill, tick)."""
    best: tuple[RGB, float] = (background, 1.0)
    for rgb, _n in colours(image, box, min_share):
        ratio = contrast(rgb, background)
        if ratio > best[1]:
            best = (rgb, ratio)
    return best


def ring(box: Sequence[float], width: float) -> list[tuple[float, float, float, float]]:
    """Four thin boxes just outside ``box`` (the colour around a control)."""
    left, top, right, bottom = box
    return [(left - width, top - width, right + width, top),
            (left - width, bottom, right + width, bottom + width),
            (left - width, top, left, bottom), (right, top, right + width, bottom)]
