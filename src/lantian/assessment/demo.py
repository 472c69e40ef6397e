"""The assessment room's demo: synthetic 2019 targets (no 2019 targets exist) — the city's, decomposed to
the counties that have stations, labelled synthetic. Re-running changes nothing."""
from __future__ import annotations

from lantian import db, geography
from lantian.assessment.targets import set_target, targets
from lantian.measurements import stations as registry

YEAR = 2019
#: synthetic demo targets for 2019: the city's, decomposed to its counties
DEMO_TARGETS = {"pm25_mean": "45", "good_day_ratio": "65"}


def demo_targets(url: str) -> None:
    """Set the city's 2019 targets and decompose them to every unit with a station, unless the city has any."""
    with db.session(url) as s:
        city_code = geography.city_code(s)
        if targets(s, YEAR, [city_code]):
            return
        units = sorted({r.unit_code for r in registry.list_stations(url, include_stopped=True) if r.unit_code})
        for indicator, value in DEMO_TARGETS.items():
            city = set_target(s, city_code, YEAR, indicator, value, by="demo", synthetic=True,
                              note="合成演示目标 synthetic demo target")
            for unit in units:
                set_target(s, unit, YEAR, indicator, value, by="demo", parent=city.id, synthetic=True,
                           note="由市级目标分解（合成） decomposed from the city's (synthetic)")
