"""The receiver over real TCP on 127.0.0.1 (port 0) and the store built from its journal, on SQLite and
PostgreSQL: answers only after the journal has the packet, split and joined reads, refusals kept in
the quarantine, units, flags, deviations, facilities, idempotence and corrections."""
from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
import sqlalchemy as sa

from lantian import db
from lantian.live import devices, journal
from lantian.live.models import DeviceState, Quarantined
from lantian.live.receiver import run_in_thread
from lantian.live.series import LiveSeries
from lantian.measurements.facility import FacilityStore
from lantian.measurements.store import Store
from tests.live.conftest import BOILER_MN, STATION_MN, TUNLIU_MN, Device, packet


@pytest.fixture(scope="module")
def receiver(live):
    from lantian.live.service import _loader
    r, loop, thread = run_in_thread(live.journal, _loader(live.url), refresh_seconds=0.5)
    yield r
    asyncio.run_coroutine_threadsafe(r.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def hourly(live, station: str) -> dict:
    rows = Store(live.measurements).hourly(stations=[station]).table.to_pylist()
    return {(r["time"], r["pollutant"]): r["value"] for r in rows}


def test_an_hour_is_answered_once_journaled_and_becomes_hourly_rows(live, receiver):
    dev = Device(receiver.port)
    raw = packet("2061", "DataTime=20240501090000;a34004-Avg=35.0,a34004-Flag=N;a21026-Avg=12,a21026-Flag=N;"
                         "a21005-Avg=0.8,a21005-Flag=N;a05024-Avg=88,a05024-Flag=N", qn="20240501100000101")
    dev.send(raw)
    [answer] = dev.answers(1)
    assert (answer.cn, answer.qn, answer.st, answer.flag, answer.mn, answer.cp) == ("9014", "20240501100000101", "91",
                                                                                   4, STATION_MN, "")
    # the answer came after the packet was in the journal, whole
    assert raw in [r.raw for r in journal.read(live.journal, 1, 0)]
    tunliu = Device(receiver.port)
    tunliu.send(packet("2061", "DataTime=20240501090000;a21026-Avg=0.035,a21026-Flag=N;a34004-Avg=41,a34004-Flag=N",
                       mn=TUNLIU_MN, qn="20240501100000102"))
    assert tunliu.answers(1)[0].cn == "9014"
    built = live.build()
    assert built["values"] >= 6 and built["quarantined"] == 0
    at = dt.datetime(2024, 5, 1, 10)                      # DataTime labels the hour's start; the store its end
    got = hourly(live, "9001A")
    assert (got[(at, "PM2_5")], got[(at, "SO2")], got[(at, "CO")], got[(at, "O3")]) == (35.0, 12.0, 0.8, 88.0)
    assert hourly(live, "9002A")[(at, "SO2")] == 35.0      # 0.035 mg/m³ (the device's unit) is exactly 35 µg/m³
    assert Store(live.measurements).imports()[-1]["source"] == "hj212"
    dev.close()
    tunliu.close()


def test_split_reads_and_many_packets_in_one_read(live, receiver):
    dev = Device(receiver.port)
    one = packet("2051", "DataTime=20240501084000;a34004-Avg=30,a34004-Flag=N", qn="20240501085000001")
    for i in range(0, len(one), 7):                        # one packet over many reads
        dev.send(one[i:i + 7])
    assert dev.answers(1)[0].qn == "20240501085000001"
    burst = b"".join(packet("2011", f"DataTime=2024050109{m:02d}00;a34004-Rtd={30 + m},a34004-Flag=N",
                            qn=f"202405010900{m:02d}001") for m in range(20))
    dev.send(burst)                                        # twenty packets in one read
    assert [a.qn for a in dev.answers(20)] == [f"202405010900{m:02d}001" for m in range(20)]
    live.build()
    rt = LiveSeries(live.measurements).read("realtime", mn=STATION_MN, start=dt.datetime(2024, 5, 1, 9),
                                             end=dt.datetime(2024, 5, 1, 9, 30))
    assert rt.num_rows == 20 and rt.column("value").to_pylist()[:3] == [30.0, 31.0, 32.0]
    minute = LiveSeries(live.measurements).read("minute", station="9001A")
    assert minute.column("qn").to_pylist().count("20240501085000001") == 1
    dev.close()


def test_bad_length_and_bad_crc_are_refused_and_kept(live, receiver):
    dev = Device(receiver.port)
    good = packet("2011", "DataTime=20240501091000;a34004-Rtd=1,a34004-Flag=N", qn="20240501091000777")
    bad_crc = good[:-6] + (b"0000" if good[-6:-2] != b"0000" else b"0001") + b"\r\n"
    dev.send(bad_crc)
    [answer] = dev.answers(1)
    assert (answer.cn, answer.cp, answer.qn) == ("9011", "QnRtn=9", "20240501091000777")   # 表7: CRC校验错误
    bad_len = b"##9999" + good[6:]
    dev.send(bad_len + good)
    assert dev.answers(1)[0].cn == "9014"                  # the bad length is not answered; the next packet is
    live.build()
    with db.session(live.url) as s:
        held = {bytes(q.raw): q for q in s.scalars(sa.select(Quarantined).where(Quarantined.reason == "unreadable"))}
    assert bad_crc in held and "CRC" in held[bad_crc].detail and held[bad_crc].state == "held"
    assert bad_len in held and "declared length 9999" in held[bad_len].detail
    assert (dt.datetime(2024, 5, 1, 9, 10), "a34004") in {
        (r["data_time"], r["code"]) for r in LiveSeries(live.measurements).read("realtime", mn=STATION_MN).to_pylist()}
    dev.close()


def test_unknown_mn_and_wrong_pw_are_refused_kept_and_can_be_assigned(live, receiver):
    stranger = "ZZ00000000000000000000Z9"
    dev = Device(receiver.port)
    hour = "DataTime=20240502090000;a34004-Avg=55,a34004-Flag=N"
    dev.send(packet("2061", hour, mn=stranger, qn="20240502100000001"))
    dev.send(packet("2061", hour, pw="000000", qn="20240502100000002"))
    first, second = dev.answers(2)
    assert (first.cn, first.cp) == ("9011", "QnRtn=4") and (second.cn, second.cp) == ("9011", "QnRtn=3")
    live.build()
    label = dt.datetime(2024, 5, 2, 10)
    assert (label, "PM2_5") not in hourly(live, "9001A")     # never stored as if valid
    with db.session(live.url) as s:
        rows = {q.reason: q for q in s.scalars(sa.select(Quarantined).where(Quarantined.reason.in_(
            ["unknown_mn", "wrong_pw"])))}
        assert rows["unknown_mn"].mn == stranger and rows["wrong_pw"].mn == STATION_MN
        assert s.get(DeviceState, STATION_MN).refused >= 1
        ids = [rows["unknown_mn"].id, rows["wrong_pw"].id]
    office = live.office()
    with db.session(live.url) as s:
        with pytest.raises(Exception, match="not registered"):
            devices.assign(s, office, [ids[0]], stranger, live.measurements, live.settings())
    with db.session(live.url) as s:
        devices.add(s, office, stranger, "654321", station="9002A")
    with db.session(live.url) as s:
        done = devices.assign(s, office, [ids[0]], stranger, live.measurements, live.settings())
        assert done.packets == 1 and done.build["hourly_new"] == 1
    assert hourly(live, "9002A")[(label, "PM2_5")] == 55.0
    with db.session(live.url) as s:
        assert devices.dismiss(s, office, [ids[1]], "password test") == 1
        assert s.get(Quarantined, ids[0]).state == "assigned" and s.get(Quarantined, ids[1]).state == "dismissed"
        with pytest.raises(Exception, match="already"):
            devices.dismiss(s, office, [ids[1]])
    # the receiver learns the new device by itself: its next packet is accepted
    import time
    time.sleep(1.0)
    dev.send(packet("2011", "DataTime=20240502100000;a34004-Rtd=50,a34004-Flag=N", mn=stranger, pw="654321"))
    assert dev.answers(1)[0].cn == "9014"
    dev.close()


def test_deviations_are_counted_per_device_and_flags_kept(live, receiver):
    dev = Device(receiver.port)
    dev.send(packet("2061", "DataTime=20240503090000;a34004-Avg=70;a34004-Flag=N;a34002-Avg=120;"
                            "a21004-Avg=40,a21004-Flag=M;LA-td=55.2;", qn="20240503100000001"))
    assert dev.answers(1)[0].cn == "9014"
    with db.session(live.url) as s:
        before = json.loads(s.get(DeviceState, STATION_MN).deviations)
    live.build()
    with db.session(live.url) as s:
        after = json.loads(s.get(DeviceState, STATION_MN).deviations)
    added = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    assert added["';' between fields of one factor"] == 1 and added["missing -Flag"] >= 2   # a34002 and LA
    assert added["trailing ';' before &&"] == 1 and added["-td read as -Rtd"] == 1
    got = hourly(live, "9001A")
    label = dt.datetime(2024, 5, 3, 10)
    assert got[(label, "PM2_5")] == 70.0 and got[(label, "PM10")] == 120.0   # no -Flag: read as N (⚠ setting)
    assert (label, "NO2") not in got                         # flagged M (维护): kept in the series only
    series = LiveSeries(live.measurements).read("hour", mn=STATION_MN, codes=["a21004"]).to_pylist()
    assert [(r["value"], r["flag"]) for r in series if r["data_time"] == dt.datetime(2024, 5, 3, 9)] == [(40.0, "M")]
    dev.send(packet("2011", "DataTime=20240503093000;a34004-Rtd=66,a34004-Flag=N", flag=4))   # A = 0: no answer
    assert dev.silent(0.4)
    dev.close()


def test_facility_hours_feed_the_facility_tree(live, receiver):
    with db.session(live.url) as s:
        facility = str(devices.device(s, live.office(), BOILER_MN).facility_id)
    dev = Device(receiver.port)
    dev.send(packet("2061", "DataTime=20240504090000;a21026-Avg=150.2,a21026-ZsAvg=180.4,a21026-Cou=3.1,"
                            "a21026-Flag=N;a21002-ZsAvg=210,a21002-Cou=4.5,a21002-Flag=N;a34013-ZsAvg=18,"
                            "a34013-Cou=0.4,a34013-Flag=N;a19001-Avg=10.5,a19001-Flag=N",
                    mn=BOILER_MN, st="31", qn="20240504100000001"))
    assert dev.answers(1)[0].cn == "9014"
    live.build()
    rows = {(r["metric"]): (r["value"], r["unit"]) for r in FacilityStore(live.measurements).read([facility]).to_pylist()
            if r["time"] == dt.datetime(2024, 5, 4, 10)}
    assert rows["a21026-ZsAvg"] == (180.4, "mg/m³") and rows["so2_kgh"] == (3.1, "kg/h")
    assert rows["nox_kgh"] == (4.5, "kg/h") and rows["pm_kgh"] == (0.4, "kg/h") and rows["a19001-Avg"] == (10.5, "%")
    dev.close()


def test_the_same_hour_again_changes_nothing_and_a_correction_is_kept(live, receiver):
    dev = Device(receiver.port)
    hour = "DataTime=20240505090000;a34004-Avg={},a34004-Flag=N"
    dev.send(packet("2061", hour.format(20), qn="20240505100000001"))
    dev.answers(1)
    live.build()
    version = Store(live.measurements).manifest()["version"]
    dev.send(packet("2061", hour.format(20), qn="20240505100000002"))        # sent again: same number
    dev.answers(1)
    live.build()
    assert Store(live.measurements).manifest()["version"] == version
    dev.send(packet("2061", hour.format(24), qn="20240505100000003"))        # corrected
    dev.answers(1)
    live.build()
    store = Store(live.measurements)
    assert hourly(live, "9001A")[(dt.datetime(2024, 5, 5, 10), "PM2_5")] == 24.0
    last = store.imports()[-1]
    assert last["changed"] == 1 and (live.measurements / "changes" / f"{last['import_id']}.parquet").is_file()
    dev.close()
