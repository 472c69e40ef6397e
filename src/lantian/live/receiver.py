"""The HJ 212—2017 receiver: an asyncio TCP server for the devices (数采仪) of stations and enterprises.

Per connection, the stream is cut into packets (:class:`lantian.live.hj212.Framer`); each packet is
checked (length and CRC, 表2 and 附录A), read (表3), its MN looked up and its PW compared, and then —
accepted or refused — appended to the journal. Only when the batch it is in has been synced to disk
is it answered (HJ 212—2017 表9, 附录C): 9014 to an upload whose Flag asks for an answer, 9013 to a
notice, 9011 with QnRtn 3 (PW错误), 4 (MN错误), 8 (CN错误) or 9 (CRC校验错误) to a packet refused.
A device's own answers (9011–9014) are recorded, never answered.

Reading values, building the stores and the quarantine happen apart from answering, in the builder
(:mod:`lantian.live.builder`), so a burst is answered at the pace of the disk's syncs.
"""
from __future__ import annotations

import asyncio
import fcntl
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lantian.live import hj212, journal

_QN = re.compile(rb"QN\s*=\s*([0-9]{1,20})")
_MN = re.compile(rb"MN\s*=\s*([0-9A-Za-z]{1,32})")
_PW = re.compile(rb"PW\s*=\s*([^;,&]{0,32})")
_FLAG = re.compile(rb"Flag\s*=\s*(\d{1,3})")


class Latency:
    """Answer latencies (seconds, receipt of the packet's last byte → answer written), bounded."""

    def __init__(self, keep: int = 200_000):
        self.values: list[float] = []
        self.keep = keep

    def add(self, seconds: float) -> None:
        if len(self.values) < self.keep:
            self.values.append(seconds)

    def take(self) -> list[float]:
        out, self.values = self.values, []
        return out


class Committer:
    """Group commit: records queued by every connection are written and synced by one thread, a
    batch at a time (those arriving during a sync make the next batch); each record's answer is
    written to its connection only after its batch is durable."""

    def __init__(self, writer: journal.Writer):
        self.writer = writer
        self._data: list[bytes] = []
        self._then: list = []
        self._wake = asyncio.Event()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="hj212-journal")
        self.latency = Latency()
        self.batches = 0
        self.records = 0
        self.failed: Exception | None = None

    def submit(self, record: bytes, transport, answer: bytes | None, t0: float) -> None:
        self._data.append(record)
        self._then.append((transport, answer, t0))
        self._wake.set()

    def _durable(self, data: bytes) -> None:
        size = self.writer.size
        try:
            self.writer.write(data)
            self.writer.sync()
        except OSError:
            os.ftruncate(self.writer.fd, size)      # no half batch left for a retry to follow
            self.writer.size = size
            raise

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            self._wake.clear()
            if not self._data:
                continue
            data, then = b"".join(self._data), self._then
            self._data, self._then = [], []
            while True:
                try:
                    await loop.run_in_executor(self._pool, self._durable, data)
                    self.failed = None
                    break
                except OSError as exc:              # disk full, I/O error: nothing is answered until it syncs
                    self.failed = exc
                    await asyncio.sleep(1.0)
            self.batches += 1
            self.records += len(then)
            now = time.perf_counter()
            for transport, answer, t0 in then:
                if answer is not None and not transport.is_closing():
                    transport.write(answer)
                self.latency.add(now - t0)

    async def drain(self) -> None:
        """Wait until everything submitted so far is durable (and answered)."""
        while self._data or self._then:
            await asyncio.sleep(0.001)
        await asyncio.get_running_loop().run_in_executor(self._pool, lambda: None)


class Connection(asyncio.Protocol):
    def __init__(self, receiver: "Receiver"):
        self.receiver = receiver
        self.framer = hj212.Framer()
        self.transport = None
        self.peer = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if peer else None
        self.receiver.connections += 1

    def data_received(self, data: bytes) -> None:
        t0 = time.perf_counter()
        handle = self.receiver.handle
        for frame in self.framer.feed(data):
            handle(self, frame, t0)

    def connection_lost(self, exc) -> None:
        self.receiver.connections -= 1
        rest = self.framer.pending
        if rest:
            self.receiver.torn += 1                     # a packet cut off by the device: never answered


