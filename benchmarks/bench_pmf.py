#!/usr/bin/env python
"""Benchmark: PMF on EPA's Baltimore PM2.5 example (630 samples × 26 species), K = 6, 7, 8, 20 base
runs each — time and memory.

  lantian        `lantian pmf run` as an office runs it: read and check the files, categorise the
                 species, ESAT in its own environment (subprocess), derive the results, suggest the
                 names, store the run (files, settings, outputs) in a workspace;
  ESAT directly  the alternative an analyst would pick: ESAT's DataHandler and BatchSA in a script
                 of the ESAT environment with the same K, runs, seed and convergence settings —
                 the same base runs without lantian around them (its Q(robust) is printed beside
                 lantian's: they differ only by lantian's species categories; --same-categories runs
                 lantian with every species strong and no total variable, the way DataHandler does,
                 and then the two best Q must be equal).

Peak memory: ru_maxrss from wait4 (lantian: its own process or the ESAT subprocess, the larger).
Bootstrap is off here (--bootstrap N adds it to lantian's runs).

    .venv/bin/python benchmarks/bench_pmf.py [--data DIR] [--factors 6 7 8] [--runs 20] [--same-categories]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DIRECT = r"""
import json, logging, sys, time, contextlib, io
logging.disable(logging.CRITICAL)
from esat.data.datahandler import DataHandler
from esat.model.batch_sa import BatchSA
conc, unc, k, runs, seed, max_iter, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
t = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    dh = DataHandler(conc, unc, index_col="Date")
    V, U = dh.get_data()
    b = BatchSA(V=V, U=U, factors=k, models=runs, seed=seed, max_iter=max_iter, converge_delta=0.1, converge_n=100,
                parallel=False, verbose=False)
    b.train()
best = b.results[b.best_model]
open(out, "w").write(json.dumps({"work_s": time.perf_counter() - t, "q_robust": float(best.Qrobust), "q_true": float(best.Qtrue)}))
"""


def measured(cmd: list[str]) -> tuple[str, float, float]:
    """Output, wall time and peak RSS (MiB) of one process and the processes it waited for (wait4)."""
    t = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        if status:
            raise SystemExit(f"failed: {' '.join(cmd[:4])} …")
        out.seek(0)
        return out.read(), wall, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--factors", type=int, nargs="+", default=[6, 7, 8])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--direct-factors", type=int, nargs="*", default=[6], help="the K's ESAT also runs directly")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--max-iter", type=int, default=20000)
    ap.add_argument("--bootstrap", type=int, default=0)
    ap.add_argument("--same-categories", action="store_true")
    args = ap.parse_args()
    from lantian.apportionment.engine import esat_python
    from lantian.datadir import find_data_dir
    pmf = find_data_dir(args.data) / "pmf"
    conc, unc = pmf / "Dataset-Baltimore_con.txt", pmf / "Dataset-Baltimore_unc.txt"
    lantian = Path(sys.executable).with_name("lantian")
    python = esat_python()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-pmf-") as tmp:
        for k in args.factors:
            cmd = [str(lantian), "pmf", "run", str(conc), str(unc), "--factors", str(k), "--runs", str(args.runs),
                   "--seed", str(args.seed), "--max-iter", str(args.max_iter), "--bootstrap", str(args.bootstrap),
                   "--json", "-w", str(Path(tmp) / f"ws-{k}")]
            if args.same_categories:
                cmd += ["--total", "none"] + [x for s in reader_species(conc) for x in ("--strong", s)]
            out, wall, peak = measured(cmd)
            r = json.loads(out)
            rows.append((k, "lantian", wall, peak, r["q_robust"], r["record"]["seconds"]["base"]))
            print(f"K={k} lantian        {wall:8.1f} s  peak {peak:6.0f} MiB  Q(robust) {r['q_robust']:,.1f}  "
                  f"(ESAT base runs {r['record']['seconds']['base']:.1f} s)", flush=True)
            if k not in args.direct_factors:
                continue
            result = Path(tmp) / f"direct-{k}.json"          # ESAT's Rust writes terminal codes to stdout
            _, wall, peak = measured([str(python), "-c", DIRECT, str(conc), str(unc), str(k), str(args.runs),
                                      str(args.seed), str(args.max_iter), str(result)])
            d = json.loads(result.read_text())
            rows.append((k, "ESAT directly", wall, peak, d["q_robust"], d["work_s"]))
            print(f"K={k} ESAT directly  {wall:8.1f} s  peak {peak:6.0f} MiB  Q(robust) {d['q_robust']:,.1f}", flush=True)
    print()
    print(f"{'K':>2} {'contender':<14} {'wall s':>8} {'× ESAT':>7} {'peak MiB':>9} {'Q(robust)':>12}")
    for k in args.factors:
        mine = [r for r in rows if r[0] == k]
        direct = next((r for r in mine if r[1] == "ESAT directly"), None)
        for r in mine:
            ratio = f"{r[2] / direct[2]:>7.2f}" if direct else f"{'—':>7}"
            print(f"{k:>2} {r[1]:<14} {r[2]:>8.1f} {ratio} {r[3]:>9.0f} {r[4]:>12,.1f}")
    print("(peak MiB: ru_maxrss from wait4 — the process and the processes it waited for)")


def reader_species(conc: Path) -> list[str]:
    from lantian.apportionment.reader import read_matrix
    return read_matrix(conc).species


if __name__ == "__main__":
    main()
