"""Charts of the monthly bulletin as PNG files: matplotlib (Agg), a Chinese font from Debian.

The font is the Noto Sans CJK of Debian's ``fonts-noto-cjk`` (installed with the system, never
downloaded at run time); without it the charts would show boxes, so :func:`cjk_font` refuses
with a message naming the package. Colours of AQI follow HJ 633—2012 表2 (优 绿 … 严重污染 褐红).
"""
from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.collections import PatchCollection  # noqa: E402
from matplotlib.patches import Polygon, Rectangle  # noqa: E402

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


def _setup():
    font = cjk_font()
    plt.rcParams["font.family"] = font.get_name()
    plt.rcParams["axes.unicode_minus"] = False
    return font


def _save(fig, out: Path) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return out


def aqi_colour(aqi: int | None) -> str:
    if aqi is None:
        return "#d9d9d9"
    return next(c for top, _, c in AQI_CLASSES if aqi <= top)


def pm25_bars(monthly: list[dict], target: float | None, out: Path, *, year: int) -> Path:
    """Monthly PM2.5 (bars) against the year's target (line)."""
    _setup()
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    months = [m["month"] for m in monthly]
    values = [m["pm25"] or 0 for m in monthly]
    ax.bar([f"{m}月" for m in months], values, color="#4a7ebb", width=0.6, label="PM2.5月均浓度")
    for x, v in enumerate(values):
        ax.text(x, v, f"{v:g}", ha="center", va="bottom", fontsize=8)
    if target is not None:
        ax.axhline(target, color="#c00000", linestyle="--", label=f"年度目标 {target:g}")
    ax.set_ylabel("μg/m³")
    ax.set_title(f"{year}年PM2.5月均浓度与年度目标")
    ax.legend(loc="upper right", fontsize=8)
    return _save(fig, out)


def aqi_calendar(days: list[dict], year: int, month: int, out: Path) -> Path:
    """The month as a calendar (Monday first), each day coloured by its AQI class."""
    _setup()
    by_day = {dt.date.fromisoformat(d["date"]).day: d for d in days}
    weeks = calendar.Calendar(firstweekday=0).monthdayscalendar(year, month)
    fig, ax = plt.subplots(figsize=(6.4, 0.9 * len(weeks) + 1.0))
    for w, week in enumerate(weeks):
        for k, day in enumerate(week):
            if not day:
                continue
            d = by_day.get(day, {})
            aqi = d.get("aqi")
            ax.add_patch(Rectangle((k, -w), 0.95, 0.9, color=aqi_colour(aqi)))
            ax.text(k + 0.05, -w + 0.72, str(day), fontsize=7)
            ax.text(k + 0.47, -w + 0.3, "—" if aqi is None else str(aqi), ha="center", fontsize=9,
                    color="white" if aqi is not None and aqi > 200 else "black")
    for k, name in enumerate("一二三四五六日"):
        ax.text(k + 0.47, 1.05, name, ha="center", fontsize=9)
    ax.set_xlim(-0.1, 7)
    ax.set_ylim(-len(weeks) + 0.8, 1.4)
    ax.axis("off")
    handles = [Rectangle((0, 0), 1, 1, color=c) for _, _, c in AQI_CLASSES]
    ax.legend(handles, [n for _, n, _ in AQI_CLASSES], loc="upper center", bbox_to_anchor=(0.5, 0.0),
              ncol=6, fontsize=7, frameon=False)
    ax.set_title(f"{year}年{month}月逐日空气质量指数（AQI）")
    return _save(fig, out)


def _rings(geometry: dict) -> list[list]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [poly[0] for poly in geometry["coordinates"]]
    return []


def county_map(areas: list[tuple[str, str, dict]], values: dict[str, float | None], out: Path, *, title: str) -> Path:
    """County polygons (GeoJSON geometries, no tiles) coloured by the composite index."""
    _setup()
    fig, ax = plt.subplots(figsize=(5.6, 5.6))
    present = [v for v in values.values() if v is not None]
    cmap = matplotlib.colormaps["YlOrRd"]
    norm = matplotlib.colors.Normalize(vmin=min(present, default=0), vmax=max(present, default=1) or 1)
    for code, name, geometry in areas:
        v = values.get(code)
        colour = "#e0e0e0" if v is None else cmap(norm(v))
        patches = [Polygon(ring, closed=True) for ring in _rings(geometry)]
        ax.add_collection(PatchCollection(patches, facecolor=colour, edgecolor="#555555", linewidth=0.6))
        xs = [p[0] for ring in _rings(geometry) for p in ring]
        ys = [p[1] for ring in _rings(geometry) for p in ring]
        if xs:
            ax.text(sum(xs) / len(xs), sum(ys) / len(ys), name if v is None else f"{name}\n{v:.2f}",
                    ha="center", va="center", fontsize=7)
    ax.autoscale_view()
    ax.set_aspect("equal")
    ax.axis("off")
    if present:
        sm = matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap)
        fig.colorbar(sm, ax=ax, shrink=0.6, label="综合指数")
    ax.set_title(title)
    return _save(fig, out)


def primary_share(counts: dict[str, int], out: Path, *, title: str) -> Path:
    """Share of primary-pollutant days (首要污染物天数占比)."""
    _setup()
    fig, ax = plt.subplots(figsize=(4.8, 3.6))
    labels = list(counts)
    ax.pie([counts[k] for k in labels], labels=[f"{k}（{counts[k]}天）" for k in labels], autopct="%1.1f%%",
           startangle=90, textprops={"fontsize": 8})
    ax.set_title(title)
    ax.axis("equal")
    return _save(fig, out)
