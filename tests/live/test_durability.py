"""``kill -9`` of the receiver during a burst: every packet it answered is in the store after a restart
(a real subprocess `lantian hj212 listen`, killed by the test); the restarted receiver resumes from
the journal. And the journal's own contract: a torn tail is cut off, records are read back whole."""
from __future__ import annotations

import datetime as dt
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from lantian.live import hj212, journal
from lantian.live.series import LiveSeries
from tests.live.conftest import STATION_MN, packet

LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+)")


def start(live, builder: str = "process") -> tuple[subprocess.Popen, int]:
    env = dict(os.environ, LANTIAN_DATABASE_URL=live.url)
    proc = subprocess.Popen([str(Path(sys.executable).parent / "lantian"), "hj212", "listen", "--port", "0", "--host",
                             "127.0.0.1", "--builder", builder, "-w", str(live.root)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=env, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stdout.readline()
        m = LISTENING.search(line)
        if m:
            return proc, int(m.group(1))
        if proc.poll() is not None:
            raise AssertionError(f"the receiver exited: {line}{proc.stdout.read()}")
    raise AssertionError("the receiver did not start")


def burst(port: int, first: int, n: int, answered: set, stop: threading.Event) -> None:
    """One device connection sending minute packets as fast as it may; QNs answered go in ``answered``.
    Returns when all are answered, or when ``stop`` is set or the receiver is gone."""
    s = socket.create_connection(("127.0.0.1", port))
    framer = hj212.Framer()
    mine: set = set()

    def reader():
        while True:
            try:
                data = s.recv(65536)
            except OSError:
                return
            if not data:
                return
            for f in framer.feed(data):
                qn = hj212.parse_segment(f.segment).qn
                mine.add(qn)
                answered.add(qn)
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    sent = 0
    try:
        while sent < n and not stop.is_set():
            k = first + sent
            stamp = (dt.datetime(2024, 6, 1) + dt.timedelta(minutes=k)).strftime("%Y%m%d%H%M%S")
            s.sendall(packet("2051", f"DataTime={stamp};a34004-Avg={k % 500},a34004-Flag=N", qn=f"{k:017d}"))
            sent += 1
            if sent % 4 == 0:
                time.sleep(0.002)                        # about 2,000 packets a second per connection
    except OSError:
        pass
    deadline = time.time() + 20
    while len(mine) < sent and t.is_alive() and not stop.is_set() and time.time() < deadline:
        time.sleep(0.005)
    s.close()
    t.join(5)


def stored_qns(live) -> set:
    got = LiveSeries(live.measurements).read("minute", mn=STATION_MN).column("qn").to_pylist()
    return set(got)


def test_kill_9_during_a_burst_loses_no_answered_packet(live):
    proc, port = start(live, builder="none")
    answered: set = set()
    stop = threading.Event()
    senders = [threading.Thread(target=burst, args=(port, k * 100_000, 50_000, answered, stop)) for k in range(3)]
    for t in senders:
        t.start()
    deadline = time.time() + 30
    while len(answered) < 3000 and time.time() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)                      # mid-burst
    proc.wait(10)
    stop.set()
    for t in senders:
        t.join(10)
    assert 3000 <= len(answered) < 150_000                 # killed in the middle of the burst
    # restart: the torn tail is cut, the builder resumes from its checkpoint, new packets come in
    proc, port = start(live)
    more: set = set()
    burst(port, 900_000, 100, more, threading.Event())
    proc.send_signal(signal.SIGTERM)                      # a clean stop builds to the journal's end
    assert proc.wait(60) == 0
    got = stored_qns(live)
    assert answered <= got, f"{len(answered - got)} answered packets lost"
    assert more <= got and len(more) == 100


def test_the_journal_cuts_a_torn_tail_and_reads_records_whole(tmp_path):
    w = journal.Writer(tmp_path)
    records = [journal.encode({"t": i, "v": "ok"}, b"##packet-%d\r\n" % i) for i in range(5)]
    w.write(b"".join(records))
    w.sync()
    w.write(records[0][:-3])                              # a crash in the middle of a record
    w.close()
    assert journal.repair(tmp_path) == len(records[0]) - 3
    got = list(journal.read(tmp_path, 1, 0))
    assert [r.meta["t"] for r in got] == [0, 1, 2, 3, 4] and got[2].raw == b"##packet-2\r\n"
    assert list(journal.read(tmp_path, got[2].segment, got[2].end)) == got[3:]
    w = journal.Writer(tmp_path)                          # appends after the good records
    w.write(journal.encode({"t": 9, "v": "ok"}, b"x"))
    w.sync()
    w.close()
    assert [r.meta["t"] for r in journal.read(tmp_path, 1, 0)] == [0, 1, 2, 3, 4, 9]
    data = (tmp_path / "00000001.jnl").read_bytes()
    (tmp_path / "00000001.jnl").write_bytes(data[:20] + b"X" + data[21:])   # damage: reading stops there
    assert list(journal.read(tmp_path, 1, 0)) == []
    assert journal.position(tmp_path) == (1, len(data))
