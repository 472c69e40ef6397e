"""The units assessed: the city's counties and zones with their evaluation stations (对照点 excluded)."""
from __future__ import annotations

from lantian.measurements import stations as registry

CITY_CODE = "140400"


def county_units(url: str, visible: set[str] | None = None) -> tuple[dict[str, list[str]], dict[str, str]]:
    """unit code → its evaluation stations, and unit code → name, for the counties and zones (and the city)."""
    units: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    city: list[str] = []
    for r in registry.list_stations(url, include_stopped=True):
        if r.unit_code is None or r.control_point:
            continue
        city.append(r.code)
        if visible is None or r.unit_code in visible:
            units.setdefault(r.unit_code, []).append(r.code)
            names[r.unit_code] = r.unit_name or r.unit_code
    for code, name, level, *_ in registry.list_units(url):
        if level in ("county", "zone", "city"):
            names.setdefault(code, name)
    if visible is None and city:
        units[CITY_CODE] = sorted(city)
    return units, names
