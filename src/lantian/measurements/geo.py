"""Administrative boundaries: DataV GeoJSON loading and point-in-polygon, pure Python.

The boundary files in ``shared/data/boundaries`` are DataV GeoAtlas exports: a
``FeatureCollection`` whose features carry ``properties.adcode``, ``name``, ``level``
("city", "district", …) and ``parent.adcode``, with ``Polygon`` or ``MultiPolygon``
geometry in lon/lat degrees.

Point in polygon is the even-odd rule (ray casting towards +x) over *all* rings of a
polygon, so holes need no special case, and a multipolygon contains a point when one of
its polygons does. Points exactly on an edge or a vertex are decided by a half-open rule
that is evaluated exactly (rational arithmetic on the binary floats when the float test is
not conclusive) and independently of the direction in which a ring runs:

- an edge counts when its lower end is at or below the point and its upper end above it
  (``y1 <= y < y2``), and the point lies strictly left of it;
- hence a point on an edge shared by two polygons belongs to exactly one of them (the one
  to its right, or above for a horizontal edge), and a vertex shared by several polygons to
  exactly one. Tiling boundaries (a city's counties) thus assign every point of the city to
  exactly one county, including points on borders.

:class:`Boundaries` is a set of areas with a bounding-box prefilter; ``assign(lon, lat)``
returns ``(adcode, name)`` of the area that contains the point, or ``None``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Iterable, Sequence

from lantian.errors import InputError

Ring = tuple[tuple[float, float], ...]
Polygon = tuple[Ring, ...]          # outer ring first, then holes (the rule does not care)


def _ring_crossings(x: float, y: float, ring: Ring) -> int:
    """Edges of ``ring`` crossed by the ray from (x, y) towards +x, half-open rule (exact)."""
    n = len(ring)
    count = 0
    for i in range(n):
        xa, ya = ring[i]
        xb, yb = ring[(i + 1) % n]
        if ya == yb:
            continue  # horizontal edges never count (half-open rule)
        if ya > yb:  # canonical direction: from the lower end to the upper end
            xa, ya, xb, yb = xb, yb, xa, ya
        if not (ya <= y < yb):
            continue
        if x < min(xa, xb):
            count += 1
            continue
        if x >= max(xa, xb):
            continue
        # strictly left of the edge <=> (x - xa)(yb - ya) < (y - ya)(xb - xa), since yb > ya
        lhs = (x - xa) * (yb - ya)
        rhs = (y - ya) * (xb - xa)
        scale = abs(lhs) + abs(rhs)
        if abs(lhs - rhs) > 1e-9 * scale:
            count += lhs < rhs
        else:  # too close to call in floats: decide exactly
            fx, fy, fxa, fya, fxb, fyb = map(Fraction, (x, y, xa, ya, xb, yb))
            count += (fx - fxa) * (fyb - fya) < (fy - fya) * (fxb - fxa)
    return count


def point_in_polygon(x: float, y: float, polygon: Sequence[Ring]) -> bool:
    """Even-odd rule over every ring of ``polygon`` (outer boundary and holes)."""
    return sum(_ring_crossings(x, y, ring) for ring in polygon) % 2 == 1


def point_in_multipolygon(x: float, y: float, polygons: Iterable[Sequence[Ring]]) -> bool:
    return any(point_in_polygon(x, y, p) for p in polygons)


def _clean_ring(coords, where) -> Ring:
    try:
        ring = tuple((float(p[0]), float(p[1])) for p in coords)
    except (TypeError, ValueError, IndexError) as exc:
        raise InputError(*where, expected="[lon, lat] positions") from exc
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring = ring[:-1]  # GeoJSON closes rings explicitly; the rule closes them anyway
    if len(ring) < 3:
        raise InputError(where[0], f"{where[1]}: a ring with fewer than 3 distinct positions")
    return ring


def geometry_polygons(geometry: dict, where=("<geometry>", "bad geometry")) -> tuple[Polygon, ...]:
    """The polygons of a GeoJSON ``Polygon`` / ``MultiPolygon`` geometry."""
    kind = (geometry or {}).get("type")
    coords = (geometry or {}).get("coordinates")
    if kind == "Polygon":
        return (tuple(_clean_ring(r, where) for r in coords),)
    if kind == "MultiPolygon":
        return tuple(tuple(_clean_ring(r, where) for r in poly) for poly in coords)
    raise InputError(where[0], f"{where[1]}: geometry type {kind!r}", expected="Polygon or MultiPolygon")


@dataclass(frozen=True)
class Area:
    """One administrative area: its adcode (as text), name, level and polygons."""
    code: str
    name: str
    polygons: tuple[Polygon, ...]
    level: str | None = None
    parent_code: str | None = None
    geometry: dict | None = field(default=None, compare=False, repr=False)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        xs = [x for poly in self.polygons for ring in poly for x, _ in ring]
        ys = [y for poly in self.polygons for ring in poly for _, y in ring]
        return min(xs), min(ys), max(xs), max(ys)

    def contains(self, lon: float, lat: float) -> bool:
        x0, y0, x1, y1 = self.bbox
        if not (x0 <= lon <= x1 and y0 <= lat <= y1):
            return False
        return point_in_multipolygon(lon, lat, self.polygons)


class Boundaries:
    """A set of areas (e.g. a city's counties) to assign points to."""

    def __init__(self, areas: Iterable[Area]):
        self.areas: list[Area] = sorted(areas, key=lambda a: a.code)
        self._bbox = {a.code: a.bbox for a in self.areas}

    def __len__(self) -> int:
        return len(self.areas)

    def __iter__(self):
        return iter(self.areas)

    def containing(self, lon: float, lat: float) -> list[Area]:
        """Every area that contains the point (more than one only if the polygons overlap)."""
        out = []
        for a in self.areas:
            x0, y0, x1, y1 = self._bbox[a.code]
            if x0 <= lon <= x1 and y0 <= lat <= y1 and point_in_multipolygon(lon, lat, a.polygons):
                out.append(a)
        return out

    def assign(self, lon: float | None, lat: float | None) -> tuple[str, str] | None:
        """``(adcode, name)`` of the area containing (lon, lat); None if outside all or unknown.

        Should polygons overlap (digitising error), the smallest adcode wins — deterministic.
        """
        if lon is None or lat is None:
            return None
        hits = self.containing(lon, lat)
        return (hits[0].code, hits[0].name) if hits else None


def parse_geojson(obj: dict, file: str | Path = "<geojson>") -> list[Area]:
    """The areas of a DataV FeatureCollection (or a single Feature)."""
    if isinstance(obj, dict) and obj.get("type") == "Feature":
        obj = {"type": "FeatureCollection", "features": [obj]}
    if not isinstance(obj, dict) or obj.get("type") != "FeatureCollection":
        raise InputError(file, "not a GeoJSON FeatureCollection", expected='"type": "FeatureCollection"')
    areas = []
    for i, feat in enumerate(obj.get("features") or []):
        props = (feat or {}).get("properties") or {}
        code, name = props.get("adcode"), props.get("name")
        if code in (None, "") or not name:
            raise InputError(file, f"feature {i} has no adcode/name property",
                             expected="DataV properties adcode and name")
        parent = props.get("parent")
        parent_code = parent.get("adcode") if isinstance(parent, dict) else parent
        geometry = feat.get("geometry")
        polys = geometry_polygons(geometry, (file, f"feature {i} ({name})"))
        areas.append(Area(str(code), str(name), polys, props.get("level"),
                          None if parent_code in (None, "") else str(parent_code), geometry))
    if not areas:
        raise InputError(file, "the FeatureCollection has no features")
    return areas


def load_geojson(path: str | Path) -> list[Area]:
    """Read a DataV GeoJSON file (``…_full.json``) into areas."""
    path = Path(path)
    try:
        obj = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise InputError(path, "file not found") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise InputError(path, f"not valid JSON: {exc}", line=line, expected="GeoJSON") from exc
    return parse_geojson(obj, path)


def load_boundaries(path: str | Path) -> Boundaries:
    return Boundaries(load_geojson(path))
