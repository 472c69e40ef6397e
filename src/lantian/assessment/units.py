"""The units assessed: the city, its counties and zones. Which stations make each unit's figure, day
by day, is :func:`lantian.assessment.networks.official_stations`."""
from __future__ import annotations

CITY_CODE = "140400"


def unit_names(url: str) -> dict[str, str]:
    """unit code → name, for the city, its counties and zones."""
    from lantian.measurements import stations as registry
    return {code: name for code, name, level, *_ in registry.list_units(url) if level in ("county", "zone", "city")}


