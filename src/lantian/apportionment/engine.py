"""How lantian runs ESAT: in its own environment (``.venv-esat``, built by ``make setup`` from
``requirements-esat.lock``), as a subprocess given a JSON file in and reading a JSON file out
(:mod:`lantian.apportionment.runner`). The environment's Python is ``$LANTIAN_ESAT_PYTHON``, else
``lantian.toml [apportionment] python``, else ``.venv-esat/bin/python`` beside the source tree."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from lantian.errors import UsageError

RUNNER = Path(__file__).with_name("runner.py")
HINT = "build it with `make setup` (it makes .venv-esat from requirements-esat.lock), or name its Python with " \
       "LANTIAN_ESAT_PYTHON or lantian.toml [apportionment] python"


def esat_python(config: dict | None = None) -> Path:
    named = os.environ.get("LANTIAN_ESAT_PYTHON") or ((config or {}).get("apportionment") or {}).get("python")
    if named:
        path = Path(named)
        if not path.is_file():
            raise UsageError(f"the ESAT Python {path} does not exist: {HINT}")
        return path
    for folder in Path(__file__).resolve().parents:
        candidate = folder / ".venv-esat" / "bin" / "python"
        if candidate.is_file():
            return candidate
    raise UsageError(f"no ESAT environment (.venv-esat) found: {HINT}")


def run(payload: dict, folder: Path, python: Path, timeout: float | None = None) -> dict:
    """Run the runner on ``payload`` in ``folder`` (in.json, out.json and esat.log stay there)."""
    folder.mkdir(parents=True, exist_ok=True)
    inp, out, log = folder / "in.json", folder / "out.json", folder / "esat.log"
    inp.write_text(json.dumps(payload), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    with log.open("w", encoding="utf-8") as fh:
        try:
            done = subprocess.run([str(python), str(RUNNER), str(inp), str(out)], stdout=fh, stderr=subprocess.STDOUT,
                                  env=env, cwd=folder, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise UsageError(f"ESAT did not finish within {timeout:g} s (log: {log})") from None
    if done.returncode != 0 or not out.is_file():
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        raise UsageError(f"ESAT failed (exit {done.returncode}); log {log}: " + " | ".join(tail))
    return json.loads(out.read_text(encoding="utf-8"))
