"""The weather bureau's meteorological forecast file (气象预报): CSV, UTF-8 or GBK, one row per day
and unit::

    date,unit,temperature,humidity,wind_speed,wind_direction,precipitation,blh
    2019-10-02,140400,12.5,61,2.1,315,0,650

``date`` YYYY-MM-DD; ``unit`` the unit's code; temperature °C, humidity %, wind speed m/s, wind
direction degrees (the direction it blows FROM, 0–360), precipitation mm, blh (boundary-layer
height, m) — every value column may be empty, ``blh`` may be absent. Chinese headers are
accepted (日期, 单位, 气温, 湿度, 风速, 风向, 降水, 边界层高度). Bad input names the file, line and
field; nothing is written unless the whole file reads."""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from lantian.errors import InputError
from lantian import db
from lantian.forecast.models import MetRow

FIELDS = ("temperature", "humidity", "wind_speed", "wind_direction", "precipitation", "blh")
REQUIRED = ("date", "unit", "temperature", "humidity", "wind_speed", "wind_direction", "precipitation")
ALIASES = {"日期": "date", "单位": "unit", "区县": "unit", "气温": "temperature", "温度": "temperature",
           "湿度": "humidity", "相对湿度": "humidity", "风速": "wind_speed", "风向": "wind_direction",
           "降水": "precipitation", "降水量": "precipitation", "边界层高度": "blh"}
RANGES = {"temperature": (-60, 60), "humidity": (0, 100), "wind_speed": (0, 75), "wind_direction": (0, 360),
          "precipitation": (0, 1000), "blh": (0, 10000)}


def _text(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(path, "not a text file", expected="CSV in UTF-8 or GBK")


def read(path: Path) -> list[dict]:
    """The rows of a met file, checked; raises InputError at the first bad field."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file")
    rows = list(csv.reader(io.StringIO(_text(path))))
    if not rows:
        raise InputError(path, "empty file", expected="a header " + ",".join(REQUIRED))
    header = [ALIASES.get(c.strip(), c.strip().lower()) for c in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(path, f"the header lacks {', '.join(missing)}", line=1,
                         expected=",".join(REQUIRED) + "[,blh]")
    col = {name: header.index(name) for name in header}
    out, seen = [], set()
    for no, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise InputError(path, f"{len(row)} fields", line=no, expected=f"{len(header)} fields as the header")
        text = row[col["date"]].strip()
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise InputError(path, f"{text!r} is not a date", line=no, column="date", expected="YYYY-MM-DD") from None
        unit = row[col["unit"]].strip()
        if not unit:
            raise InputError(path, "no unit", line=no, column="unit", expected="the unit's code, e.g. 140400")
        if (unit, day) in seen:
            raise InputError(path, f"{unit} {day} a second time", line=no, column="date",
                             expected="one row per unit and day")
        seen.add((unit, day))
        rec = {"day": day, "unit": unit}
        for name in FIELDS:
            if name not in col or not row[col[name]].strip():
                rec[name] = None
                continue
            cell = row[col[name]].strip()
            try:
                value = float(cell)
            except ValueError:
                raise InputError(path, f"{cell!r} is not a number", line=no, column=name,
                                 expected="a number or empty") from None
            lo, hi = RANGES[name]
            if not (math.isfinite(value) and lo <= value <= hi):
                raise InputError(path, f"{name} {cell} out of range", line=no, column=name, expected=f"{lo}–{hi}")
            rec[name] = value
        out.append(rec)
    if not out:
        raise InputError(path, "no rows", expected="at least one day")
    return out


def import_file(url: str, path: Path, actor: str) -> dict:
    """Store a met file's rows (a unit's day already held is replaced); all or nothing."""
    rows = read(path)
    now = db.now_utc()
    added = replaced = unchanged = 0
    with db.session(url) as s:
        for r in rows:
            old = s.scalar(sa.select(MetRow).where(MetRow.unit_code == r["unit"], MetRow.day == r["day"]))
            if old is not None and all(getattr(old, f) == r[f] for f in FIELDS):
                unchanged += 1                  # the same day again: nothing changes (nor its import time)
                continue
            if old is not None:
                s.delete(old)
                s.flush()
                replaced += 1
            else:
                added += 1
            s.add(MetRow(unit_code=r["unit"], day=r["day"], source=Path(path).name[:255], imported_by=actor,
                         imported_at=now, **{f: r[f] for f in FIELDS}))
    units = sorted({r["unit"] for r in rows})
    return {"file": str(path), "rows": len(rows), "added": added, "replaced": replaced, "unchanged": unchanged,
            "units": units,
            "from": min(r["day"] for r in rows).isoformat(), "to": max(r["day"] for r in rows).isoformat()}


def frame(url: str, unit: str) -> tuple[pd.DataFrame | None, str | None]:
    """(daily met frame of ``unit`` with wind as u/v components, the source files) or (None, None)."""
    with db.session(url) as s:
        rows = s.scalars(sa.select(MetRow).where(MetRow.unit_code == unit).order_by(MetRow.day)).all()
        data = [{"day": r.day, **{f: getattr(r, f) for f in FIELDS}} for r in rows]
        sources = sorted({r.source for r in rows})
    if not data:
        return None, None
    f = pd.DataFrame(data)
    f.index = pd.to_datetime(f.pop("day"))
    f = f.astype(float)
    rad = np.deg2rad(f["wind_direction"])
    f["wind_u"] = -f["wind_speed"] * np.sin(rad)          # toward which it blows (from 0° = northerly → v < 0)
    f["wind_v"] = -f["wind_speed"] * np.cos(rad)
    return f.asfreq("D"), "、".join(sources)
