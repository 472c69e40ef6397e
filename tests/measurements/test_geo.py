"""Point in polygon and DataV GeoJSON loading, on synthetic shapes and Changzhi's real county polygons."""
from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from lantian.errors import InputError
from lantian.measurements.geo import (Area, Boundaries, load_boundaries, load_geojson, parse_geojson,
                                      point_in_multipolygon, point_in_polygon)

COUNTIES = {
    "140403": "潞州区", "140404": "上党区", "140405": "屯留区", "140406": "潞城区", "140423": "襄垣县",
    "140425": "平顺县", "140426": "黎城县", "140427": "壶关县", "140428": "长子县", "140429": "武乡县",
    "140430": "沁县", "140431": "沁源县",
}
# verified against the polygons of boundaries/140400_full.json: each station lies 1.5–7.7 km
# inside its county, more than the few hundred metres a GCJ-02/WGS-84 datum mismatch could shift
CHANGZHI = {
    "1727A": "140403", "1728A": "140403", "1729A": "140403", "1730A": "140403", "1731A": "140403",
    "2845A": "140403", "3568A": "140404", "3569A": "140405", "3570A": "140406",
}


def square(x0, y0, size=1.0):
    return ((x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size))


@pytest.fixture(scope="module")
def changzhi(data_dir):
    return load_boundaries(data_dir / "boundaries" / "140400_full.json")


# ------------------------------------------------------------------ synthetic shapes
def test_square_with_a_hole():
    poly = (square(0, 0, 10), square(4, 4, 2))
    assert point_in_polygon(1, 1, poly)
    assert not point_in_polygon(5, 5, poly)            # in the hole
    assert point_in_polygon(7, 5, poly)
    assert not point_in_polygon(11, 5, poly)
    assert not point_in_polygon(-0.5, 5, poly)


def test_multipolygon_with_an_island_in_the_hole():
    donut = (square(0, 0, 10), square(3, 3, 4))
    island = (square(4, 4, 2),)
    assert point_in_multipolygon(5, 5, [donut, island])
    assert not point_in_multipolygon(3.5, 5, [donut, island])
    assert point_in_multipolygon(1, 1, [donut, island])


def test_concave_polygon():
    # a U shape: the notch between the arms is outside
    u = ((0, 0), (3, 0), (3, 3), (2, 3), (2, 1), (1, 1), (1, 3), (0, 3))
    assert point_in_polygon(0.5, 2, (u,)) and point_in_polygon(2.5, 2, (u,))
    assert not point_in_polygon(1.5, 2, (u,))
    assert point_in_polygon(1.5, 0.5, (u,))
    # the ray through the vertex (2, 1)/(1, 1) level must not double count
    assert not point_in_polygon(-1, 1, (u,)) and point_in_polygon(0.5, 1, (u,))


GRID = Boundaries([Area(f"{i}{j}", f"cell {i}{j}", ((square(i, j),),)) for i in range(2) for j in range(2)])


@pytest.mark.parametrize("x,y", [(1, 0.5), (0.5, 1), (1, 1), (1, 0), (0, 1), (1, 1.5), (1.5, 1)])
def test_points_on_shared_edges_and_vertices_belong_to_exactly_one_cell(x, y):
    assert len(GRID.containing(x, y)) == 1


def test_the_boundary_rule_is_the_documented_half_open_one():
    assert GRID.assign(1, 0.5) == ("10", "cell 10")     # on a vertical edge: the cell to its right
    assert GRID.assign(0.5, 1) == ("01", "cell 01")     # on a horizontal edge: the cell above
    assert GRID.assign(1, 1) == ("11", "cell 11")
    assert GRID.assign(0, 0) == ("00", "cell 00")       # lower-left corner of the union: inside
    assert GRID.assign(2, 1) is None and GRID.assign(1, 2) is None   # right / top of the union: outside
    assert GRID.assign(None, 1) is None


coord = hst.one_of(hst.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0]), hst.floats(0, 2, allow_nan=False))


@settings(max_examples=400, deadline=None)
@given(coord, coord)
def test_a_tiling_assigns_every_point_inside_to_exactly_one_cell(x, y):
    n = len(GRID.containing(x, y))
    if 0 <= x < 2 and 0 <= y < 2:
        assert n == 1
    else:
        assert n == 0


