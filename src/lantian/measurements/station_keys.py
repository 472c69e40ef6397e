"""Which registered station a measurement's station key names: its code, or a name only one bears.

Every measurement importer (``lantian import long|wide|uci|cnemc``) checks its values' stations
against the workspace's registry (:mod:`lantian.measurements.stations`) before anything is
stored, so that no value is kept for a station no county will ever count:

- a key that is a registered code is that station; else a key that is the name of exactly one
  registered station (compared without surrounding spaces, full-width forms folded) is that
  station, and the value is stored under its code (said in the summary);
- a key that matches no station is ``unknown station``, a name several stations bear (监测站,
  市监测站, …) is ``ambiguous station``: the file is refused, naming the file, the line and the
  key; ``--lenient`` leaves their values out and counts them in the summary, each key listed.

Stopped stations are registered stations: their data of the past is welcome.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from lantian.measurements.stations import list_stations

UNKNOWN = "unknown station"
AMBIGUOUS = "ambiguous station"
EXPECTED = ("a station of the registry, by code or by a name only one station bears (add it with "
            "`lantian stations add` or `lantian import stations`; --lenient leaves its values out, counted)")


def fold(text: str) -> str:
    """A key as compared: NFKC (full-width → half-width), surrounding spaces dropped."""
    return unicodedata.normalize("NFKC", str(text)).strip()


@dataclass
class StationKeys:
    """The registry's codes and names as importers match keys against them."""
    codes: set[str]
    names: dict[str, list[str]] = field(default_factory=dict)      # folded name → codes bearing it

    @classmethod
    def of(cls, url: str) -> "StationKeys":
        """Every station of the workspace's registry (stopped ones too)."""
        return cls.of_records(list_stations(url, include_stopped=True))

    @classmethod
    def of_records(cls, records) -> "StationKeys":
        keys = cls({fold(r.code) for r in records})
        for r in records:
            keys.names.setdefault(fold(r.name), []).append(r.code)
        return keys

    def resolve(self, key: str) -> tuple[str | None, str | None]:
        """(code, None) for a key naming one station; (None, reason) otherwise."""
        k = fold(key)
        if k in self.codes:
            return k, None
        bearers = self.names.get(k, [])
        if len(bearers) == 1:
            return bearers[0], None
        return None, AMBIGUOUS if bearers else UNKNOWN

    def problem(self, key: str) -> str:
        """What is wrong with ``key`` (a key :meth:`resolve` does not accept), in words."""
        bearers = self.names.get(fold(key), [])
        if bearers:
            shown = ", ".join(sorted(bearers)[:5]) + (", …" if len(bearers) > 5 else "")
            return f"station name {key!r} is borne by {len(bearers)} registered stations ({shown}): key the file by code"
        if not self.codes:
            return (f"station {key!r} is not in the station registry, which is empty: import it first "
                    "(`lantian import stations FILE`)")
        return f"station {key!r} is not in the station registry"


@dataclass
class Resolved:
    """Station keys of a column of rows resolved: ``codes`` (null where not resolved), each row's
    reason when not (``reasons``, None where resolved), and the names replaced by codes."""
    codes: pa.Array
    reasons: np.ndarray            # object: None, UNKNOWN or AMBIGUOUS per row
    renamed: dict[str, str]

    def bad(self, reason: str) -> np.ndarray:
        return self.reasons == reason


def resolve_column(keys: StationKeys, stations: pa.Array, *fallbacks: pa.Array) -> Resolved:
    """Resolve every row's station key (null keys are left to the readers' ``station`` check);
    a key that does not resolve is tried again as the same row of each ``fallbacks``."""
    enc = pc.dictionary_encode(stations)
    distinct = enc.dictionary.to_pylist()
    found = [keys.resolve(k) for k in distinct]
    index = np.asarray(pc.fill_null(enc.indices, -1), dtype=np.int64)
    codes = np.array([c for c, _ in found] + [None], dtype=object)[index]
    reasons = np.array([r for _, r in found] + [None], dtype=object)[index]
    renamed = {k: c for k, (c, _) in zip(distinct, found) if c is not None and c != fold(k)}
    for other in fallbacks:
        todo = np.nonzero(reasons != None)[0]                    # noqa: E711 — elementwise
        if not len(todo):
            break
        again = resolve_column(keys, other.take(pa.array(todo)))
        ok = np.asarray(again.codes.is_valid(), dtype=bool)
        codes[todo[ok]] = np.asarray(again.codes.to_pylist(), dtype=object)[ok]
        reasons[todo[ok]] = None
        renamed.update(again.renamed)
    return Resolved(pa.array(codes.tolist(), pa.string()), reasons, renamed)
