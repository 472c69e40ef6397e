"""Generated gate days with the ground truth kept apart — the proof of the gate rules (SYNTHETIC).

The scenario is a small world: enterprises with a measure text at the warning level (or none),
freight volumes (some exactly 1.5 Mt) and rail sidings (none, opened before, opening mid-period), one
city warning over a few days, and fleets of trucks of known kinds. The truth of each visit is
decided **from the scenario**, by hand-written tables of which vehicle kinds each measure and task
11 forbid (:data:`BANNED_BY_MEASURE`, :data:`TASK11_BANNED`) and the window as the scenario states
it — never by calling :mod:`rules`. The records are then written as a gate would send them (the
emission standard spelled 国Ⅵ / 国6 / VI …; a share ⚠ of vehicles the gate could not identify
written 未知) and read back through :mod:`reader` before the rules see them.

:func:`score` gives precision and recall of the rules' definite violations against the truth
(待核实 records count as not found: they lower recall, as they would in the field).
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from fractions import Fraction

from lantian.db import to_utc
from lantian.vehicles import reader, rules
from lantian.vehicles.settings import FREIGHT_THRESHOLD

#: vehicle kinds: code → (vehicle type, fuel, emission standard)
KINDS = {
    "H-D3": ("重型货车", "柴油", 3), "H-D4": ("重型货车", "柴油", 4), "H-D5": ("重型货车", "柴油", 5),
    "H-D6": ("重型货车", "柴油", 6), "T-D4": ("重型半挂牵引车", "柴油", 4), "T-D5": ("重型半挂牵引车", "柴油", 5),
    "T-D6": ("重型半挂牵引车", "柴油", 6), "H-G4": ("重型货车", "天然气", 4), "H-G5": ("重型货车", "天然气", 5),
    "H-G6": ("重型货车", "天然气", 6), "T-E": ("重型半挂牵引车", "电", None), "H-E": ("重型货车", "电", None),
    "M-D4": ("中型货车", "柴油", 4), "M-D6": ("中型货车", "柴油", 6), "L-P5": ("轻型货车", "汽油", 5),
    "BUS": ("客车", "汽油", 6), "NRMM": ("非道路移动机械", "柴油", 3),
}
GOODS_KINDS = frozenset(k for k in KINDS if k not in ("BUS", "NRMM"))
#: the measures of the scenario and, by hand, the kinds each forbids during the warning
BANNED_BY_MEASURE = {
    "停止使用国四及以下重型载货车辆（含燃气）进行运输": frozenset({"H-D3", "H-D4", "T-D4", "H-G4"}),
    "停产；停止公路运输": GOODS_KINDS,
    "未评级企业按D级管控：停产；停止公路运输": GOODS_KINDS,
    "停止使用国四及以下柴油货车和国五及以下燃气货车进行运输": frozenset({"H-D3", "H-D4", "T-D4", "M-D4", "H-G4",
                                                                      "H-G5"}),
    "限产20%": frozenset(),
    "出焦时间延长至48小时以上": frozenset(),
}
#: task 11 before the siding opens: every goods vehicle that is neither 国六 nor new-energy
TASK11_BANNED = frozenset({"H-D3", "H-D4", "H-D5", "T-D4", "T-D5", "H-G4", "H-G5", "M-D4", "L-P5"})
_SPELLINGS = {3: ("国三", "国Ⅲ", "国3", "III"), 4: ("国四", "国Ⅳ", "国4", "IV"), 5: ("国五", "国Ⅴ", "国5", "V"),
              6: ("国六", "国Ⅵ", "国6", "VI", "国六b")}
_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class Enterprise:
    id: int
    measure: str | None               # None: not under the warning
    tonnes: Fraction
    rail_open: dt.date | None


@dataclass
class Scenario:
    start: dt.date
    days: int
    enterprises: list[Enterprise]
    warning: tuple[dt.datetime, dt.datetime]        # [start, lifted)
    fleets: dict[int, list[tuple[str, str]]] = field(default_factory=dict)   # enterprise → (plate, kind)

    def windows(self) -> dict[int, list[rules.Window]]:
        a, b = self.warning
        return {e.id: [rules.Window(1, "orange", a, b, e.measure)] for e in self.enterprises if e.measure}

    def profiles(self) -> dict[int, list[rules.Freight]]:
        return {e.id: [rules.Freight(self.start.year, e.tonnes, e.rail_open)] for e in self.enterprises}


@dataclass(frozen=True)
class Score:
    records: int
    violations: int                   # in the truth
    true_positive: int
    false_positive: int
    false_negative: int
    undecided: int

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive / self.violations if self.violations else 1.0


def _plate(rng: random.Random, kind: str, used: set[str]) -> str:
    while True:
        if KINDS[kind][1] in ("电", "氢"):
            plate = "晋D" + rng.choice("DF") + "".join(rng.choice("0123456789") for _ in range(5))
        else:
            plate = "晋D" + rng.choice(_LETTERS) + "".join(rng.choice("0123456789" + _LETTERS[:8]) for _ in range(4))
        if plate not in used:
            used.add(plate)
            return plate


def scenario(n: int = 12, days: int = 7, seed: int = 0, start: dt.date = dt.date(2023, 12, 4)) -> Scenario:
    """``n`` enterprises over ``days`` days from ``start``; the warning runs from day 2 00:00 to day 4 14:00."""
    rng = random.Random(seed)
    measures = list(BANNED_BY_MEASURE) + [None]
    tonnes = [Fraction(800_000), FREIGHT_THRESHOLD, Fraction(2_300_000), Fraction(1_499_999)]
    sidings = [None, start - dt.timedelta(days=30), start + dt.timedelta(days=days // 2)]
    ents = []
    for i in range(n):                              # every combination appears once n is large enough
        ents.append(Enterprise(1000 + i, measures[i % len(measures)], tonnes[(i // 2) % len(tonnes)],
                               sidings[(i // 3) % len(sidings)]))
    warning = (to_utc(start + dt.timedelta(days=1)), to_utc(dt.datetime.combine(start + dt.timedelta(days=3),
                                                                                  dt.time(14))))
    sc = Scenario(start, days, ents, warning)
    used: set[str] = set()
    for e in ents:
        sc.fleets[e.id] = [(_plate(rng, k, used), k) for k in rng.choices(list(KINDS), k=40)]
    return sc


def _in_warning(sc: Scenario, t: dt.datetime) -> bool:
    return sc.warning[0] <= t < sc.warning[1]


def _truth(sc: Scenario, e: Enterprise, kind: str, t: dt.datetime) -> frozenset[str]:
    out = set()
    if e.measure and _in_warning(sc, t) and kind in BANNED_BY_MEASURE[e.measure]:
        out.add(rules.RULE_WARNING)
    day = (t + dt.timedelta(hours=8)).date()        # Beijing day of a UTC time
    subject = e.tonnes >= FREIGHT_THRESHOLD and (e.rail_open is None or day < e.rail_open)
    if subject and kind in TASK11_BANNED:
        out.add(rules.RULE_FREIGHT)
    return frozenset(out)


def _times(rng: random.Random, sc: Scenario, per_day: int) -> list[dt.datetime]:
    out = []
    for d in range(sc.days):
        base = to_utc(sc.start + dt.timedelta(days=d))
        out += [base + dt.timedelta(seconds=rng.randrange(86_400)) for _ in range(per_day)]
    out += [sc.warning[0], sc.warning[1], sc.warning[0] - dt.timedelta(seconds=1),
            sc.warning[1] - dt.timedelta(seconds=1)]                              # the boundaries
    return out


def generate(sc: Scenario, seed: int = 0, per_day: int = 30, unknown_share: float = 0.03
             ) -> tuple[list[dict], list[frozenset[str]]]:
    """Gate records as a gate sends them (dicts of text, with ``enterprise``) and, apart, the truth:
    for each record the set of rules it violates."""
    rng = random.Random(seed)
    records, truth = [], []
    for e in sc.enterprises:
        for t in _times(rng, sc, per_day):
            plate, kind = rng.choice(sc.fleets[e.id])
            vtype, fuel, stage = KINDS[kind]
            if stage is None:
                written = rng.choice(("新能源", "电动", ""))
            elif rng.random() < unknown_share:
                written = "未知"                      # the gate could not identify the vehicle
            else:
                written = rng.choice(_SPELLINGS[stage])
            local = (t + dt.timedelta(hours=8)).replace(tzinfo=None)
            records.append({"enterprise": str(e.id), "plate": plate[:3] + rng.choice(("", "·")) + plate[3:],
                            "vehicle_type": vtype, "fuel": fuel, "emission_standard": written or "新能源",
                            "time_in": local.strftime("%Y-%m-%d %H:%M:%S"),
                            "time_out": (local + dt.timedelta(minutes=rng.randrange(20, 120)))
                            .strftime("%Y-%m-%d %H:%M:%S"), "goods": rng.choice(("煤炭", "焦炭", "熟料", "矿石", "")),
                            "tonnage": str(rng.randrange(10, 49)) if vtype != "客车" else ""})
            truth.append(_truth(sc, e, kind, t))
    return records, truth


def score(sc: Scenario, records: list[dict], truth: list[frozenset[str]],
          threshold: Fraction = FREIGHT_THRESHOLD) -> Score:
    """Read the records as the service does, run the rules, compare with the truth."""
    windows, profiles = sc.windows(), sc.profiles()
    tp = fp = fn = undecided = 0
    for i, (values, want) in enumerate(zip(records, truth), 1):
        row = reader.parse_record(values, file="generated", line=i)
        eid = int(row.enterprise)
        found = rules.findings(rules.Vehicle(row.plate, row.vehicle_type, row.fuel, row.emission_standard),
                               row.time_in, windows.get(eid, []), profiles.get(eid, []), threshold)
        got = {f.rule for f in found if not f.undecided}
        undecided += sum(1 for f in found if f.undecided)
        tp += len(got & want)
        fp += len(got - want)
        fn += len(want - got)
    return Score(len(records), sum(len(t) for t in truth), tp, fp, fn, undecided)


def verify(n: int = 12, days: int = 7, seed: int = 0, unknown_share: float = 0.03) -> Score:
    sc = scenario(n, days, seed)
    records, truth = generate(sc, seed, unknown_share=unknown_share)
    return score(sc, records, truth)
