"""A suggested name per factor from its marker species (``data/markers.toml``, the office's own in
``WORKSPACE/apportionment/markers.toml``): the source whose markers the factor holds the largest
share of (the factor's "% of species"), when that share reaches ⚠ ``min_share``. A suggestion,
never a verdict: the analyst confirms or renames each factor."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from lantian.apportionment.prepare import normal
from lantian.errors import InputError

DATA = Path(__file__).with_name("data") / "markers.toml"


@dataclass(frozen=True)
class Source:
    name: str
    species: tuple[str, ...]
    sectors: tuple[str, ...]
    pollutant: str


@dataclass(frozen=True)
class Markers:
    sources: tuple[Source, ...]
    min_share: float

    def source(self, name: str | None) -> Source | None:
        return next((s for s in self.sources if s.name == name), None)


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(path, f"cannot read the markers: {exc}", expected="TOML with [[source]] entries") from None


def load(root: Path | None = None) -> Markers:
    raw = _read(DATA)
    sources = {s["name"]: s for s in raw["source"]}
    min_share = float(raw.get("min_share", 0.4))
    own = Path(root) / "apportionment" / "markers.toml" if root else None
    if own and own.is_file():
        mine = _read(own)
        for s in mine.get("source", []):
            if not s.get("name") or not isinstance(s.get("species"), list):
                raise InputError(own, f"source {s!r}", column="name/species", expected='name = "…", species = ["…"]')
            sources[s["name"]] = s
        min_share = float(mine.get("min_share", min_share))
    return Markers(tuple(Source(s["name"], tuple(s["species"]), tuple(s.get("sectors", [])), s.get("pollutant", "PM2.5"))
                         for s in sources.values()), min_share)


def shares(H: list[list[float]]) -> list[list[float]]:
    """Each factor's share of each species (profile over the species' sum over the factors)."""
    k = len(H)
    sums = [sum(H[f][j] for f in range(k)) for j in range(len(H[0]))]
    return [[(H[f][j] / sums[j]) if sums[j] > 0 else 0.0 for j in range(len(sums))] for f in range(k)]


def suggest(H: list[list[float]], species: list[str], markers: Markers) -> list[dict]:
    share = shares(H)
    index = {normal(s): j for j, s in enumerate(species)}
    out = []
    for f, row in enumerate(share):
        scored = []
        for src in markers.sources:
            present = sorted({index[normal(x)] for x in src.species if normal(x) in index})
            if present:
                scored.append((sum(row[j] for j in present) / len(present), src, present))
        scored.sort(key=lambda x: -x[0])
        best = scored[0] if scored and scored[0][0] >= markers.min_share else None
        top = sorted(range(len(species)), key=lambda j: -row[j])[:5]
        out.append({"factor": f + 1, "suggested": best[1].name if best else None,
                    "score": round(best[0], 3) if best else None,
                    "markers": [{"species": species[j], "share": round(row[j], 3)} for j in best[2]] if best else [],
                    "candidates": [{"name": s.name, "score": round(v, 3)} for v, s, _ in scored[:3]],
                    "top_species": [{"species": species[j], "share": round(row[j], 3)} for j in top]})
    return out
