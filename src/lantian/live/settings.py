"""The live room's settings (``[hj212]``, ``[watch]``, ``[schedule]``, ``[notify]`` in lantian.toml) and
the HJ 212 code table (``hj212_codes.toml``). Every ⚠ default is named here and shown in docs/live.md."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from lantian.errors import UsageError
from lantian.workspace import check_keys

#: ⚠ what air-quality analysers send (系统编码 22 空气质量监测): µg/m³, CO mg/m³ — HJ 633's units,
#: not 表B.2's. A workspace overrides per system code with [hj212.units."22"], a device with its own units.
DEFAULT_UNITS = {"22": {"a34004": "µg/m³", "a34002": "µg/m³", "a21026": "µg/m³", "a21004": "µg/m³",
                        "a05024": "µg/m³", "a21005": "mg/m³"}}

#: mass concentrations convertible into one another (factor to mg/m³)
_MASS = {"ng/m³": 1e-6, "µg/m³": 1e-3, "mg/m³": 1.0, "g/m³": 1e3}
_SPELLINGS = {"ug/m3": "µg/m³", "μg/m³": "µg/m³", "ug/m³": "µg/m³", "μg/m3": "µg/m³", "µg/m3": "µg/m³",
              "mg/m3": "mg/m³", "ng/m3": "ng/m³", "g/m3": "g/m³", "m3/s": "m³/s", "c": "℃", "°c": "℃"}


def unit(text: str) -> str:
    """A unit as lantian writes it (``ug/m3`` → ``µg/m³``)."""
    t = text.strip()
    return _SPELLINGS.get(t.lower(), _SPELLINGS.get(t, t))


def convert(value: float, frm: str, to: str) -> float:
    """``value`` from unit ``frm`` to ``to``; mass concentrations only (anything else must be equal)."""
    if frm == to:
        return value
    if frm in _MASS and to in _MASS:
        return value * _MASS[frm] / _MASS[to]
    raise ValueError(f"cannot convert {frm} to {to}")


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    unit: str
    source: str
    pollutant: str | None = None
    metric: dict = field(default_factory=dict)


@lru_cache(maxsize=1)
def codes() -> dict[str, Code]:
    """表B.2/B.3 as data (hj212_codes.toml)."""
    text = resources.files("lantian.live").joinpath("hj212_codes.toml").read_text("utf-8")
    return {k: Code(k, v["name"], unit(v["unit"]), v["source"], v.get("pollutant"), dict(v.get("metric", {})))
            for k, v in tomllib.loads(text)["codes"].items()}


HJ212_KEYS = {"port", "host", "source", "valid_flags", "missing_flag", "build_seconds", "refresh_seconds",
              "silent_minutes", "units"}


@dataclass(frozen=True)
class HJ212Settings:
    port: int | None = None            # `lantian serve` starts the receiver on it when set
    host: str = "0.0.0.0"
    source: str = "hj212"              # the station store's source of the hour values received
    valid_flags: tuple[str, ...] = ("N",)     # ⚠ 表8 flags whose hour values become station-store rows
    missing_flag: str = "N"            # ⚠ the flag of a value sent without -Flag (counted as a deviation)
    build_seconds: float = 5.0         # how often the store is built from the journal
    refresh_seconds: float = 30.0      # how often the receiver reloads the devices
    silent_minutes: int = 30           # ⚠ a device silent longer is reported by the scheduler
    units: dict = field(default_factory=lambda: {k: dict(v) for k, v in DEFAULT_UNITS.items()})

    def unit_of(self, code: str, st: str | None, device_units: dict | None) -> str:
        """The unit a device sends ``code`` in: its own setting, else its system code's, else 表B.2's."""
        if device_units and code in device_units:
            return unit(device_units[code])
        by_st = self.units.get(st or "", {})
        if code in by_st:
            return unit(by_st[code])
        known = codes().get(code)
        return known.unit if known else ""


def hj212_settings(config: dict | None, source: str = "lantian.toml") -> HJ212Settings:
    section = (config or {}).get("hj212", {})
    check_keys(section, HJ212_KEYS, "hj212", source)
    units = {k: dict(v) for k, v in DEFAULT_UNITS.items()}
    for st, table in section.get("units", {}).items():
        if not isinstance(table, dict):
            raise UsageError(f"{source}: [hj212.units.\"{st}\"] must map factor codes to units")
        units.setdefault(str(st), {}).update({c: unit(u) for c, u in table.items()})
    flags = tuple(section.get("valid_flags", ("N",)))
    return HJ212Settings(port=section.get("port"), host=section.get("host", "0.0.0.0"),
                         source=section.get("source", "hj212"), valid_flags=flags,
                         missing_flag=section.get("missing_flag", "N"),
                         build_seconds=float(section.get("build_seconds", 5.0)),
                         refresh_seconds=float(section.get("refresh_seconds", 30.0)),
                         silent_minutes=int(section.get("silent_minutes", 30)), units=units)


@dataclass(frozen=True)
class WatchSettings:
    stable_seconds: float = 5.0        # ⚠ a file whose size has not changed this long is complete


def watch_settings(config: dict | None, source: str = "lantian.toml") -> WatchSettings:
    section = (config or {}).get("watch", {})
    check_keys(section, {"stable_seconds"}, "watch", source)
    return WatchSettings(float(section.get("stable_seconds", 5.0)))


@dataclass(frozen=True)
class LiveSettings:
    aqi_above: int = 200               # ⚠ a station's hourly AQI above this raises an event (重度污染)
    limits: str = "standard"           # ⚠ standard | special (特别排放限值) | ultra_low (超低排放, task 5)
    limit_hours: int = 24              # how far back the first emission check looks
    forecasts: str = "forecasts"       # the folder (in the workspace) forecast files (date,aqi) arrive in
    ruleset: str = "2024"              # the warning rule set the suggested level follows (875 | 648 | 2024)
    report_pdf: bool = True            # the daily report also as PDF (LibreOffice)


def live_settings(config: dict | None, source: str = "lantian.toml") -> LiveSettings:
    section = (config or {}).get("live", {})
    check_keys(section, {"aqi_above", "limits", "limit_hours", "forecasts", "ruleset", "report_pdf"}, "live", source)
    s = LiveSettings(**{k: section[k] for k in section})
    if s.limits not in ("standard", "special", "ultra_low"):
        raise UsageError(f"{source}: [live] limits = {s.limits!r}: standard, special or ultra_low")
    return s
