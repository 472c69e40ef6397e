"""Query parameters every room reads the same way."""
from __future__ import annotations

import datetime as dt

from fastapi import HTTPException


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
