"""The dust-fall room's demo: Changzhi's published county dust fall (降尘) of October 2021, the first real
case, imported from the data folder as ``lantian dustfall import`` does. Re-running changes nothing."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from lantian import db
from lantian.dustfall import service as dustfall
from lantian.dustfall.models import DustfallValue

PERIOD = "2021-10"


def demo_dustfall(url: str, data: Path) -> int:
    """Import ``dustfall/changzhi_dustfall_2021-10.csv`` of the data folder; the rows imported (0 when
    the file is missing or the month is in already)."""
    path = data / "dustfall" / f"changzhi_dustfall_{PERIOD}.csv"
    if not path.is_file():
        return 0
    with db.session(url) as s:
        if s.scalar(sa.select(sa.func.count()).select_from(DustfallValue).where(DustfallValue.period == PERIOD)):
            return 0
        return dustfall.import_file(s, path, period=PERIOD, actor="demo")["rows"]
