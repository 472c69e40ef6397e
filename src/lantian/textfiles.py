"""CSV text as rows, with a malformed file (an unclosed quote, a field over the csv module's limit)
refused as a user's mistake naming the file and line — one way for every room's reader."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from lantian.errors import InputError


def csv_rows(shown: str | Path, text: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as exc:
        raise InputError(shown, f"not a readable CSV: {exc}", line=reader.line_num,
                         expected="comma-separated fields, each under 131,072 characters") from None
    return rows
