"""数据权限 — the one place where a caller's role becomes what it may see.

Every page and API route reads records through a :class:`Scope`; routes never filter by
hand. Outside the scope a record does not exist for the caller (routes answer 404).

- admin, city office (市大气办), inspector, viewer: the whole city (the national stations in the
  registry that lie outside the city are reference data, not listed).
- department: the whole city's monitoring data (read-only); later rooms narrow it to the tasks
  the department leads or supports.
- county: its own county or zone — the stations that count for it, their data, its enterprises.
- enterprise: itself, and the monitoring data of its county.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from lantian.accounts.models import Enterprise
from lantian.accounts.service import Principal
from lantian.db import session
from lantian.measurements import stations as registry

CITY_WIDE = {"admin", "city", "inspector", "viewer", "department"}
AUDIT_READERS = {"admin", "city"}


@dataclass(frozen=True)
class Scope:
    who: Principal
    url: str
    unit: str | None          # the county/zone the caller is confined to (None = city-wide)

    @classmethod
    def of(cls, who: Principal, url: str) -> "Scope":
        if who.role in CITY_WIDE:
            return cls(who, url, None)
        if who.role == "county":
            return cls(who, url, who.county_code)
        if who.role == "enterprise":
            with session(url) as s:
                e = s.get(Enterprise, who.enterprise_id)
                return cls(who, url, e.county_code if e else "∅")
        return cls(who, url, "∅")          # an unknown role sees nothing

    @property
    def city_wide(self) -> bool:
        return self.unit is None

    def can_read_audit(self) -> bool:
        return self.who.role in AUDIT_READERS

    def can_see_unit(self, code: str | None) -> bool:
        """Records of the city's counties and zones; a county-bound caller only its own.
        Stations outside the city (the national list) have no unit and are nobody's here."""
        if code is None:
            return False
        return self.unit is None or code == self.unit

    def stations(self, on=None, include_stopped: bool = False) -> list[registry.StationRecord]:
        rows = registry.list_stations(self.url, on=on, include_stopped=include_stopped)
        return [r for r in rows if self.can_see_unit(r.unit_code)]

    def station(self, code: str) -> registry.StationRecord | None:
        """The station if the caller may see it — otherwise None, exactly as if it did not exist."""
        for r in registry.list_stations(self.url, include_stopped=True):
            if r.code == code:
                return r if self.can_see_unit(r.unit_code) else None
        return None

    def units(self) -> list[tuple[str, str]]:
        rows = registry.list_units(self.url)
        return [(r[0], r[1]) for r in rows if r[2] in ("county", "zone") and self.can_see_unit(r[0])]

    def enterprises(self, s) -> list[Enterprise]:
        q = sa.select(Enterprise).order_by(Enterprise.name)
        if self.who.role == "enterprise":
            q = q.where(Enterprise.id == self.who.enterprise_id)
        elif self.unit is not None:
            q = q.where(Enterprise.county_code == self.unit)
        return list(s.scalars(q))
