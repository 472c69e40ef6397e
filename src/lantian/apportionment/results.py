"""What a PMF run says, from ESAT's output and the prepared data: Q(true), Q(robust) and
Q(expected); the profiles (concentration and % of species); the contributions as a time series and
by season and weekday (in the total variable's unit when there is one, e.g. µg/m³ of PM2.5); the
scaled residuals per species; the bootstrap mapping of every factor (reproducible when mapped in ⚠
80 % of the runs, the guide's rule of thumb) and the displacement intervals when run."""
from __future__ import annotations

import datetime as dt

import numpy as np

from lantian.apportionment.prepare import Prepared, q_expected

SEASONS = {12: "冬季", 1: "冬季", 2: "冬季", 3: "春季", 4: "春季", 5: "春季", 6: "夏季", 7: "夏季", 8: "夏季",
           9: "秋季", 10: "秋季", 11: "秋季"}
SEASON_ORDER = ("春季", "夏季", "秋季", "冬季")
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
REPRODUCIBLE = 0.8


def _r(x, places: int = 6):
    return np.round(np.asarray(x, dtype=float), places).tolist()


def contributions(W: np.ndarray, H: np.ndarray, prepared: Prepared) -> tuple[np.ndarray, str]:
    """Per sample and factor: the mass of the total variable (W × its profile value), else the sum
    over the species of the factor's reconstructed concentrations."""
    if prepared.total:
        t = prepared.species.index(prepared.total)
        return W * H[:, t], prepared.total
    return W * H.sum(axis=1), "物种浓度之和"


def _means(values: np.ndarray, keys: list, order) -> list[dict]:
    """Mean contribution per factor for each key in ``order`` that has samples (a list: order matters)."""
    out = []
    for key in order:
        rows = [i for i, k in enumerate(keys) if k == key]
        if rows:
            out.append({"key": key, "samples": len(rows), "mean": _r(values[rows].mean(axis=0), 4)})
    return out


def derive(out: dict, prepared: Prepared, labels: list[str], times: list[dt.datetime] | None, factors: int) -> dict:
    W, H = np.asarray(out["W"]), np.asarray(out["H"])
    V, U = np.asarray(prepared.V), np.asarray(prepared.U)
    species = prepared.species
    contrib, basis = contributions(W, H, prepared)
    total = contrib.sum()
    percent = (contrib.sum(axis=0) / total * 100) if total > 0 else np.zeros(factors)
    share = H / np.where(H.sum(axis=0) > 0, H.sum(axis=0), 1)
    scaled = (V - W @ H) / U
    predicted = W @ H
    r2 = []
    for j in range(len(species)):
        c = np.corrcoef(V[:, j], predicted[:, j])[0, 1] if V[:, j].std() > 0 and predicted[:, j].std() > 0 else 0.0
        r2.append(float(c * c))
    qexp = q_expected(prepared, factors)
    result = {
        "q_true": round(out["q_true"], 4), "q_robust": round(out["q_robust"], 4), "q_expected": qexp,
        "q_ratio": round(out["q_true"] / qexp, 4) if qexp > 0 else None,
        "runs": out["runs"], "best": out["best"],
        "species": species, "factors": factors,
        "profiles": [{"factor": k + 1, "concentration": _r(H[k]), "percent_of_species": _r(share[k] * 100, 3)}
                     for k in range(factors)],
        "contributions": {"basis": basis, "labels": labels, "values": _r(contrib, 5),
                          "normalized": _r(W / np.where(W.mean(axis=0) > 0, W.mean(axis=0), 1), 5),
                          "mean": _r(contrib.mean(axis=0), 5), "percent": _r(percent, 2)},
        "residuals": [{"species": s, "mean_scaled": round(float(scaled[:, j].mean()), 4),
                       "beyond_3": int((np.abs(scaled[:, j]) > 3).sum()), "r2": round(r2[j], 4)}
                      for j, s in enumerate(species)],
    }
    if times:
        result["by_season"] = _means(contrib, [SEASONS[t.month] for t in times], SEASON_ORDER)
        result["by_weekday"] = _means(contrib, [WEEKDAYS[t.weekday()] for t in times], WEEKDAYS)
    else:
        result["by_season"] = result["by_weekday"] = None
    bs = out.get("bootstrap")
    if bs:
        n = bs["runs"]
        result["bootstrap"] = {
            "runs": n, "block_size": bs["block_size"], "threshold_r2": bs["threshold"],
            "mapping": bs["mapping"], "unmapped": bs["unmapped"],
            "factors": [{"factor": k + 1, "mapped_runs": bs["mapped_runs"][k],
                         "mapped_percent": round(100 * bs["mapped_runs"][k] / n, 1) if n else None,
                         "reproducible": bool(n and bs["mapped_runs"][k] / n >= REPRODUCIBLE),
                         "p5": bs["profiles"]["p5"][k], "p50": bs["profiles"]["p50"][k],
                         "p95": bs["profiles"]["p95"][k]} for k in range(factors)],
            "q_robust": {"min": round(min(bs["q_robust"]), 2), "median": round(float(np.median(bs["q_robust"])), 2),
                         "max": round(max(bs["q_robust"]), 2)} if bs["q_robust"] else None}
    else:
        result["bootstrap"] = None
    disp = out.get("displacement")
    if disp:
        four = disp["intervals"]["4"]
        per = [{"factor": k + 1, "swap_percent": {str(dq): disp["swap_percent"][i][k] for i, dq in enumerate(disp["dq"])},
                "min": [None] * len(species), "max": [None] * len(species)} for k in range(factors)]
        ran = set(disp["features"]) if disp.get("features") is not None else set(range(len(species)))
        for f, s, lo, hi in zip(four["factor"], four["species"], four["min"], four["max"]):
            if species.index(s) in ran:                   # ESAT repeats the profile for the species not displaced
                per[f]["min"][species.index(s)] = lo
                per[f]["max"][species.index(s)] = hi
        result["displacement"] = {"dq": disp["dq"], "largest_dq_drop": disp["largest_dq_drop"], "factors": per,
                                  "features": disp.get("features")}
    else:
        result["displacement"] = None
    return result
