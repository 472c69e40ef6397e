"""Distances on the WGS84 ellipsoid (geodesics, by geographiclib — C. F. F. Karney, "Algorithms for
geodesics", J. Geodesy 87, 2013), for the zones the plan draws by distance: 主城区规划区内及周边20km
(task 4), 一城四区重点区域5km (task 13), 建成区周边 (task 2).

The distance from a point to a polygon is 0 inside (:func:`lantian.measurements.geo.point_in_multipolygon`),
else the shortest geodesic distance to its boundary: to every edge, the edge being the geodesic between
its two vertices. A local flat-earth estimate first picks the edges that can be nearest (it is good to a
fraction of a percent at a city's scale; the margin kept is 2 % and 200 m); each of those is then
measured on the ellipsoid (:func:`to_edge_m`).
"""
from __future__ import annotations

import math
from typing import Iterable, Sequence

from geographiclib.geodesic import Geodesic

from lantian.measurements.geo import Ring, point_in_multipolygon

WGS84 = Geodesic.WGS84
_DISTANCE = Geodesic.DISTANCE
_LINE = Geodesic.STANDARD | Geodesic.DISTANCE_IN
_GOLDEN = (math.sqrt(5) - 1) / 2
EARTH_KM = 6371.0088
TOLERANCE_M = 0.01


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """The geodesic distance between two points, metres."""
    return WGS84.Inverse(lat1, lon1, lat2, lon2, _DISTANCE)["s12"]


def to_edge_m(lon: float, lat: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    """The shortest geodesic distance from P = (lon, lat) to the geodesic edge a–b, metres.

    The foot of the perpendicular is found by successive projection: at a point Q of the edge, the
    geodesic Q→P makes an angle θ with the edge; Q moves along the edge by |QP|·cos θ (clamped to the
    edge), until the move is under 1 mm. On a short edge this converges in a few steps; a
    golden-section search (to 1 cm) takes over in the rare case it does not."""
    line = WGS84.InverseLine(a[1], a[0], b[1], b[0], _LINE)
    length = line.s13
    if length <= TOLERANCE_M:
        return distance_m(lon, lat, *a)
    s = 0.0
    for _ in range(8):
        q = line.Position(s, Geodesic.LATITUDE | Geodesic.LONGITUDE | Geodesic.AZIMUTH)
        to_p = WGS84.Inverse(q["lat2"], q["lon2"], lat, lon, Geodesic.DISTANCE | Geodesic.AZIMUTH)
        step = to_p["s12"] * math.cos(math.radians(to_p["azi1"] - q["azi2"]))
        moved = min(max(s + step, 0.0), length)
        if abs(moved - s) < 1e-3:
            return min(to_p["s12"], _on_line(line, moved, lon, lat))
        s = moved
    return _golden(line, length, lon, lat)


def _on_line(line, s: float, lon: float, lat: float) -> float:
    p = line.Position(s, Geodesic.LATITUDE | Geodesic.LONGITUDE)
    return distance_m(lon, lat, p["lon2"], p["lat2"])


def _golden(line, length: float, lon: float, lat: float) -> float:
    lo, hi = 0.0, length
    x1, x2 = hi - _GOLDEN * (hi - lo), lo + _GOLDEN * (hi - lo)
    f1, f2 = _on_line(line, x1, lon, lat), _on_line(line, x2, lon, lat)
    while hi - lo > TOLERANCE_M:
        if f1 <= f2:
            hi, x2, f2 = x2, x1, f1
            x1 = hi - _GOLDEN * (hi - lo)
            f1 = _on_line(line, x1, lon, lat)
        else:
            lo, x1, f1 = x1, x2, f2
            x2 = lo + _GOLDEN * (hi - lo)
            f2 = _on_line(line, x2, lon, lat)
    return min(f1, f2, _on_line(line, 0.0, lon, lat), _on_line(line, length, lon, lat))


def _flat_km(lon: float, lat: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    """Local equirectangular estimate of the distance to edge a–b (for choosing candidates only)."""
    kx = math.cos(math.radians(lat)) * math.pi / 180 * EARTH_KM
    ky = math.pi / 180 * EARTH_KM
    px, py = (lon - a[0]) * kx, (lat - a[1]) * ky
    dx, dy = (b[0] - a[0]) * kx, (b[1] - a[1]) * ky
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, (px * dx + py * dy) / length))
    return math.hypot(px - t * dx, py - t * dy)


def _edges(polygons: Iterable[Sequence[Ring]]):
    for poly in polygons:
        for ring in poly:
            for a, b in zip(ring, ring[1:] + ring[:1]):
                if a != b:
                    yield a, b


def to_polygons_km(lon: float, lat: float, polygons: Sequence[Sequence[Ring]]) -> float:
    """0 inside the polygons; else the geodesic distance (km) to the nearest point of their boundary."""
    if point_in_multipolygon(lon, lat, polygons):
        return 0.0
    scored = [(_flat_km(lon, lat, a, b), a, b) for a, b in _edges(polygons)]
    if not scored:
        return math.inf
    nearest = min(d for d, _, _ in scored)
    margin = max(0.2, 0.02 * nearest)
    return min(to_edge_m(lon, lat, a, b) for d, a, b in scored if d <= nearest + margin) / 1000
