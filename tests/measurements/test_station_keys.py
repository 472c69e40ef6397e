"""Station keys against the registry: a code, or a name only one station bears; the readers refuse
the rest naming file, line and key, or leave their values out and count them (lenient)."""
from types import SimpleNamespace

import pytest

from lantian.errors import InputError
from lantian.measurements.readers.table import read_long, read_wide
from lantian.measurements.readers.uci import read_uci
from lantian.measurements.station_keys import AMBIGUOUS, UNKNOWN, StationKeys


def keys(*stations):
    return StationKeys.of_records([SimpleNamespace(code=c, name=n) for c, n in stations])


REGISTRY = keys(("1727A", "清华站"), ("1728A", "监测站"), ("1001A", "监测站"), ("BJ01", "Aotizhongxin"))


@pytest.mark.parametrize("key, found", [
    ("1727A", ("1727A", None)), (" 1727A ", ("1727A", None)), ("１７２７Ａ", ("1727A", None)),
    ("清华站", ("1727A", None)), ("监测站", (None, AMBIGUOUS)), ("某某站", (None, UNKNOWN)), ("1727a", (None, UNKNOWN)),
])
def test_resolve(key, found):
    assert REGISTRY.resolve(key) == found


def test_problems_say_what_to_do():
    assert "borne by 2 registered stations (1001A, 1728A)" in REGISTRY.problem("监测站")
    assert "which is empty: import it first" in keys().problem("1001A")


LONG = ("station,time,pollutant,value\n"
        "清华站,2019-01-01 01:00,PM2.5,35\n"
        "某某站,2019-01-01 01:00,PM2.5,40\n"
        "监测站,2019-01-01 01:00,PM2.5,41\n"
        "某某站,2019-01-01 02:00,PM2.5,\n")


def test_long_strict_names_file_line_and_key(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text(LONG, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_long(path, stations=REGISTRY)
    assert (exc.value.line, exc.value.column) == (3, "station") and "'某某站'" in exc.value.message
    assert read_long(path).table.num_rows == 3                      # without the registry: not checked


def test_long_lenient_counts_and_lists(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text(LONG, encoding="utf-8")
    out = read_long(path, stations=REGISTRY, lenient=True)
    assert out.table.column("station").to_pylist() == ["1727A"]
    assert out.rejected == {UNKNOWN: 2, AMBIGUOUS: 1}
    assert out.unknown_stations == {"某某站": 1, "监测站": 1}          # values: the blank one held none
    assert "stations given by name, stored under their codes: 清华站 → 1727A" in out.notes


def test_wide_counts_values(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("站点,时间,PM2.5,NO2\n1728A,2019-01-01 01:00,35,20\nX9,2019-01-01 01:00,1,2\n", encoding="utf-8")
    out = read_wide(path, stations=REGISTRY, lenient=True)
    assert out.table.num_rows == 2 and out.rejected == {UNKNOWN: 1} and out.unknown_stations == {"X9": 2}


def test_uci_tries_its_id_then_its_name(tmp_path, data_dir):
    src = data_dir / "uci_beijing" / "PRSA_Data_Aotizhongxin_20130301-20170228.csv"
    head = src.read_text(encoding="utf-8").splitlines()[:4]
    path = tmp_path / "uci.csv"
    path.write_text("\n".join(head) + "\n", encoding="utf-8")
    assert set(read_uci(path, registry=REGISTRY).table.column("station").to_pylist()) == {"BJ01"}
    assert set(read_uci(path, registry=keys(("uci:Aotizhongxin", "奥体中心"))).table.column("station")
               .to_pylist()) == {"uci:Aotizhongxin"}
    with pytest.raises(InputError) as exc:
        read_uci(path, registry=keys(("1727A", "清华站")))
    assert exc.value.line == 2 and "uci:Aotizhongxin" in exc.value.message
