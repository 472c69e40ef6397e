"""PMF practice before the model (EPA Positive Matrix Factorization 5.0 Fundamentals and User Guide,
EPA/600/R-14/108, 2014): each species' signal-to-noise, its category, and the matrices ESAT gets.

- S/N of species j over its measured samples i: d_ij = (x_ij − s_ij)/s_ij when x_ij > s_ij, else 0;
  S/N_j = mean of d_ij (the guide's definition, also ESAT's DataHandler).
- Category: *bad* below ⚠ ``bad_below`` (0.5) — no signal, left out of the model and named; *weak*
  below ⚠ ``weak_below`` (1.0) — its uncertainties tripled; *strong* otherwise. The total variable
  (PM2.5, Mass, TNMOC …) is weak whatever its S/N, so it does not drive the solution (the guide's
  advice; its uncertainty is made large on purpose). The analyst
  overrides any species' category.
- Missing concentrations: the species' median with 4 × the median as uncertainty (Polissar et al.,
  JGR 1998, the guide's practice), counted per species; a species missing in more than ⚠
  ``max_missing`` of the samples is bad.
- Negative concentrations (below detection) are kept and counted.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from lantian.apportionment.reader import Dataset
from lantian.errors import UsageError
from lantian.workspace import check_keys

TOTAL_NAMES = ("pm25", "pm2.5", "mass", "pm10", "tnmoc", "tvoc", "totalvoc", "total", "pm")


@dataclass(frozen=True)
class PrepareSettings:
    bad_below: float = 0.5
    weak_below: float = 1.0
    max_missing: float = 0.5
    weak_factor: float = 3.0
    missing_factor: float = 4.0

    @classmethod
    def of(cls, config: dict | None) -> "PrepareSettings":
        section = ((config or {}).get("apportionment") or {}).get("categories") or {}
        check_keys(section, set(cls.__dataclass_fields__), "apportionment.categories", "lantian.toml")
        return cls(**{k: float(v) for k, v in section.items()})


@dataclass
class SpeciesCheck:
    name: str
    s_n: float
    missing: int
    negative: int
    below_unc: int                       # samples at or under their uncertainty (no signal there)
    category: str
    reason: str


@dataclass
class Prepared:
    species: list[str]                   # the species handed to ESAT (strong and weak), in file order
    V: list[list[float]]
    U: list[list[float]]
    checks: list[SpeciesCheck]
    total: str | None
    samples: int
    settings: PrepareSettings
    notes: list[str] = field(default_factory=list)

    def category(self, name: str) -> str:
        return next(c.category for c in self.checks if c.name == name)

    @property
    def strong(self) -> list[str]:
        return [c.name for c in self.checks if c.category == "strong"]


def normal(name: str) -> str:
    """A species name for matching: lower case, letters and digits only (``"PM2.5"`` → ``"pm25"``)."""
    return re.sub(r"[^0-9a-z\u4e00-\u9fff]", "", name.lower())


def find_total(species: list[str]) -> str | None:
    wanted = {normal(x) for x in TOTAL_NAMES}
    return next((s for s in species if normal(s) in wanted), None)


def signal_to_noise(x: list[float | None], s: list[float | None]) -> float:
    pairs = [(a, b) for a, b in zip(x, s) if a is not None and b is not None]
    if not pairs:
        return 0.0
    return sum((a - b) / b if a > b else 0.0 for a, b in pairs) / len(pairs)


def _named(names: list[str] | None, species: list[str], option: str) -> set[str]:
    out = set()
    for n in names or []:
        if n not in species:
            raise UsageError(f"{option} {n!r}: no such species (the files have {', '.join(species)})")
        out.add(n)
    return out


def prepare(data: Dataset, *, weak: list[str] | None = None, bad: list[str] | None = None,
            strong: list[str] | None = None, total: str | None = "auto",
            settings: PrepareSettings | None = None) -> Prepared:
    st = settings or PrepareSettings()
    species = data.species
    forced = {**{n: "weak" for n in _named(weak, species, "--weak")},
              **{n: "bad" for n in _named(bad, species, "--bad")},
              **{n: "strong" for n in _named(strong, species, "--strong")}}
    if total == "auto":
        total = find_total(species)
    elif total in (None, "none", ""):
        total = None
    elif total not in species:
        raise UsageError(f"--total {total!r}: no such species (the files have {', '.join(species)})")
    n = data.samples
    columns = list(zip(*data.conc.values))
    ucolumns = list(zip(*data.unc.values))
    checks = []
    for j, name in enumerate(species):
        x, s = list(columns[j]), list(ucolumns[j])
        sn = signal_to_noise(x, s)
        missing = sum(1 for v in x if v is None)
        negative = sum(1 for v in x if v is not None and v < 0)
        below = sum(1 for a, b in zip(x, s) if a is not None and b is not None and a <= b)
        if name in forced:
            category, reason = forced[name], "分析人员指定"
        elif missing == n:
            category, reason = "bad", "全部缺测"
        elif missing / n > st.max_missing:
            category, reason = "bad", f"缺测{missing}/{n}个样品，超过{st.max_missing:.0%}"
        elif name == total:                   # its uncertainty is large on purpose (EPA's examples: 4 × or more)
            category, reason = "weak", "总量变量（按弱变量处理，不主导解析）"
        elif sn < st.bad_below:
            category, reason = "bad", ("无信号：所有样品浓度均不高于不确定度" if sn == 0 else
                                       f"信噪比{sn:.2f} < {st.bad_below:g}")
        elif sn < st.weak_below:
            category, reason = "weak", f"信噪比{sn:.2f} < {st.weak_below:g}"
        else:
            category, reason = "strong", f"信噪比{sn:.2f}"
        checks.append(SpeciesCheck(name, round(sn, 4), missing, negative, below, category, reason))
    used = [j for j, c in enumerate(checks) if c.category != "bad"]
    if len(used) < 3:
        raise UsageError(f"only {len(used)} species left after leaving out the bad ones "
                         f"({', '.join(c.name for c in checks if c.category == 'bad')}): PMF needs more")
    V, U = [], []
    medians = {j: statistics.median([v for v in columns[j] if v is not None]) for j in used}
    for i in range(n):
        vr, ur = [], []
        for j in used:
            x, s = data.conc.values[i][j], data.unc.values[i][j]
            if x is None:
                x, s = medians[j], st.missing_factor * medians[j]
            if checks[j].category == "weak":
                s *= st.weak_factor
            vr.append(x)
            ur.append(s)
        V.append(vr)
        U.append(ur)
    notes = []
    filled = {checks[j].name: checks[j].missing for j in used if checks[j].missing}
    if filled:
        notes.append("缺测值以该物种中位数替代、不确定度取中位数的4倍：" + "、".join(f"{k} {v}个" for k, v in filled.items()))
    negatives = {c.name: c.negative for c in checks if c.negative}
    if negatives:
        notes.append("含负值（低于检出限）：" + "、".join(f"{k} {v}个" for k, v in negatives.items()))
    bad_names = [f"{c.name}（{c.reason}）" for c in checks if c.category == "bad"]
    if bad_names:
        notes.append("剔除物种：" + "；".join(bad_names))
    return Prepared([species[j] for j in used], V, U, checks, total if total and checks[species.index(total)].category
                    != "bad" else None, n, st, notes)


def q_expected(prepared: Prepared, factors: int) -> float:
    """Q(expected) = (values of the non-weak species) − K × (samples + species in the model): the
    guide's theoretical Q, the number of strong data values less the elements of G and F."""
    strong = len(prepared.strong)
    return float(prepared.samples * strong - factors * (prepared.samples + len(prepared.species)))
