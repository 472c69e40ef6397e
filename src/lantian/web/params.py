"""Query parameters every room reads the same way."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import HTTPException, Query

N = TypeVar("N", int, float)


def parse_day(value: str | None) -> dt.date | None:
    """A YYYY-MM-DD parameter (years 1901–2199), None when absent, 422 when it is not a date."""
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
        if not 1900 < day.year < 2200:
            raise ValueError(value)
        return day
    except ValueError:
        raise HTTPException(422, f"{value!r} is not a date (YYYY-MM-DD, 1901–2199)") from None



def parse_values(text: str, number: Callable[[str], N], malformed: str, out_of_range: str) -> list[N]:
    """Daily values separated by commas (either width) — a forecast's AQI or O3 8-h µg/m³ — each 0–2000
    (NaN and inf are not values either); 422 with ``malformed`` (the text is appended) or ``out_of_range``."""
    try:
        values = [number(x) for x in text.replace("，", ",").split(",") if x.strip()]
    except ValueError:
        raise HTTPException(422, malformed.format(text=repr(text))) from None
    if not values or any(not 0 <= v <= 2000 for v in values):
        raise HTTPException(422, out_of_range)
    return values

# --- what the OpenAPI document promises (issue 21 §6) -------------------------------------------
# The patterns below are what the parsers above accept, so that a request the document allows is
# never refused: a real calendar day of 1901–2199 (29 February in leap years only), or nothing.
_YEAR = r"(19(0[1-9]|[1-9]\d)|2[01]\d\d)"
_LEAP = r"(19(0[48]|[2468][048]|[13579][26])|20([02468][048]|[13579][26])|21(0[48]|[2468][048]|[13579][26]))"
_MONTH_DAY = r"((0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)"
DAY = rf"^(|{_YEAR}-{_MONTH_DAY}|{_LEAP}-02-29)$"
"""YYYY-MM-DD as :func:`parse_day` takes it (empty = absent)."""
MONTH = rf"^(|{_YEAR}-(0[1-9]|1[0-2]))$"
"""YYYY-MM, years 1901–2199 (empty = absent)."""

Day = Annotated[str | None, Query(pattern=DAY, description="YYYY-MM-DD (1901–2199)")]
"""An optional day parameter the document describes exactly; parse it with :func:`parse_day`."""
Month = Annotated[str | None, Query(pattern=MONTH, description="YYYY-MM (1901–2199)")]
PERIOD = rf"^(|{_YEAR}|{_YEAR}-(0[1-9]|1[0-2])|{_YEAR}-{_MONTH_DAY}|{_LEAP}-02-29)$"
"""YYYY, YYYY-MM or YYYY-MM-DD, years 1901–2199 (empty = absent)."""
_VALUE = r"(0|[1-9]\d{0,2}|1\d{3}|2000)"
VALUES = rf"^{_VALUE}([,，]{_VALUE})*$"
"""One or more whole numbers 0–2000 separated by commas (daily AQI, O3 8-h µg/m³)."""


def one_of(values, empty: bool = False) -> str:
    """The pattern of exactly one of ``values`` (or nothing, with ``empty``) — a fixed vocabulary the
    document lists (issue 21 §6)."""
    import re
    names = sorted({str(v) for v in values}, key=lambda v: (-len(v), v))
    return "^(" + ("|" if empty else "") + "|".join(re.escape(v) for v in names) + ")$"


def documented(values=None, pattern: str | None = None) -> dict:
    """``json_schema_extra`` of a field whose parser is more lenient than a pattern can say (case, width,
    spaces, thousands separators): the document lists the usual spellings, the parser still takes the
    others and names the field when it cannot."""
    extra = {}
    if values is not None:
        extra["enum"] = sorted({str(v) for v in values})
    if pattern is not None:
        extra["pattern"] = pattern
    return extra


IDS = r"^[\s,]*[0-9]{1,9}([\s,]+[0-9]{1,9})*[\s,]*$"
"""Record numbers separated by spaces or commas, at least one."""
YEAR_MONTH = rf"^{_YEAR}-(0[1-9]|1[0-2])$"
"""A required YYYY-MM, years 1901–2199."""
QUARTER = rf"^{_YEAR}Q[1-4]$"
"""A required YYYYQn, years 1901–2199."""