@settings(max_examples=300, deadline=None)
@given(hst.floats(-1, 3, allow_nan=False), hst.floats(-1, 3, allow_nan=False))
def test_ring_direction_and_start_do_not_matter(x, y):
    tri = ((0.0, 0.0), (2.0, 0.3), (0.7, 1.9))
    same = [tri, tri[::-1], tri[1:] + tri[:1], (tri[::-1])[2:] + (tri[::-1])[:2]]
    assert len({point_in_polygon(x, y, (r,)) for r in same}) == 1


# ------------------------------------------------------------------ real boundaries
def test_changzhi_file_has_the_twelve_counties(changzhi):
    assert len(changzhi) == 12
    assert {a.code: a.name for a in changzhi} == COUNTIES
    assert {a.parent_code for a in changzhi} == {"140400"}
    assert {a.level for a in changzhi} == {"district"}


def test_changzhi_stations_fall_in_the_right_counties(changzhi, data_dir):
    path = data_dir / "cnemc" / "changzhi" / "changzhi_stations.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig", newline="")))
    got = {r["监测点编码"]: changzhi.assign(float(r["经度"]), float(r["纬度"])) for r in rows}
    assert got == {code: (county, COUNTIES[county]) for code, county in CHANGZHI.items()}
    assert got["3569A"] == ("140405", "屯留区") and got["3570A"] == ("140406", "潞城区")


def test_only_changzhi_stations_of_the_national_list_fall_in_changzhi(changzhi, data_dir):
    path = data_dir / "cnemc" / "stations" / "NewSiteList_utf8.csv"
    inside = set()
    for r in csv.DictReader(path.open(encoding="utf-8-sig", newline="")):
        if r["经度"] and changzhi.assign(float(r["经度"]), float(r["纬度"])):
            inside.add(r["监测点编码"])
    assert inside == set(CHANGZHI)


def test_shared_border_vertices_belong_to_at_most_one_county(changzhi):
    owners = defaultdict(set)
    for a in changzhi:
        for poly in a.polygons:
            for ring in poly:
                for v in ring:
                    owners[v].add(a.code)
    shared = [v for v, o in owners.items() if len(o) >= 2]
    counts = Counter(len(changzhi.containing(*v)) for v in shared)
    assert len(shared) > 900
    assert set(counts) <= {0, 1}                 # never two counties
    assert counts[0] <= 5                        # 0 only where the border meets the city's outer edge
    assert all(len(changzhi.containing(*v)) <= 1 for v in owners)


def test_city_centre_and_far_points(changzhi):
    assert changzhi.assign(113.114107, 36.187895) == ("140403", "潞州区")   # DataV 'center' of 潞州区
    assert changzhi.assign(116.4, 39.9) is None                            # Beijing
    assert changzhi.assign(112.5, 37.87) is None                           # Taiyuan


# ------------------------------------------------------------------ bad files
def test_bad_geojson_files(tmp_path):
    p = tmp_path / "broken.json"
    p.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON") as exc:
        load_geojson(p)
    assert exc.value.file == p
    p.write_text(json.dumps({"type": "Topology"}), encoding="utf-8")
    with pytest.raises(InputError, match="FeatureCollection"):
        load_geojson(p)
    with pytest.raises(InputError, match="adcode"):
        parse_geojson({"type": "FeatureCollection", "features": [{"properties": {}, "geometry": None}]})
    with pytest.raises(InputError, match="Point"):
        parse_geojson({"type": "FeatureCollection", "features": [
            {"properties": {"adcode": 1, "name": "a"}, "geometry": {"type": "Point", "coordinates": [1, 2]}}]})
    with pytest.raises(InputError, match="file not found"):
        load_geojson(tmp_path / "missing.json")


def test_polygon_feature_and_closed_rings_are_accepted():
    areas = parse_geojson({"type": "Feature", "properties": {"adcode": 7, "name": "sq"},
                           "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}})
    assert areas[0].code == "7" and areas[0].polygons[0][0] == ((0, 0), (1, 0), (1, 1), (0, 1))
    assert Boundaries(areas).assign(0.5, 0.5) == ("7", "sq")
