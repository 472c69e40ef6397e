"""Charts as PNG files — the document service's drawing board: matplotlib (Agg), a Chinese font from Debian.

The font is the Noto Sans CJK of Debian's ``fonts-noto-cjk`` (installed with the system, never
downloaded at run time); without it the charts would show boxes, so :func:`cjk_font` refuses
with a message naming the package. Colours of AQI follow HJ 633—2012 表2 (优 绿 … 严重污染 褐红).
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402

from lantian.errors import UsageError  # noqa: E402

FONT_FILE = "NotoSansCJK-Regular.ttc"
FONT_PACKAGE = "fonts-noto-cjk"
DPI = 150
#: HJ 633—2012 表2: AQI class upper bounds and colours
AQI_CLASSES = ((50, "优", "#00e400"), (100, "良", "#ffff00"), (150, "轻度污染", "#ff7e00"),
               (200, "中度污染", "#ff0000"), (300, "重度污染", "#99004c"), (10**9, "严重污染", "#7e0023"))


def cjk_font() -> font_manager.FontProperties:
    """The Noto Sans CJK face (found through matplotlib's font manager)."""
    for path in font_manager.findSystemFonts(fontext="ttc") + font_manager.findSystemFonts():
        if Path(path).name == FONT_FILE:
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path)
    raise UsageError(f"no Chinese font for the charts: {FONT_FILE} not found — "
                     f"install the Debian package {FONT_PACKAGE} (apt-get install {FONT_PACKAGE})")


def setup():
    """matplotlib set to the Chinese face (minus signs as hyphens); the face."""
    font = cjk_font()
    plt.rcParams["font.family"] = font.get_name()
    plt.rcParams["axes.unicode_minus"] = False
    return font


def save(fig, out: Path) -> Path:
    """Write the figure as PNG at ``out`` (folders made) and close it."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return out


def aqi_colour(aqi: int | None) -> str:
    """The HJ 633 colour of an AQI value (grey when there is none)."""
    if aqi is None:
        return "#d9d9d9"
    return next(c for top, _, c in AQI_CLASSES if aqi <= top)
