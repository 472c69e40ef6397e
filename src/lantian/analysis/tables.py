"""Each analysis as flat rows (header, rows): what ``-o FILE.csv`` writes and what each chart's
「下载数据 CSV」 serves — the numbers behind the chart, one row per plotted value."""
from __future__ import annotations

import csv
import io
from pathlib import Path


def calendar_rows(r: dict) -> tuple[list[str], list[list]]:
    return (["date", r["pollutant"], "category", "colour"],
            [[c["date"], c["value"], c["category"], c["colour"]] for c in r["cells"]])


def variation_rows(r: dict) -> tuple[list[str], list[list]]:
    rows = []
    for panel in ("diurnal", "diurnal_weekday", "diurnal_weekend", "weekday", "month"):
        for g in r[panel]:
            rows.append([panel, g["key"], g["label"], g["mean"], g["lower"], g["upper"], g["n"]])
    return ["panel", "key", "label", "mean", "lower", "upper", "n"], rows


def trend_level_rows(r: dict) -> tuple[list[str], list[list]]:
    return ["month", "hour", "mean", "n"], [[c["month"], c["hour"], c["mean"], c["n"]] for c in r["trend_level"]["cells"]]


def trend_rows(r: dict) -> tuple[list[str], list[list]]:
    head = ["period", "value", "observed", "days", "fitted", "slope_per_year", "lower", "upper", "p"]
    rows = []
    for m in r["series"]:
        year = int(m["period"][:4]) + (int(m["period"][5:7]) - 1) / 12
        fitted = round(r["intercept"] + r["slope_per_year"] * year, 3)
        rows.append([m["period"], m["value"], m["observed"], m["days"], fitted, r["slope_per_year"], r["lower"],
                     r["upper"], r["p"]])
    return head, rows


def exceedance_rows(r: dict) -> tuple[list[str], list[list]]:
    head = ["pollutant", "n", "mean", "max", "p50", "p90", "p95", "p98", "p99", "evaluation_percentile",
            "evaluation_value", "standard", "limit", "days_over", "rate"]
    rows = []
    for row in r["rows"]:
        for s in row["standards"]:
            rows.append([row["pollutant"], row["n"], row["mean"], row["max"], row.get("p50"), row.get("p90"),
                         row.get("p95"), row.get("p98"), row.get("p99"), row["evaluation_percentile"],
                         row["evaluation_value"], s["standard"], s["limit"], s["days_over"], s["rate"]])
    return head, rows


def compare_rows(r: dict) -> tuple[list[str], list[list]]:
    head = ["side", "code", "from", "to", "n", "mean", "difference", "lower", "upper", "welch_lower", "welch_upper", "paired"]
    return head, [["A", r["a"]["code"], r["a"]["from"], r["a"]["to"], r["n_a"], r["mean_a"], "", "", "", "", "", r["paired"]],
                  ["B", r["b"]["code"], r["b"]["from"], r["b"]["to"], r["n_b"], r["mean_b"], r["difference"], r["lower"],
                   r["upper"], r["welch_lower"], r["welch_upper"], r["paired"]]]


def rose_rows(r: dict, which: str = "wind_rose") -> tuple[list[str], list[list]]:
    if which == "polar":
        p = r["polar"]
        return ["speed_band", "sector", "mean", "n"], [[p["bands"][c["band"]], p["sectors"][c["sector"]], c["mean"], c["n"]]
                                                       for c in p["cells"]]
    rose = r[which]
    rows = [[band, sector, rose["frequency"][b][k]] for b, band in enumerate(rose["bands"])
            for k, sector in enumerate(rose["sectors"])]
    if which == "wind_rose":
        rows.append(["calm", "", rose["calm"]])
    return ["band", "sector", "percent"], rows


ROWS = {"calendar": calendar_rows, "variation": variation_rows, "trend-level": trend_level_rows,
        "trend": trend_rows, "exceedance": exceedance_rows, "compare": compare_rows}


def to_csv(head: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(head)
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


def write_csv(path: Path, head: list[str], rows: list[list]) -> None:
    """Written whole or not at all (a temporary file renamed into place)."""
    import os
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(to_csv(head, rows), encoding="utf-8-sig")
    os.replace(tmp, path)
