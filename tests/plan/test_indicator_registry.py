"""Rooms register their indicators through one entry point: the registry is built from the installed
rooms (every ``lantian.<room>.indicators``), so a new room needs no edit elsewhere (issue 23 §4)."""
from __future__ import annotations

import sys
from pathlib import Path

import lantian
from lantian.plan import indicators

SRC = Path(lantian.__file__).parent


def test_every_room_with_an_indicators_module_is_a_provider():
    on_disk = sorted(f"lantian.{p.parent.name}.indicators" for p in SRC.glob("*/indicators.py")
                     if p.parent.name != "plan")
    assert indicators.providers() == on_disk
    assert "lantian.assessment.indicators" in on_disk            # 序时进度 lives in its room, not in plan
    assert {"pm25_schedule", "good_day_schedule", "dustfall", "fires", "ledger_rule"} <= set(indicators.registry())


def test_a_new_room_registers_itself(tmp_path, monkeypatch):
    room = tmp_path / "newroom"
    room.mkdir()
    (room / "__init__.py").write_text('"""A room added after the fact."""\n', encoding="utf-8")
    (room / "indicators.py").write_text(
        "from lantian.plan.indicators import Citation, Indicator, register\n"
        "from lantian.plan.status import Measured\n"
        "register(Indicator('new_thing', '新指标', ('unit',), lambda ctx, p: Measured('new_thing', p, True, '1', '好')))\n"
        "def citations(root, config):\n"
        "    return [Citation(99, '新条款', '新指标达标', 'new_thing', {'unit': 'all'})]\n", encoding="utf-8")
    monkeypatch.setattr(lantian, "__path__", [*lantian.__path__, str(tmp_path)])
    monkeypatch.setattr(indicators, "_loaded", False)
    monkeypatch.setattr(indicators, "REGISTRY", dict(indicators.REGISTRY))
    try:
        assert "lantian.newroom.indicators" in indicators.providers()
        assert "new_thing" in indicators.registry()
        assert any(c.indicator == "new_thing" and c.task == 99 for c in indicators.citations())
    finally:
        for name in ("lantian.newroom.indicators", "lantian.newroom"):
            sys.modules.pop(name, None)
