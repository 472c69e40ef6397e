"""A forecast file: CSV ``date,aqi`` (daily forecast AQI, consecutive days, UTF-8 or GBK, header
row ``date,aqi`` or ``日期,AQI``). Bad input names the file, line and field."""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from lantian.errors import InputError
from lantian.sheets import decode_text

HEADERS = ({"date", "aqi"}, {"日期", "aqi"})


def _text(path: Path) -> str:
    return decode_text(path.read_bytes(), path, "not a text file", expected="CSV in UTF-8 or GBK")


def read(path: Path) -> tuple[dt.date, list[int]]:
    """(first day, daily AQI values)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file")
    rows = list(csv.reader(io.StringIO(_text(path))))
    if not rows or {c.strip().lower() for c in rows[0]} not in HEADERS:
        raise InputError(path, "the first line must be the header", line=1, expected="date,aqi")
    days, values = [], []
    for no, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != 2:
            raise InputError(path, f"{len(row)} fields", line=no, expected="2 fields: date,aqi")
        try:
            day = dt.date.fromisoformat(row[0].strip())
        except ValueError:
            raise InputError(path, f"{row[0]!r} is not a date", line=no, column="date", expected="YYYY-MM-DD") from None
        try:
            value = int(row[1].strip())
        except ValueError:
            raise InputError(path, f"{row[1]!r} is not an AQI", line=no, column="aqi", expected="a whole number") \
                from None
        if not 0 <= value <= 2000:
            raise InputError(path, f"AQI {value} out of range", line=no, column="aqi", expected="0–2000")
        if days and day != days[-1] + dt.timedelta(days=1):
            raise InputError(path, f"{day} does not follow {days[-1]}", line=no, column="date",
                             expected="consecutive days")
        days.append(day)
        values.append(value)
    if not values:
        raise InputError(path, "no forecast rows", expected="at least one line date,aqi")
    return days[0], values
