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

import threading
from collections import OrderedDict
from dataclasses import dataclass

import sqlalchemy as sa

from lantian.accounts import policy
from lantian.accounts.models import Enterprise
from lantian.accounts.service import Principal
from lantian.db import engine_for, session
from lantian.measurements import stations as registry

CITY_WIDE = policy.CITY_WIDE
AUDIT_READERS = policy.AUDIT_READERS


# --------------------------------------------------------------------------- registry cache
# Every page and API call reads the current registry (2,000+ national stations), and loading it
# through the ORM costs ~0.1 s. So it is cached per database, under a fingerprint of
# ``station_versions`` that costs two index look-ups: the number of versions, the highest id
# and that version's ``recorded_at``. Every registry change inserts a version (new id, recorded
# now), so any change — by this process or another (the CLI) — makes a new fingerprint and the
# next call reads the registry again. Only the current registry (``on=None``) is cached; the
# records are frozen dataclasses; callers get a new list each time.
_REGISTRY_CACHE_SIZE = 8
_registry: "OrderedDict[tuple, _Registry]" = OrderedDict()
_registry_lock = threading.Lock()


@dataclass
class _Registry:
    version: tuple
    rows: tuple                                        # list_stations(url, include_stopped=…), in order
    by_unit: dict                                      # scope unit → the rows it may see (memo)
    by_code: dict | None = None                        # code → first row with that code (memo)


def _url_key(url) -> str:
    return url if isinstance(url, str) else url.render_as_string(hide_password=False)


def _version_query():
    V = registry.StationVersion
    newest = sa.select(sa.func.max(V.id)).scalar_subquery()
    count = sa.select(sa.func.count()).select_from(V).scalar_subquery()
    return sa.select(count, V.id, V.recorded_at).where(V.id == newest)


_VERSION = _version_query()


def _registry_version(url) -> tuple:
    with engine_for(url).connect() as c:
        row = c.execute(_VERSION).first()
    return tuple(row) if row is not None else (0, None, None)


def _current(url, include_stopped: bool) -> _Registry:
    """``registry.list_stations(url, include_stopped=...)``, cached until the registry changes."""
    key = (_url_key(url), include_stopped)
    version = _registry_version(url)      # read before the list: a change in between only misses later
    with _registry_lock:
        hit = _registry.get(key)
        if hit is not None and hit.version == version:
            _registry.move_to_end(key)
            return hit
    entry = _Registry(version, tuple(registry.list_stations(url, include_stopped=include_stopped)), {})
    with _registry_lock:
        _registry[key] = entry
        _registry.move_to_end(key)
        while len(_registry) > _REGISTRY_CACHE_SIZE:
            _registry.popitem(last=False)
    return entry


def clear_registry_cache() -> None:
    """Forget the cached registries (not needed after a registry change, which is detected)."""
    with _registry_lock:
        _registry.clear()


@dataclass(frozen=True)
class Scope:
    who: Principal
    url: str
    unit: str | None          # the county/zone the caller is confined to (None = city-wide)

    @classmethod
    def office(cls, url: str, actor: str = "system") -> "Scope":
        """The city office's scope for work lantian does itself (CLI, demo, indicators, reviews)."""
        return cls(Principal(0, actor, "city"), url, None)

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
        if on is None:
            current = _current(self.url, include_stopped)
            seen = current.by_unit.get(self.unit)       # what can_see_unit lets through depends on unit only
            if seen is None:
                seen = current.by_unit[self.unit] = tuple(r for r in current.rows if self.can_see_unit(r.unit_code))
            return list(seen)
        rows = registry.list_stations(self.url, on=on, include_stopped=include_stopped)
        return [r for r in rows if self.can_see_unit(r.unit_code)]

    def station(self, code: str) -> registry.StationRecord | None:
        """The station if the caller may see it — otherwise None, exactly as if it did not exist."""
        current = _current(self.url, True)
        if current.by_code is None:
            by_code: dict = {}
            for r in current.rows:
                by_code.setdefault(r.code, r)
            current.by_code = by_code
        r = current.by_code.get(code)
        if r is None:
            return None
        return r if self.can_see_unit(r.unit_code) else None

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
