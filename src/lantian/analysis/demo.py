"""The analysis room's demo: a met file for the wind/pollution roses (WORKSPACE/met/) — UCI Beijing's
Aotizhongxin (wind and pollutants, 2013–2017; Changzhi's stations carry no wind)."""
from __future__ import annotations

import shutil
from pathlib import Path

SOURCE = Path("uci_beijing") / "PRSA_Data_Aotizhongxin_20130301-20170228.csv"


def demo_met(ws, data: Path) -> None:
    """Copy the station's file from the data folder into the workspace's met folder, if present."""
    source = data / SOURCE
    if source.is_file():
        (ws.root / "met").mkdir(exist_ok=True)
        shutil.copy(source, ws.root / "met" / source.name)
