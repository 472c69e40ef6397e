"""Latency of the analysis room's pages on a city-year: Changzhi 2019 (the city 140400 from its
assessment stations, 8,760 hours × 8 stations), signed in as the city office.

    .venv/bin/python benchmarks/bench_analysis.py [--workspace DIR] [--repeat 5]

Without ``--workspace`` it builds one in a temporary folder (the registry, Changzhi's 2019 hourly
file — about 15 s, not timed). For each page it times, in process (Starlette's TestClient, no
network): **cold** — the analysis cache emptied, so the year's daily values (HJ 663 over the store)
or hours are read again; the first page of all also pays the engine's first query — and **warm**,
the median of ``--repeat`` requests once the year is cached (what every later view of the same
target and year costs). Prints a table; nothing fails.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = [("calendar", "/analysis/calendar?unit=140400&year=2019&pollutant=AQI"),
         ("variation", "/analysis/variation?unit=140400&pollutant=PM2.5&from=2019-01-01&to=2019-12-31"),
         ("trend", "/analysis/trend?unit=140400&pollutant=PM2.5&from=2019-01-01&to=2019-12-31"),
         ("exceedance", "/analysis/exceedance?unit=140400&from=2019-01-01&to=2019-12-31"),
         ("compare", "/analysis/compare?unit=140400&pollutant=PM2.5&from=2019-01-01&to=2019-12-31&split=2019-07-01"),
         ("trend API", "/api/analysis/trend?unit=140400&pollutant=PM2.5&from=2019-01-01&to=2019-12-31"),
         ("variation CSV", "/api/analysis/variation?unit=140400&pollutant=PM2.5&from=2019-01-01&to=2019-12-31"
                           "&format=csv&table=variation")]


def build(folder: Path) -> Path:
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT))
    from lantian.datadir import find_data_dir
    from lantian.measurements.importer import import_files
    from tests.web.conftest import registry_workspace
    data = find_data_dir()
    ws = registry_workspace(folder, data)
    import_files(ws.measurements, "cnemc", [data / "cnemc" / "changzhi" / "changzhi_sites_2019_hourly.csv"])
    return ws.root


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workspace", type=Path)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    tmp = None
    root = args.workspace
    if root is None:
        tmp = tempfile.TemporaryDirectory(prefix="bench-analysis-")
        t = time.perf_counter()
        root = build(Path(tmp.name) / "ws")
        print(f"workspace built in {time.perf_counter() - t:.1f} s (not timed below)")
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT))
    from lantian.analysis import service
    from lantian.web.app import create_app
    from tests.web.conftest import page_session
    client = page_session(create_app(root), "daqiban")
    print(f"{'page':<16}{'cold ms':>10}{'warm ms (median)':>20}{'bytes':>10}")
    for name, path in PAGES:
        with service._cache_lock:
            service._cache.clear()
        t = time.perf_counter()
        r = client.get(path)
        cold = (time.perf_counter() - t) * 1000
        assert r.status_code == 200 and "analysis-error" not in r.text, (path, r.status_code, r.text[-300:])
        warm = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            client.get(path)
            warm.append((time.perf_counter() - t) * 1000)
        print(f"{name:<16}{cold:>10.0f}{statistics.median(warm):>20.0f}{len(r.content):>10}")
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
