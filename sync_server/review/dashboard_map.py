"""The map of visit points: an SVG drawn on the server (no tiles, no internet, no script).

Points are the stored geopoints of the entries (``entry_scores.lat/lon``), placed by an
equirectangular projection around the points' middle latitude (distances within a regency are
true to about 1%), coloured by the entry's overall score in four bands of a colour-blind safe
palette (Okabe-Ito), grey without a score. Each kecamatan's name is written at the centre of its
points; a scale bar gives kilometres. With more than :data:`MAX_POINTS` points the map draws
grid cells instead (a circle per cell, its area growing with the number of entries, coloured by
their average score), so a season of 100,000 entries stays a small page.

There is no outline of the regencies: the project ships no boundary data (the forms carry
names and codes only), and the map must not fetch any.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy import Connection, Integer, cast, func, select

from ..db import is_sqlite
from ..schema import entry_scores
from .dashboard_areas import scoped

__all__ = ["MAX_POINTS", "MapData", "band_of", "map_data", "map_svg"]

MAX_POINTS = 1500
GRID = 32  # cells across the longer side when points are grouped (at most 1,024)
EARTH_KM_PER_DEGREE = 111.32
#: Okabe-Ito colours, low to high, and grey for "no score"
PALETTE = ("#D55E00", "#E69F00", "#56B4E9", "#0072B2")
NO_SCORE = "#999999"


@dataclass
class MapData:
    """What the map draws: ``points`` (lat, lon, score, count, entry_id or None), kecamatan
    centres (code, lat, lon, count), the total of entries with a point, and whether the points
    are grid cells."""

    points: list[tuple[float, float, float | None, int, str | None]]
    centres: list[tuple[str, float, float, int]]
    total: int
    grouped: bool


def band_of(score: float | None, bounds: tuple[float, float, float]) -> int | None:
    """The colour band 0-3 of a score (``bounds``: lower limits of bands 1-3), ``None`` without
    a score."""
    if score is None:
        return None
    return sum(1 for b in bounds if score >= b)


def map_data(conn: Connection, user: Any, form_id: str, region: str | None) -> MapData:
    """The points (or grid cells) and kecamatan centres of the form's entries the user sees."""
    es = entry_scores.c
    has_point = es.lat.is_not(None) & es.lon.is_not(None)
    # one pass: each kecamatan's centre, count and extent (the map's box is their union)
    per_kecamatan = (
        scoped(
            select(
                es.kecamatan,
                func.avg(es.lat),
                func.avg(es.lon),
                func.count(),
                func.min(es.lat),
                func.max(es.lat),
                func.min(es.lon),
                func.max(es.lon),
            ),
            user,
            form_id,
            region,
        )
        .where(has_point)
        .group_by(es.kecamatan)
    )
    rows = conn.execute(per_kecamatan).all()
    centres = [(k, float(a), float(b), int(n)) for k, a, b, n, *_box in rows if k]
    total = sum(int(row[3]) for row in rows)
    if total <= MAX_POINTS:
        stmt = scoped(select(es.lat, es.lon, es.score, es.entry_id), user, form_id, region).where(
            has_point
        )
        points = [(float(a), float(b), s, 1, e) for a, b, s, e in conn.execute(stmt)]
        return MapData(points, centres, total, False)
    lat0, lat1 = min(float(r[4]) for r in rows), max(float(r[5]) for r in rows)
    lon0, lon1 = min(float(r[6]) for r in rows), max(float(r[7]) for r in rows)
    # a little wider than span / GRID, so that the easternmost point falls in the last cell
    cell = max(lat1 - lat0, lon1 - lon0, 1e-6) / GRID * 1.0001
    # the cell index: floor of a value >= 0 (SQLite's CAST truncates; PostgreSQL's rounds)
    if is_sqlite(conn):
        gy, gx = cast((es.lat - lat0) / cell, Integer), cast((es.lon - lon0) / cell, Integer)
    else:
        gy, gx = func.floor((es.lat - lat0) / cell), func.floor((es.lon - lon0) / cell)
    stmt = (
        scoped(
            select(func.avg(es.lat), func.avg(es.lon), func.avg(es.score), func.count()),
            user,
            form_id,
            region,
        )
        .where(has_point)
        .group_by(gy, gx)
    )
    points = [
        (float(a), float(b), None if s is None else float(s), int(n), None)
        for a, b, s, n in conn.execute(stmt)
    ]
    return MapData(points, centres, total, True)


def _nice_km(limit: float) -> float:
    """The largest 1, 2 or 5 x 10^n km not above ``limit``."""
    if limit <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(limit))
    return max(s * magnitude for s in (1, 2, 5) if s * magnitude <= limit)


