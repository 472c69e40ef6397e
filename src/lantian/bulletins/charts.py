"""The monthly bulletin's charts (月度通报图表) as PNG files, drawn on the document service's board
(:mod:`lantian.documents.charts`: matplotlib, the Chinese face, HJ 633 AQI colours)."""
from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

import matplotlib

from lantian.documents.charts import AQI_CLASSES, aqi_colour, save, setup  # (sets the Agg backend first)

from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.collections import PatchCollection  # noqa: E402
from matplotlib.patches import Polygon, Rectangle  # noqa: E402


def pm25_bars(monthly: list[dict], target: float | None, out: Path, *, year: int) -> Path:
    """Monthly PM2.5 (bars) against the year's target (line)."""
    setup()
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
    return save(fig, out)


def aqi_calendar(days: list[dict], year: int, month: int, out: Path) -> Path:
    """The month as a calendar (Monday first), each day coloured by its AQI class."""
    setup()
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
    return save(fig, out)


def _rings(geometry: dict) -> list[list]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [poly[0] for poly in geometry["coordinates"]]
    return []


def county_map(areas: list[tuple[str, str, dict]], values: dict[str, float | None], out: Path, *, title: str) -> Path:
    """County polygons (GeoJSON geometries, no tiles) coloured by the composite index."""
    setup()
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
    return save(fig, out)


def primary_share(counts: dict[str, int], out: Path, *, title: str) -> Path:
    """Share of primary-pollutant days (首要污染物天数占比)."""
    setup()
    fig, ax = plt.subplots(figsize=(4.8, 3.6))
    labels = list(counts)
    ax.pie([counts[k] for k in labels], labels=[f"{k}（{counts[k]}天）" for k in labels], autopct="%1.1f%%",
           startangle=90, textprops={"fontsize": 8})
    ax.set_title(title)
    ax.axis("equal")
    return save(fig, out)
