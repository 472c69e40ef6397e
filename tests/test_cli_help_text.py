"""Text in square brackets (a lantian.toml section) survives Rich's markup in the CLI: the worker's
help names [schedule], `inventory factors` names [inventory.parameters] — Rich used to drop both."""
from __future__ import annotations

from typer.testing import CliRunner

from lantian.cli import app

runner = CliRunner()


def test_worker_help_names_the_schedule_section():
    r = runner.invoke(app, ["worker", "--help"], env={"COLUMNS": "200"})
    assert r.exit_code == 0 and "jobs of [schedule] in lantian.toml" in r.output, r.output


def test_inventory_factors_names_the_parameters_section(tmp_path):
    r = runner.invoke(app, ["inventory", "factors", "-w", str(tmp_path / "ws")], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "lantian.toml [inventory.parameters]" in r.output