def _frame(title: str, width: int, height: int) -> str:
    """The opening of the map's SVG: its box, accessible title and background."""
    label = escape(title, {chr(34): "&quot;"})
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{label}"><title>{escape(title)}</title>'
        f'<rect x="0" y="0" width="{width}" height="{height}" class="map-bg"/>'
    )


LABEL_PX = 13  # font size of the kecamatan names (svg.map .map-label)


def _place_labels(
    labels: list[tuple[float, float, str]], width: int
) -> list[tuple[float, float, str]]:
    """Where to write each name: above its point, else below, else further down, moved inside
    the map's width and off the names already placed (estimated text boxes)."""
    placed: list[tuple[float, float, float, float]] = []
    out = []
    for x, y, name in sorted(labels, key=lambda item: (item[1], item[0])):
        half = 0.31 * LABEL_PX * len(name) + 2
        cx = min(max(x, half + 2), width - half - 2)
        for dy in (-9.0, 17.0, -22.0, 30.0, -35.0, 43.0):
            box = (cx - half, y + dy - LABEL_PX, cx + half, y + dy + 2)
            if not any(
                box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed
            ):
                break
        placed.append(box)
        out.append((cx, y + dy, name))
    return out


def map_svg(
    data: MapData,
    *,
    title: str,
    names: dict[str, str],
    bounds: tuple[float, float, float],
    point_label: Callable[[str, int], str],
    link: str | None = None,
    width: int = 720,
    height: int = 480,
) -> str:
    """The SVG document of the map (text XML-escaped here). ``names``: kecamatan code to name;
    ``point_label``: the tooltip of a point from its shown score and its number of entries
    (the caller chooses the plural form); ``link``: an URL with ``{id}`` for a point of one
    entry."""
    pad = 24
    lats = [p[0] for p in data.points] + [c[1] for c in data.centres]
    lons = [p[1] for p in data.points] + [c[2] for c in data.centres]
    if not lats:
        return _frame(title, width, height) + "</svg>"
    mid = (min(lats) + max(lats)) / 2
    kx = math.cos(math.radians(mid))
    span_x = max((max(lons) - min(lons)) * kx, 1e-4)
    span_y = max(max(lats) - min(lats), 1e-4)
    # as tall as the points need (a wide, flat spread gives a low map), within limits
    height = int(min(max(span_y / span_x * (width - 2 * pad) + 2 * pad + 50, 260), height))
    parts = [_frame(title, width, height)]
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad - 30) / span_y)  # px per degree
    off_x = pad + ((width - 2 * pad) - span_x * scale) / 2
    off_y = pad + ((height - 2 * pad - 30) - span_y * scale) / 2
    west, north = min(lons), max(lats)

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return off_x + (lon - west) * kx * scale, off_y + (north - lat) * scale

    biggest = max((p[3] for p in data.points), default=1)
    for lat, lon, score, count, entry_id in data.points:
        x, y = xy(lat, lon)
        band = band_of(score, bounds)
        colour = NO_SCORE if band is None else PALETTE[band]
        radius = 5.0 if not data.grouped else 3.0 + 9.0 * math.sqrt(count / biggest)
        shown = "—" if score is None else f"{score:.1f}"
        tip = escape(point_label(shown, count))
        circle = (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{colour}" '
            f'class="pt band-{"x" if band is None else band}"><title>{tip}</title></circle>'
        )
        if link and entry_id:
            href = escape(link.replace("{id}", entry_id), {chr(34): "&quot;"})
            circle = f'<a href="{href}">{circle}</a>'
        parts.append(circle)
    for x, y, name in _place_labels(
        [(*xy(lat, lon), names.get(code, code)) for code, lat, lon, _n in data.centres], width
    ):
        parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" class="map-label" '
            f'text-anchor="middle">{escape(name)}</text>'
        )
    # scale bar: a round number of km, at most a quarter of the width
    km_per_px = EARTH_KM_PER_DEGREE / scale
    km = _nice_km(km_per_px * width / 4)
    bar = km / km_per_px
    y0 = height - 16
    parts.append(
        f'<g class="map-scale"><line x1="{pad}" y1="{y0}" x2="{pad + bar:.1f}" y2="{y0}"/>'
        f'<line x1="{pad}" y1="{y0 - 5}" x2="{pad}" y2="{y0 + 5}"/>'
        f'<line x1="{pad + bar:.1f}" y1="{y0 - 5}" x2="{pad + bar:.1f}" y2="{y0 + 5}"/>'
        f'<text x="{pad + bar + 6:.1f}" y="{y0 + 4}">{km:g} km</text></g>'
    )
    parts.append("</svg>")
    return "".join(parts)
