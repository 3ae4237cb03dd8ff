"""ODK's geographic functions: ``area()``, ``distance()`` and ``geofence()``, as JavaRosa.

A geopoint is ``"lat lon [alt [accuracy]]"``; a geotrace or geoshape is geopoints separated by
``;``. The Earth is a sphere of JavaRosa's radius (6,378,100 m): distances are great-circle
distances, areas are computed on a local plane around the first point (``GeoUtils``), so
figures match ODK Collect's to the millimetre.
"""

from __future__ import annotations

import math

from .values import NodeSet, Value, to_string

__all__ = ["area", "distance", "geofence", "points_of"]

EARTH_RADIUS_METERS = 6_378_100.0
_CIRCUMFERENCE = 2 * EARTH_RADIUS_METERS * math.pi

LatLon = tuple[float, float]


def _point(text: str) -> LatLon | None:
    """The latitude and longitude of one geopoint (``None`` if it is not one)."""
    parts = text.split()
    if not 1 <= len(parts) <= 4:
        return None
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        return None
    if not all(math.isfinite(number) for number in numbers):
        return None
    numbers.extend([0.0, 0.0])
    return numbers[0], numbers[1]


def points_of(value: Value, *more: Value) -> list[LatLon] | None:
    """The points of a geoshape/geotrace string, of a repeat's geopoints (a node-set of two or
    more) or of several geopoint arguments; ``None`` if any part is not a geopoint."""
    texts: list[str]
    if more:
        texts = [to_string(item) for item in (value, *more)]
    elif type(value) is NodeSet and len(value) != 1:
        texts = list(value)
    else:
        texts = [part for part in to_string(value).split(";") if part.strip()]
    points: list[LatLon] = []
    for text in texts:
        point = _point(text)
        if point is None:
            return None
        points.append(point)
    return points


def _between(first: LatLon, second: LatLon) -> float:
    lat1, lat2 = math.radians(first[0]), math.radians(second[0])
    delta = math.radians(first[1] - second[1])
    cosine = math.sin(lat1) * math.sin(lat2) + math.cos(lat1) * math.cos(lat2) * math.cos(delta)
    return math.acos(max(-1.0, min(1.0, cosine))) * EARTH_RADIUS_METERS


def distance(value: Value, *more: Value) -> float:
    """``distance(shape)`` or ``distance(p1, p2, ...)``: the length in metres along the points
    (0 for fewer than two); NaN when a value is not a geopoint (JavaRosa raises an error)."""
    points = points_of(value, *more)
    if points is None:
        return math.nan
    return float(sum(_between(points[i - 1], points[i]) for i in range(1, len(points))))


def area(value: Value) -> float:
    """``area(shape)``: the area in square metres enclosed by the points (0 for fewer than
    three); NaN when a value is not a geopoint."""
    points = points_of(value)
    if points is None:
        return math.nan
    if len(points) < 3:
        return 0.0
    lat_ref, lon_ref = points[0]
    xs: list[float] = []
    ys: list[float] = []
    for lat, lon in points[1:]:
        ys.append((lat - lat_ref) * _CIRCUMFERENCE / 360.0)
        xs.append((lon - lon_ref) * _CIRCUMFERENCE * math.cos(math.radians(lat)) / 360.0)
    total = 0.0
    for i in range(1, len(xs)):
        total += (ys[i - 1] * xs[i] - xs[i - 1] * ys[i]) / 2
    return abs(total)


def geofence(point: Value, shape: Value) -> bool:
    """``geofence(point, shape)``: whether the point lies inside the polygon (ray casting, as
    JavaRosa; the shape repeats its first point last). False when either is not geographic."""
    where = _point(to_string(point))
    polygon = points_of(shape)
    if where is None or polygon is None:
        return False
    test_y, test_x = where
    inside = False
    for i in range(1, len(polygon)):
        lat1, lon1 = polygon[i - 1]
        lat2, lon2 = polygon[i]
        if (lat2 > test_y) != (lat1 > test_y) and test_x < (lon1 - lon2) * (test_y - lat2) / (
            lat1 - lat2
        ) + lon2:
            inside = not inside
    return inside
