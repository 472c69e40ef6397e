"""PMF with EPA's ESAT, as a program of its own: ``.venv-esat/bin/python runner.py IN.json OUT.json``.

Only the ESAT environment (``.venv-esat``, from ``requirements-esat.lock``) runs this file; it imports
nothing of lantian (that environment does not have it) — only the standard library, numpy and esat.
lantian prepares the matrices (species categorised, weak uncertainties tripled, bad species out)
and writes IN.json; this program runs ESAT and writes OUT.json:

- the base runs (``esat.model.batch_sa.BatchSA``, ls-nmf by default), each with its seed, Q(true),
  Q(robust), convergence and steps, and the best run by Q(robust) (ESAT's ``best_robust``);
- the best run's contributions W (samples × factors) and profiles H (factors × species);
- bootstrap (``esat.error.bootstrap.Bootstrap``): block resampling, each run's factors mapped to the
  base factors by correlation ≥ the threshold, Q(robust) per run, the profile percentiles per
  base factor over the runs mapped to it;
- displacement (``esat.error.displacement.Displacement``) when asked: each profile value's interval
  at dQ = 4 (and the others) and the factor swaps per dQ.
"""
from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import sys
import time


def _quiet():
    """ESAT logs and redraws the terminal; lantian reads only OUT.json."""
    logging.disable(logging.CRITICAL)
    return contextlib.redirect_stdout(io.StringIO())


def _floats(a) -> list:
    import numpy as np
    return np.asarray(a, dtype=float).round(8).tolist()


def base_runs(V, U, s: dict):
    from esat.model.batch_sa import BatchSA
    cores = int(s.get("cores") or 1)
    batch = BatchSA(V=V, U=U, factors=s["factors"], models=s["runs"], method=s.get("method", "ls-nmf"),
                    seed=s["seed"], init_method=s.get("init_method", "column_mean"), max_iter=s["max_iter"],
                    converge_delta=s["converge_delta"], converge_n=s["converge_n"], best_robust=True,
                    parallel=cores > 1, cores=cores, verbose=False)
    ok, why = batch.train()
    if not ok:
        raise RuntimeError(why)
    runs = [{"model": i + 1, "seed": int(r.seed), "q_true": float(r.Qtrue), "q_robust": float(r.Qrobust),
             "converged": bool(r.converged), "steps": int(r.converge_steps)}
            for i, r in enumerate(batch.results) if r is not None]
    return batch, runs


def block_size(V, asked) -> int:
    if asked:
        return int(asked)
    import math

    import numpy as np
    from esat.model.recombinator import optimal_block_length
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            found = [b.b_star_cb for b in optimal_block_length(V)]
        size = math.floor(float(np.nanmean(found)))
    except (ValueError, FloatingPointError):
        size = 0
    return max(size, 1)


def bootstrap(best, V, species: list[str], s: dict) -> dict:
    import numpy as np
    from esat.error.bootstrap import Bootstrap
    b = s["bootstrap"]
    cores = int(s.get("cores") or 1)
    size = block_size(V, b.get("block_size"))
    bs = Bootstrap(sa=best, feature_labels=species, model_selected=s["best"], bootstrap_n=b["runs"], block_size=size,
                   threshold=b["threshold"], parallel=cores > 1, cpus=cores,
                   seed=b.get("seed") if b.get("seed") is not None else s["seed"])
    bs.run(keep_H=True, reuse_seed=True, block=True, overlapping=False)
    k = best.H.shape[0]
    mapping = np.zeros((k, k), dtype=int)                  # boot factor × base factor
    unmapped = np.zeros(k, dtype=int)
    mapped_runs = np.zeros(k, dtype=int)                   # per base factor: runs with a boot factor mapped to it
    profiles = {j: [] for j in range(k)}
    q_robust = []
    for _, result in sorted(bs.bs_results.items()):
        q_robust.append(float(result["model"].Qrobust))
        hit = set()
        H = result["model"].H
        for i, m in result["mapping"].items():
            if m["mapped"]:
                mapping[i, m["match"]] += 1
                hit.add(m["match"])
                profiles[m["match"]].append(H[i])
            else:
                unmapped[i] += 1
        for j in hit:
            mapped_runs[j] += 1
    percentiles = {}
    for q in (5, 25, 50, 75, 95):
        rows = []
        for j in range(k):
            rows.append(_floats(np.percentile(np.array(profiles[j]), q, axis=0)) if profiles[j] else None)
        percentiles[f"p{q}"] = rows
    return {"runs": b["runs"], "block_size": size, "threshold": b["threshold"], "mapping": mapping.tolist(),
            "unmapped": unmapped.tolist(), "mapped_runs": mapped_runs.tolist(), "q_robust": q_robust,
            "profiles": percentiles}


def displacement(best, species: list[str], s: dict) -> dict:
    from esat.error.displacement import Displacement
    d = s["disp"]
    cores = int(s.get("cores") or 1)
    disp = Displacement(sa=best, feature_labels=species, model_selected=s["best"], max_search=d.get("max_search", 50),
                        threshold_dQ=d.get("threshold_dQ", 0.1), features=d.get("features"), cores=cores,
                        parallel=cores > 1)
    disp.run()
    table = disp.compiled_results
    out = {}
    for dq in disp.dQmax:
        rows = table[table["dQ"] == dq]
        out[str(dq)] = {"factor": rows["factor"].astype(int).tolist(), "species": rows["feature"].astype(str).tolist(),
                        "profile": _floats(rows["profile"]), "min": _floats(rows["profile_min"]),
                        "max": _floats(rows["profile_max"]), "dq_drop": _floats(rows["dQ_drop"])}
    swaps = (100 * disp.swap_table / disp.count_table.clip(min=1)).round(2)
    return {"intervals": out, "dq": list(reversed(disp.dQmax)), "swap_percent": swaps.tolist(),
            "largest_dq_drop": float(table["dQ_drop"].min()), "features": d.get("features")}


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: runner.py IN.json OUT.json", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as fh:
        s = json.load(fh)
    import importlib.metadata

    import numpy as np
    # Column-major, as ESAT's DataHandler hands them over: its Rust update reads the matrices in
    # that order — the same data row-major gave Q(true) 2.8e9 against 2.5e4 (Baltimore, K = 6).
    V = np.asfortranarray(s["V"], dtype=np.float32)
    U = np.asfortranarray(s["U"], dtype=np.float32)
    out = {"esat_version": importlib.metadata.version("esat"), "numpy_version": np.__version__, "seconds": {}}
    t0 = time.perf_counter()
    with _quiet():
        batch, runs = base_runs(V, U, s)
    out["seconds"]["base"] = round(time.perf_counter() - t0, 2)
    best = batch.results[batch.best_model]
    s["best"] = batch.best_model
    out.update(runs=runs, best=batch.best_model + 1, q_true=float(best.Qtrue), q_robust=float(best.Qrobust),
               W=_floats(best.W), H=_floats(best.H))
    if s.get("bootstrap", {}).get("runs"):
        t1 = time.perf_counter()
        with _quiet():
            out["bootstrap"] = bootstrap(best, V, s["species"], s)
        out["seconds"]["bootstrap"] = round(time.perf_counter() - t1, 2)
    if s.get("disp", {}).get("run"):
        t2 = time.perf_counter()
        with _quiet():
            out["displacement"] = displacement(best, s["species"], s)
        out["seconds"]["displacement"] = round(time.perf_counter() - t2, 2)
    tmp = argv[2] + ".part"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(out, fh)
    os.replace(tmp, argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