class Receiver:
    """Owns the journal of a workspace (one receiver at a time: a lock file says so)."""

    def __init__(self, folder: Path, load_devices, refresh_seconds: float = 30.0):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lockfile = open(self.folder / "receiver.lock", "w")
        try:
            fcntl.flock(self._lockfile, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another receiver is writing the journal in {self.folder}") from None
        self.writer = journal.Writer(self.folder)
        self.committer = Committer(self.writer)
        self.load_devices = load_devices
        self.refresh_seconds = refresh_seconds
        self.devices: dict[str, tuple[str, bool]] = {}
        self._refreshed = 0.0
        self._refreshing = False
        self.connections = 0
        self.torn = 0
        self.counts = {"ok": 0, "unknown_mn": 0, "wrong_pw": 0, "unreadable": 0}
        self.server = None

    # ----------------------------------------------------------------- devices
    def refresh(self) -> None:
        self.devices = self.load_devices()
        self._refreshed = time.monotonic()

    def _refresh_soon(self) -> None:
        if self._refreshing or time.monotonic() - self._refreshed < 2.0:
            return
        self._refreshing = True
        loop = asyncio.get_running_loop()

        def done(_):
            self._refreshing = False
        loop.run_in_executor(None, self.refresh).add_done_callback(done)

    async def _refresher(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.refresh_seconds)
            try:
                await loop.run_in_executor(None, self.refresh)
            except Exception:                      # noqa: BLE001 — the database may be away: keep the last list
                pass

    # ----------------------------------------------------------------- packets
    def handle(self, conn: Connection, frame: hj212.Frame, t0: float) -> None:
        meta = {"t": int(time.time() * 1000), "peer": conn.peer}
        answer = None
        if frame.error is not None:
            meta["v"], meta["why"] = "unreadable", frame.error
            if frame.error.startswith("CRC"):
                answer = _crc_refusal(frame.raw)
        else:
            try:
                p = hj212.parse_segment(frame.segment)
            except hj212.Unreadable as exc:
                meta["v"], meta["why"] = "unreadable", str(exc)
            else:
                if frame.deviations:
                    meta["dev"] = list(frame.deviations)
                known = self.devices.get(p.mn)
                if known is None or not known[1]:
                    meta["v"], meta["why"] = "unknown_mn", f"MN {p.mn} is not a registered device"
                    answer = hj212.request_answer(p, 4) if p.wants_answer else None
                    self._refresh_soon()
                elif p.pw != known[0]:
                    meta["v"], meta["why"] = "wrong_pw", f"PW of MN {p.mn} does not match"
                    answer = hj212.request_answer(p, 3) if p.wants_answer else None
                else:
                    meta["v"] = "ok"
                    if p.wants_answer:
                        answer = _answer(p)
        self.counts[meta["v"]] += 1
        self.committer.submit(journal.encode(meta, frame.raw), conn.transport, answer, t0)

    # ----------------------------------------------------------------- serving
    async def start(self, host: str, port: int):
        self.refresh()
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self.committer.run()), loop.create_task(self._refresher())]
        self.server = await loop.create_server(lambda: Connection(self), host, port, reuse_address=True, backlog=4096)
        return self.server

    @property
    def port(self) -> int:
        return self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
        await self.committer.drain()
        for t in self._tasks:
            t.cancel()
        self.writer.close()
        fcntl.flock(self._lockfile, fcntl.LOCK_UN)
        self._lockfile.close()


def _answer(p: hj212.Packet) -> bytes | None:
    if p.cn in hj212.DATA_COMMANDS or p.cn in hj212.OTHER_UPLOADS:
        return hj212.data_answer(p)
    if p.cn in hj212.NOTICES:
        return hj212.notice_answer(p)
    if p.cn in hj212.ANSWERS:
        return None
    return hj212.request_answer(p, 8)


def _crc_refusal(raw: bytes) -> bytes | None:
    """9011 QnRtn=9 (CRC校验错误, 表7) to a packet whose CRC fails, when its header can still be read
    and its Flag asks for an answer — so the device sends it again."""
    mn, flag = _MN.search(raw), _FLAG.search(raw)
    if mn is None or flag is None or not int(flag.group(1)) & 1:
        return None
    qn, pw = _QN.search(raw), _PW.search(raw)
    p = hj212.Packet(qn.group(1).decode() if qn else None, None, "", pw.group(1).decode() if pw else None,
                     mn.group(1).decode(), int(flag.group(1)), None, None, "")
    return hj212.request_answer(p, 9)


def run_in_thread(folder: Path, load_devices, host: str = "127.0.0.1", port: int = 0,
                  refresh_seconds: float = 30.0) -> tuple["Receiver", asyncio.AbstractEventLoop, threading.Thread]:
    """A receiver on its own event loop in a daemon thread (tests; ``lantian serve``): returns once it
    listens. Stop it with ``asyncio.run_coroutine_threadsafe(receiver.stop(), loop).result()``."""
    ready = threading.Event()
    box: dict = {}

    def main():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            r = Receiver(folder, load_devices, refresh_seconds)
            loop.run_until_complete(r.start(host, port))
            box["r"], box["loop"] = r, loop
        except Exception as exc:                      # noqa: BLE001 — handed to the caller
            box["error"] = exc
            ready.set()
            return
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=main, daemon=True, name="hj212-receiver")
    thread.start()
    ready.wait()
    if "error" in box:
        raise box["error"]
    return box["r"], box["loop"], thread
