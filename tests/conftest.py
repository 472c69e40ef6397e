"""Shared fixtures. Real data comes from ../shared/data (or $LANTIAN_DATA); its absence fails loudly."""
from __future__ import annotations

from pathlib import Path

import pytest

from lantian.datadir import find_data_dir
from lantian.errors import UsageError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    try:
        return find_data_dir()
    except UsageError as exc:  # never a skip: the data is part of every team machine and CI
        pytest.fail(f"the shared data folder is required: {exc}")


@pytest.fixture(scope="session")
def con():
    from lantian.measurements.engine import connect
    return connect("duckdb")
