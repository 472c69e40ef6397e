"""Reader for the UCI "Beijing Multi-Site Air-Quality Data" (Zhang et al. 2017, CC BY 4.0).

One CSV per station, ``PRSA_Data_<Station>_20130301-20170228.csv``::

    "No","year","month","day","hour","PM2.5","PM10","SO2","NO2","CO","O3","TEMP",…,"station"

- ``year, month, day, hour`` (hour 0–23) in Beijing time. The dataset documents ``hour`` only as
  "hour of data in this row", taken from the Beijing Municipal Environmental Monitoring Center's
  hourly publication, which (like the national CNEMC feed) stamps each hourly mean with the hour
  at which it ENDS. Convention adopted here (``hour_label="end"``, the default): row ``hour = k``
  of day D is stamped D k:00, i.e. the mean of (k−1):00–k:00; ``hour = 0`` is the last hour of
  day D−1. Pass ``hour_label="start"`` to read ``hour = k`` as the hour starting at k (stamped
  k+1:00). Either way the choice is reported in ``Readout.notes``.
- PM2.5, PM10, SO2, NO2, O3 in µg/m³; **CO in µg/m³ too** (300 means 0.3 mg/m³): converted to
  mg/m³ (÷1000), and a note says so.
- ``NA`` = missing: not stored, not a rejection. Meteorology columns (TEMP, PRES, DEWP, RAIN, wd,
  WSPM) and ``No`` are not read.
- Station id: ``"uci:" + station`` (e.g. ``uci:Aotizhongxin``) unless ``stations`` maps the UCI
  name to an id of yours.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lantian.errors import UsageError
from lantian.measurements.readers.common import (Readout, ValueColumn, assemble_wide, clean,
                                                 compose_times, find_column, int_cells, read_raw, UG)

SOURCE = "uci-beijing"
#: UCI column → (pollutant, unit in the file)
COLUMNS = {"PM2.5": ("PM2_5", UG), "PM10": ("PM10", UG), "SO2": ("SO2", UG), "NO2": ("NO2", UG),
           "CO": ("CO", UG), "O3": ("O3", UG)}
_TIME_PARTS = {"year": "a year like 2013", "month": "a month 1–12", "day": "a day that exists in that month",
               "hour": "an hour 0–23"}


def read_uci(path: str | Path, *, lenient: bool = False, hour_label: str = "end",
             stations: dict[str, str] | None = None, registry=None) -> Readout:
    """Read one UCI Beijing station file (or any file in that layout, several stations allowed).

    Strict by default: the first bad row raises :class:`~lantian.errors.InputError` naming file, line
    and column; ``lenient=True`` skips bad rows/cells and counts them in ``Readout.rejected``.
    ``registry``: the registry's :class:`~lantian.measurements.station_keys.StationKeys`; the id
    ``uci:<station>`` is looked up, then the bare UCI name (a registered code or name)."""
    if hour_label not in ("end", "start"):
        raise UsageError(f"hour_label must be 'end' or 'start', not {hour_label!r}")
    raw = read_raw(path, lenient=lenient)
    src = raw.source
    rejected = dict(raw.rejected)
    notes = list(raw.notes)
    idx = {name: find_column(raw, name, (name,), None) for name in ("year", "month", "day", "hour", "station")}
    vidx = {name: find_column(raw, name, (name,), None) for name in COLUMNS}
    n = raw.num_rows
    parts, unreadable = {}, np.zeros(n, dtype=bool)
    texts = {}
    for name in _TIME_PARTS:
        texts[name] = clean(raw.columns[idx[name]])
        parts[name], bad = int_cells(texts[name])
        unreadable |= bad
    hour = parts["hour"]
    hour_bad = (hour < 0) | (hour > 23)
    seconds, code = compose_times(parts["year"], parts["month"], parts["day"], np.where(hour_bad, 0, hour),
                                  time_label=hour_label, unreadable=unreadable | hour_bad)
    bad_part = {name: int_cells(texts[name])[1] for name in _TIME_PARTS}
    bad_part["hour"] = bad_part["hour"] | hour_bad

    def time_field(i: int) -> str:
        for name in _TIME_PARTS:
            if bad_part[name][i]:
                return name
        m = parts["month"][i]
        return "month" if not 1 <= m <= 12 else "day"
    station_text = clean(raw.columns[idx["station"]])
    if stations:
        mapped = [stations.get(s, None) if s is not None else None for s in station_text.to_pylist()]
        unmapped = {s for s, m in zip(station_text.to_pylist(), mapped) if s is not None and m is None}
        if unmapped:
            raise UsageError(f"{path}: stations= has no id for {', '.join(sorted(unmapped))}")
        station_ids = pa.array(mapped, pa.string())
    else:
        station_ids = pc.binary_join_element_wise("uci:", station_text, "")
    time_texts = pc.binary_join_element_wise(
        *(pc.fill_null(texts[k], "?") for k in ("year", "month", "day")), "-")
    time_texts = pc.binary_join_element_wise(time_texts, pc.fill_null(texts["hour"], "?"), " hour ")
    columns = [ValueColumn(name, p, u, clean(raw.columns[vidx[name]])) for name, (p, u) in COLUMNS.items()]
    unknown: dict[str, int] = {}
    table = assemble_wide(src, station_ids, "station", seconds, code, time_texts, time_field,
                          columns, lenient=lenient, rejected=rejected, notes=notes,
                          time_expected=_TIME_PARTS.get, keys=registry, fallbacks=(station_text,),
                          unknown=unknown)
    if hour_label == "end":
        notes.insert(0, "UCI hour k taken as the hour ENDING at k:00 (stamped k:00; hour 0 = the last "
                        "hour of the previous day), as in the CNEMC feed; use hour_label='start' if not")
    else:
        notes.insert(0, "UCI hour k taken as the hour STARTING at k:00 (stamped k+1:00)")
    return Readout(table, rejected, notes, SOURCE, unknown)
