"""Emission limits as data (``limits.toml``; a workspace adds ``WORKSPACE/limits.toml``) and the check
of a facility's CEMS hours against them: GB 13271—2014 boilers, GB 16171—2012 coking, GB 4915—2013
cement kilns, GB 28662—2012 sintering and pelletising; the standard's limit for the facility's age,
its 特别排放限值, or the ultra-low limits (超低排放, task 5) — ⚠ ``[live] limits``.

Values are compared at the reference oxygen content: the device's 折算 value (``-ZsAvg``, HJ 212—2017
表4) when it sends one, else the measured hourly mean corrected with its O2 (a19001):
C_ref = C × (21 − O2_ref) / (21 − O2) (HJ 75—2017), else the measured mean, said so.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from lantian.errors import UsageError
from lantian.accounts.scope import Scope
from lantian.db import url_of
from lantian.enterprises import service as ledgers

CHOICES = ("standard", "special", "ultra_low")
CODES = {"SO2": "a21026", "NOx": "a21002", "PM": "a34013"}
NAMES = {"SO2": "二氧化硫", "NOx": "氮氧化物", "PM": "颗粒物"}
FUELS = {"燃煤": "coal", "生物质": "coal", "其他": "coal", "燃油": "oil", "天然气": "gas", "煤气": "gas"}


@dataclass(frozen=True)
class Limit:
    pollutant: str
    value: float
    o2_percent: float
    standard: str
    table: str
    verified: bool

    @property
    def cite(self) -> str:
        return f"{self.standard} {self.table}" + ("" if self.verified else "（限值待核对原文）")


def load(workspace: Path | None = None) -> list[dict]:
    text = resources.files("lantian.live").joinpath("limits.toml").read_text("utf-8")
    sets = tomllib.loads(text)["set"]
    own = Path(workspace) / "limits.toml" if workspace else None
    if own and own.is_file():
        try:
            sets = tomllib.loads(own.read_text("utf-8")).get("set", []) + sets      # the workspace's come first
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"{own}: {exc}") from None
    return sets


def _matches(entry: dict, kind: str, attrs: dict) -> bool:
    if entry["kind"] != kind:
        return False
    if "fuel" in entry and FUELS.get(attrs.get("fuel") or "") != entry["fuel"]:
        return False
    if "kiln_type" in entry and attrs.get("kiln_type") != entry["kiln_type"]:
        return False
    return True


def limits_for(kind: str, attrs: dict, choice: str, sets: list[dict]) -> dict[str, Limit]:
    """The limits that apply to a facility of ``kind`` with ledger fields ``attrs`` under ``choice``."""
    if choice not in CHOICES:
        raise UsageError(f"[live] limits is one of {', '.join(CHOICES)}")
    for entry in sets:
        if not _matches(entry, kind, attrs):
            continue
        if choice == "standard" and ("existing" in entry or "new" in entry):
            part = entry.get("existing")
            new = entry.get("new")
            commissioned = attrs.get("commissioned")
            if new and (part is None or (commissioned and str(commissioned) >= new.get("from", "9999"))):
                part = new
        elif choice in entry:
            part = entry[choice]
        else:
            continue
        return {p: Limit(p, float(part[p]), float(entry["o2_percent"]), entry["standard"], part["table"],
                         bool(entry.get("verified", True))) for p in CODES if p in part}
    return {}


def corrected(values: dict[str, float], code: str, o2_ref: float) -> tuple[float, str] | None:
    """The hour's concentration of ``code`` at ``o2_ref`` % O2 and how it was obtained."""
    if f"{code}-ZsAvg" in values:
        return values[f"{code}-ZsAvg"], "折算值（设备上传）"
    if f"{code}-Avg" not in values:
        return None
    measured = values[f"{code}-Avg"]
    o2 = values.get("a19001-Avg")
    if o2 is not None and o2 < 21:
        return measured * (21 - o2_ref) / (21 - o2), f"实测值按含氧量{o2:g}%折算至{o2_ref:g}%"
    return measured, "实测值（无含氧量，未折算）"


def exceedances(rows: list[dict], facilities: dict[str, dict], choice: str, sets: list[dict]) -> list[dict]:
    """Facility hours above their limits. ``rows``: the facility tree's rows (facility, time, metric,
    value); ``facilities``: id → {kind, attrs, name, enterprise_id, county}."""
    hours: dict[tuple, dict[str, float]] = {}
    for r in rows:
        hours.setdefault((r["facility"], r["time"]), {})[r["metric"]] = r["value"]
    out = []
    for (fid, when), values in sorted(hours.items()):
        f = facilities.get(fid)
        if f is None:
            continue
        for p, lim in limits_for(f["kind"], f["attrs"], choice, sets).items():
            got = corrected(values, CODES[p], lim.o2_percent)
            if got is None or got[0] <= lim.value:
                continue
            out.append({"facility": fid, "name": f["name"], "enterprise_id": f["enterprise_id"], "county": f["county"],
                        "time": when, "pollutant": p, "value": round(got[0], 2), "how": got[1], "limit": lim.value,
                        "o2_percent": lim.o2_percent, "cite": lim.cite, "choice": choice})
    return out


def facility_profiles(s) -> dict[str, dict]:
    """Ledger facilities (through the enterprises room's service) with their enterprise and county."""
    office = Scope.office(url_of(s), "live")
    return {str(f.id): {"kind": f.kind, "attrs": f.attrs, "name": f"{f.enterprise} {f.name}",
                        "enterprise_id": f.enterprise_id, "county": f.county}
            for f in ledgers.facts(s, ledgers.visible_enterprises(s, office))}
