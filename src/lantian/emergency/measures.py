"""Emergency reduction measures as data: industry × grade × level → the measure's text and the share
of the enterprise's emissions it removes (docs/standards.md §5.4). Files: ``measures/*.toml`` shipped (the cement
table verbatim from 340号; other industries as templates marked unverified), then the workspace's
``WORKSPACE/measures/*.toml``, which replace a shipped industry file whole."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from lantian.emergency.models import LEVELS, POLLUTANTS
from lantian.errors import InputError

SHIPPED = Path(__file__).parent / "measures"
ANY = "*"
UNRATED = "unrated"


@dataclass(frozen=True)
class Measure:
    industry: str
    grade: str
    level: str
    text: str
    cut: dict[str, Fraction]          # pollutant → share removed (0…1)
    verified: bool
    source: str


def _cut(path: Path, value) -> dict[str, Fraction]:
    if isinstance(value, (int, float)):
        value = {p: value for p in POLLUTANTS}
    if not isinstance(value, dict) or set(value) - set(POLLUTANTS):
        raise InputError(path, "cut is a share 0…1 or a table of them by pollutant", column="cut",
                         expected=", ".join(POLLUTANTS))
    out = {}
    for p in POLLUTANTS:
        share = Fraction(str(value.get(p, 0)))
        if not 0 <= share <= 1:
            raise InputError(path, f"cut {share} for {p} is outside 0…1", column="cut")
        out[p] = share
    return out


def _read(path: Path) -> list[Measure]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, f"not TOML: {exc}") from None
    for key in ("industry", "verified", "source", "measure"):
        if key not in data:
            raise InputError(path, f"no `{key}`", column=key)
    out = []
    for i, m in enumerate(data["measure"], 1):
        for key in ("grade", "levels", "text", "cut"):
            if key not in m:
                raise InputError(path, f"measure {i} has no `{key}`", column=key)
        for level in m["levels"]:
            if level not in LEVELS:
                raise InputError(path, f"measure {i}: unknown level {level!r}", column="levels",
                                 expected=", ".join(LEVELS))
            out.append(Measure(data["industry"], str(m["grade"]), level, m["text"], _cut(path, m["cut"]),
                               bool(data["verified"]), data["source"]))
    return out


class MeasureTable:
    def __init__(self, measures: list[Measure]):
        self._by = {(m.industry, m.grade, m.level): m for m in measures}
        self.industries = sorted({m.industry for m in measures})

    def lookup(self, industry: str | None, grade: str | None, level: str) -> Measure | None:
        """The industry's measure for the grade (未评级 → ``unrated``), else the template for any industry."""
        g = grade or UNRATED
        return self._by.get((industry or ANY, g, level)) or self._by.get((ANY, g, level))


def load(workspace_root: Path | None = None) -> MeasureTable:
    files = {p.stem: p for p in sorted(SHIPPED.glob("*.toml"))}
    own = workspace_root / "measures" if workspace_root is not None else None
    if own is not None and own.is_dir():
        files.update({p.stem: p for p in sorted(own.glob("*.toml"))})
    measures = []
    for path in files.values():
        measures.extend(_read(path))
    return MeasureTable(measures)
