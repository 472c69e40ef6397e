"""``python -m lantian`` is the ``lantian`` command with every room mounted (issue 23 §4)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", "COLUMNS": "200"}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=300)


def test_python_dash_m_lantian_mounts_the_rooms():
    done = _run("-m", "lantian", "plan", "--help")
    assert done.returncode == 0, done.stderr
    assert "lantian plan" in done.stdout            # named as the installed command, not __main__.py
    for command in ("import", "status", "milestone"):
        assert command in done.stdout


def test_python_dash_m_lantian_cli_also_mounts_the_rooms():
    done = _run("-m", "lantian.cli", "alert", "--help")
    assert done.returncode == 0, done.stderr
    assert "No such command" not in done.stderr
