"""The one geography service (issue 23 §2): units, kinds, names, codes, polygons and the workspace's
city — from its settings, else from the boundaries it loaded; and no city code in code."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from databases import KINDS, fresh_database
from lantian import db, geography
from lantian.measurements import stations as registry

SRC = Path(__file__).resolve().parents[1] / "src" / "lantian"


@pytest.fixture(scope="module", params=KINDS)
def url(request, tmp_path_factory, data_dir):
    with fresh_database(request.param, tmp_path_factory.mktemp(f"geo-{request.param}")) as u:
        db.upgrade(u)
        registry.load_boundaries(u, data_dir / "boundaries" / "140400_full.json")
        yield u


def test_units_by_kind_with_names_and_polygons(url):
    with db.session(url) as s:
        counties = geography.names(s, "county")
        assert counties["140403"] == "潞州区" and len(counties) == 12
        assert geography.names(s, "zone") == {"140400-gaoxin": "高新区", "140400-jingkai": "经开区"}
        assert [u.code for u in geography.units(s, "city")] == ["140400"]
        luzhou = geography.unit(s, "140403")
        assert luzhou.kind == "county" and luzhou.parent == "140400" and luzhou.has_polygon
        assert geography.kind_of(s, "140400-gaoxin") == "zone" and geography.kind_of(s, "999999") is None
        shapes = geography.polygons(s, "county")
        assert len(shapes) == 12 and shapes[0][2]["type"] in ("Polygon", "MultiPolygon")
        assert geography.polygons(s, "zone") == []           # zones have no polygon


def test_one_lookup_by_code_or_name(url):
    with db.session(url) as s:
        local = geography.lookup(s, geography.LOCAL)
        assert local["潞州区"] == local["140403"] == "140403" and local["高新区"] == "140400-gaoxin"
        assert "长治市" not in local and geography.lookup(s)["长治市"] == "140400"
        assert geography.code_of(s, " 屯留区 ", "county") == "140405"
        assert geography.code_of(s, "高新区", "county") is None      # a zone is not a county
        with pytest.raises(ValueError, match="unknown unit kind"):
            geography.units(s, "province")


def test_the_city_comes_from_the_workspace(url):
    with db.session(url) as s:
        assert geography.city_code(s) == "140400"                       # the city unit its boundaries brought
        assert geography.city_code(s, {"workspace": {"city": "140500"}}) == "140500"   # the setting decides
    assert geography.city_of(url, {}) == "140400"


def test_an_empty_workspace_knows_no_city(tmp_path):
    with fresh_database("sqlite", tmp_path) as u:
        db.upgrade(u)
        assert geography.city_of(u) is None


def test_no_city_code_in_code():
    """The workspace knows its city: no Python string in src/ is a bare city code (data files may hold one)."""
    found = []
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value == "140400":
                found.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert found == []


def test_no_room_queries_the_units_table_itself():
    """Only the registry that stores the units and this service name the table's model."""
    allowed = {"geography.py", "measurements/stations.py",
               "accounts/service.py"}   # the account binding check: the policy's file (issue 23 §1), left to it
    users = {str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if "AdminUnit" in p.read_text(encoding="utf-8")}
    assert users <= allowed, sorted(users - allowed)


def test_the_city_is_derived_once_until_the_units_change(tmp_path, data_dir):
    """city_of is asked on every request: the units are read again only when they changed."""
    from sqlalchemy import event
    with fresh_database("sqlite", tmp_path) as u:
        db.upgrade(u)
        assert geography.city_of(u) is None                             # no unit yet (kept so)
        registry.load_boundaries(u, data_dir / "boundaries" / "140400_full.json")
        assert geography.city_of(u) == "140400"                         # the units changed: derived again
        seen = []
        event.listen(db.engine_for(u), "before_cursor_execute",
                     lambda conn, cursor, statement, *rest: seen.append(statement))
        assert geography.city_of(u) == "140400"
        reads = [q for q in seen if "admin_units" in q]
        assert len(reads) == 1 and "count" in reads[0].lower()          # only the marker, no unit rows
        assert geography.city_of(u, {"workspace": {"city": "140500"}}) == "140500"
        assert len([q for q in seen if "admin_units" in q]) == 1        # the setting decides without a read
