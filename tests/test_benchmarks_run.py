"""The benchmarks still run: each script's module loads and parses ``--help``, and the HJ 212 receiver's
benchmark runs end to end in its smoke mode (issue 24: it had silently broken when ``add_station`` came
to require a network). The smoke modes are described in benchmarks/README.md."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
SCRIPTS = sorted(p.name for p in BENCH.glob("*.py"))


def _run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    env.pop("LANTIAN_DATABASE_URL", None)
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT)


def test_every_benchmark_loads_and_parses_its_arguments():
    # one interpreter for all: each script's module-level code runs and its parser answers --help
    check = (
        "import contextlib, io, runpy, sys\n"
        "for name in sys.argv[1:]:\n"
        "    sys.argv = [name, '--help']\n"
        "    out = io.StringIO()\n"
        "    try:\n"
        "        with contextlib.redirect_stdout(out):\n"
        "            runpy.run_path(f'benchmarks/{name}', run_name='__main__')\n"
        "    except SystemExit as e:\n"
        "        assert e.code in (0, None), (name, e.code)\n"
        "    assert 'usage:' in out.getvalue(), (name, out.getvalue()[-300:])\n"
        "    print('ok', name)\n")
    assert len(SCRIPTS) >= 10
    done = _run("-c", check, *SCRIPTS)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == [w for name in SCRIPTS for w in ("ok", name)]


def test_the_hj212_benchmark_runs_in_smoke_mode():
    done = _run(str(BENCH / "bench_hj212.py"), "--smoke")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "smoke: every packet answered" in done.stdout
    for phase in ("minute", "sustained", "burst"):
        assert re.search(rf"^{phase}\s+lantian\s+\d+", done.stdout, re.M), done.stdout
    assert re.search(r"CPU per packet: receiver [\d.]+ µs", done.stdout)
    assert "store lag after the last answer: inf" not in done.stdout      # the builder caught up
