#!/usr/bin/env python
"""Benchmark: a city-year of forecasts — read the unit's daily values from the store (the assessment
room's HJ 663 area days over the model's four-year look-back), then the rolling-origin evaluation:
for every target day of the period, each of four variables and three lead days, a model trained on
the data before its base day and its forecast (≈ 365 × 4 × 3 = 4,380 fits), and the baselines.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_forecast.py --workspace /tmp/fc-ws --unit 140400 \\
        --from 2019-01-01 --to 2019-12-31 [--model wls|lightgbm] [--stations A,B,…] [--no-met]

Prints one JSON line: seconds reading, seconds evaluating, fits, ms per fit, peak memory (MB).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workspace", required=True)
    ap.add_argument("--unit", required=True)
    ap.add_argument("--from", dest="start", required=True)
    ap.add_argument("--to", dest="end", required=True)
    ap.add_argument("--model", default="wls")
    ap.add_argument("--stations")
    ap.add_argument("--no-met", action="store_true")
    a = ap.parse_args()
    from lantian.forecast import evaluate, met, series
    from lantian.measurements.engine import connect
    from lantian.measurements.store import Store
    from lantian.workspace import open_workspace
    ws = open_workspace(a.workspace)
    start, end = dt.date.fromisoformat(a.start), dt.date.fromisoformat(a.end)
    stations = a.stations.split(",") if a.stations else None
    t0 = time.perf_counter()
    units = series.resolve(ws.database_url, ws.config, a.unit, [s for s in stations or [] if s] or None)
    frames = series.load(Store(ws.measurements), connect(None, ws.config), units,
                         start - dt.timedelta(days=series.LOOKBACK_DAYS), end)
    metf = None if a.no_met else met.frame(ws.database_url, a.unit)[0]
    t1 = time.perf_counter()
    r = evaluate.evaluate(frames, a.unit, start, end, 3, metf, a.model)
    t2 = time.perf_counter()
    fits = sum(s["n"] for leads in r["variables"].values() for s in leads.values())
    print(json.dumps({"unit": a.unit, "from": a.start, "to": a.end, "model": a.model, "met": metf is not None,
                      "units_read": len(units.order), "read_s": round(t1 - t0, 2), "evaluate_s": round(t2 - t1, 2),
                      "fits": fits * (2 if metf is not None else 1), "ms_per_fit": round(1000 * (t2 - t1) / max(fits, 1)
                                                                        / (2 if metf is not None else 1), 2),
                      "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                      "goal": r["goal"]}, ensure_ascii=False))


if __name__ == "__main__":
    main()
