"""Drop folders: a half-written file waits until its size is stable, a file renamed from .part is taken
at once, each goes through its importer to done/ (with the result) or refused/ (with the reason)."""
from __future__ import annotations

import json
import os

import pytest

from lantian.live.watch import Watcher
from lantian.measurements.store import Store
from tests.live.conftest import database_env

CSV = "station,time,pollutant,value\n" + "".join(f"9001A,2024-05-06 {h:02d}:00,PM2_5,{20 + h}\n" for h in range(1, 11))


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture()
def drop(live, tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    return folder


def test_a_half_written_file_waits_until_it_is_complete(live, drop):
    clock = Clock()
    with database_env(live.url):
        w = Watcher(drop, "long", live.ws, stable_seconds=5, clock=clock)
        path = drop / "hours.csv"
        half = CSV[:len(CSV) // 2]
        path.write_text(half, encoding="utf-8")
        assert w.scan() == []                             # first seen
        clock.now += 10
        with open(path, "a", encoding="utf-8") as fh:      # the sender goes on writing
            fh.write(CSV[len(half):])
        os.utime(path, (clock.now, clock.now + 1))
        assert w.scan() == []                             # it changed: wait again
        clock.now += 3
        assert w.scan() == []                             # stable for 3 s only
        clock.now += 3
        [done] = w.scan()
    assert done.ok and done.moved_to == drop / "done" / "hours.csv" and not path.exists()
    result = json.loads((drop / "done" / "hours.csv.result.json").read_text(encoding="utf-8"))
    assert result["new"] == 10 and result["committed"] is True
    rows = Store(live.measurements).hourly(stations=["9001A"], pollutants=["PM2_5"]).table.to_pylist()
    assert sum(1 for r in rows if r["time"].date().isoformat() == "2024-05-06") == 10


def test_a_file_renamed_from_part_is_taken_at_once_and_again_changes_nothing(live, drop):
    clock = Clock()
    with database_env(live.url):
        w = Watcher(drop, "long", live.ws, stable_seconds=60, clock=clock)
        (drop / "again.csv.part").write_text(CSV, encoding="utf-8")
        assert w.scan() == []
        (drop / "again.csv.part").rename(drop / "again.csv")
        [done] = w.scan()                                 # no need to wait 60 s
        assert done.ok
        assert json.loads((drop / "done" / "again.csv.result.json").read_text())["new"] == 0   # already stored
        (drop / "again.csv").write_text(CSV, encoding="utf-8")        # the same name once more
        assert w.scan() == []
        clock.now += 61
        [done2] = w.scan()
    assert done2.ok and done2.moved_to != drop / "done" / "again.csv"
    assert len(list((drop / "done").glob("again*.csv"))) == 2          # both kept, nothing overwritten


def test_a_bad_file_is_refused_with_the_reason_beside_it(live, drop):
    clock = Clock()
    with database_env(live.url):
        w = Watcher(drop, "long", live.ws, stable_seconds=1, clock=clock)
        (drop / "bad.csv").write_text("station,time,pollutant,value\n9001A,yesterday,PM2_5,3\n", encoding="utf-8")
        w.scan()
        clock.now += 2
        [refused] = w.scan()
        fires = Watcher(drop, "firms", live.ws, stable_seconds=1, clock=clock)
        (drop / "fires.csv").write_text("this is not a FIRMS file\n1,2,3\n", encoding="utf-8")
        fires.scan()
        clock.now += 2
        [not_fires] = fires.scan()
    assert not refused.ok and refused.moved_to == drop / "refused" / "bad.csv"
    reason = (drop / "refused" / "bad.csv.reason.txt").read_text(encoding="utf-8")
    assert "bad.csv" in reason and "line 2" in reason and "time" in reason
    assert not not_fires.ok and (drop / "refused" / "fires.csv.reason.txt").is_file()
