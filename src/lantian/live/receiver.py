"""The HJ 212—2017 receiver: an asyncio TCP server for the devices (数采仪) of stations and enterprises.

Per connection, the stream is cut into packets (:class:`lantian.live.hj212.Framer`); each packet is
checked (length and CRC, 表2 and 附录A), read (表3), its MN looked up and its PW compared, and then —
accepted or refused — appended to the journal. Only when the batch it is in has been synced to disk
is it answered (HJ 212—2017 表9, 附录C): 9014 to an upload whose Flag asks for an answer, 9013 to a
notice, 9011 with QnRtn 3 (PW错误), 4 (MN错误), 8 (CN错误) or 9 (CRC校验错误) to a packet refused.
A device's own answers (9011–9014) are recorded, never answered.

Reading values, building the stores and the quarantine happen apart from answering, in the builder
(:mod:`lantian.live.builder`), so a burst is answered at the pace of the disk's syncs. A packet written
as 表3 writes it (the usual one) has its header read by one regular expression and its answer built
from bytes (:func:`lantian.live.hj212.header`, :func:`~lantian.live.hj212.answer_packet`); any other
goes through :func:`~lantian.live.hj212.parse_segment`, which names what deviates.
"""
from __future__ import annotations

import asyncio
import fcntl
import json
import os
import queue
import re
import threading
import time
from pathlib import Path

from lantian.live import hj212, journal

_QN = re.compile(rb"QN\s*=\s*([0-9]{1,20})")
_MN = re.compile(rb"MN\s*=\s*([0-9A-Za-z]{1,32})")
_PW = re.compile(rb"PW\s*=\s*([^;,&]{0,32})")
_FLAG = re.compile(rb"Flag\s*=\s*(\d{1,3})")


class Latency:
    """Durations (seconds), bounded: the journal's write + fdatasync of each batch."""

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
    batch at a time (those arriving during a sync make the next batch; a burst is cut into batches
    of ``BATCH`` records so the first are answered while the rest are read); each record's answer is
    written to its connection only after its batch is durable. The thread hands each synced batch
    back to the event loop with one ``call_soon_threadsafe`` (no task or future per batch)."""

    BATCH = 512

    def __init__(self, writer: journal.Writer):
        self.writer = writer
        self._data: list[bytes] = []
        self._then: list = []
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inflight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._scheduled = False
        self.syncs = Latency(100_000)                   # seconds per write + fdatasync
        self.batches = 0
        self.records = 0
        self.failed: Exception | None = None

    def submit(self, record: bytes, transport, answer: bytes | None) -> None:
        self.submit_many([record], [(transport, answer)])

    def submit_many(self, records: list[bytes], then: list) -> None:
        """Records (journal bytes) and, for each, (transport, whole answer packet or None), in order."""
        self._data += records
        self._then += then
        if len(self._data) >= self.BATCH:
            self._flush()
        elif not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._tick)

    def _tick(self) -> None:
        self._scheduled = False
        if self._inflight == 0:                          # else: the records wait for the sync under way
            self._flush()

    def _flush(self) -> None:
        if not self._data:
            return
        if self._thread is None:
            self._loop = asyncio.get_running_loop()
            self._thread = threading.Thread(target=self._work, daemon=True, name="hj212-journal")
            self._thread.start()
        data, then = b"".join(self._data), self._then
        self._data, self._then = [], []
        self._inflight += 1
        self._idle.clear()
        self._queue.put((data, then))

    def _durable(self, data: bytes) -> float:
        started = time.perf_counter()
        size = self.writer.size
        try:
            self.writer.write(data)
            self.writer.sync()
        except OSError:
            os.ftruncate(self.writer.fd, size)      # no half batch left for a retry to follow
            self.writer.size = size
            raise
        return time.perf_counter() - started

    def _work(self) -> None:
        """The journal thread: each batch written and synced, in order, then answered on the loop."""
        while (item := self._queue.get()) is not None:
            data, then = item
            while True:
                try:
                    seconds = self._durable(data)
                    self.failed = None
                    break
                except OSError as exc:              # disk full, I/O error: nothing is answered until it syncs
                    self.failed = exc
                    time.sleep(1.0)
            try:
                self._loop.call_soon_threadsafe(self._done, then, seconds)
            except RuntimeError:                    # the loop is closed: nobody is left to answer
                return

    def _done(self, then: list, seconds: float) -> None:
        self.syncs.add(seconds)
        self.batches += 1
        self.records += len(then)
        answers: dict = {}
        for transport, answer in then:               # one write per connection per batch
            if answer is not None:
                answers.setdefault(transport, []).append(answer)
        for transport, out in answers.items():
            if not transport.is_closing():
                transport.write(out[0] if len(out) == 1 else b"".join(out))
        self._inflight -= 1
        if self._inflight == 0:
            if self._data:
                self._flush()
            else:
                self._idle.set()

    def close(self) -> None:
        """End the journal thread (after :meth:`drain`)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(10)
            self._thread = None

    def summary(self) -> str:
        syncs = sorted(self.syncs.values)
        if not syncs:
            return "journal: nothing written"
        q = lambda f: syncs[min(len(syncs) - 1, int(f * len(syncs)))] * 1000
        return (f"journal: {self.records} records in {self.batches} synced batches "
                f"({self.records / max(self.batches, 1):.1f} a batch), write+sync p50 {q(0.5):.1f} ms, "
                f"p99 {q(0.99):.1f} ms")

    async def drain(self) -> None:
        """Wait until everything submitted so far is durable (and answered)."""
        self._flush()
        await self._idle.wait()

    async def run(self) -> None:
        """Kept for the receiver's task list: the batches are started by :meth:`submit`."""
        await asyncio.Event().wait()


class Connection(asyncio.Protocol):
    def __init__(self, receiver: "Receiver"):
        self.receiver = receiver
        self.framer = hj212.Framer(check_crc=False)       # CRCs are checked a loop turn's packets at once
        self.transport = None
        self.peer = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if peer else None
        # the rest of an accepted packet's journal line after its time (journal.encode's fields)
        self.ok_tail = b',"peer":%s,"v":"ok"}\n' % json.dumps(self.peer, ensure_ascii=False).encode()
        self.receiver.connections += 1

    def data_received(self, data: bytes) -> None:
        frames = self.framer.feed(data)
        if frames:
            self.receiver.queue(self, frames)

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
        self._passwords: dict[bytes, bytes] = {}
        self._refreshed = 0.0
        self._refreshing = False
        self.connections = 0
        self.torn = 0
        self.counts = {"ok": 0, "unknown_mn": 0, "wrong_pw": 0, "unreadable": 0}
        self.server = None
        self._pending: list = []
        self._scheduled = False

    # ----------------------------------------------------------------- devices
    def refresh(self) -> None:
        devices = self.load_devices()
        self.devices, self._passwords = devices, _passwords(devices)
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
    def queue(self, conn: Connection, frames: list) -> None:
        """Packets read: judged together once this turn of the event loop has read every connection."""
        self._pending.append((conn, frames))
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._process)

    def _process(self) -> None:
        """Judge the packets read in this turn of the loop and hand them to the journal, in order. A packet
        written as 表3 writes it, from an active device with its PW, is read by :func:`hj212.header` and
        answered from bytes (:meth:`_accept`); any other goes through :meth:`judge`."""
        self._scheduled = False
        batch, self._pending = self._pending, []
        t_ms = b'{"t":%d' % int(time.time() * 1000)
        records, then = [], []
        accept, crc16, counts = self._accept, hj212.crc16, self.counts
        submit, step = self.committer.submit_many, Committer.BATCH
        for conn, frames in batch:
            if len(records) >= step:                        # a full batch syncs while the rest is read
                submit(records, then)
                records, then = [], []
            transport, ok = conn.transport, t_ms + conn.ok_tail
            for frame in frames:
                error = frame.error
                if error is None and frame.sent_crc is not None:
                    if crc16(frame.segment) != frame.sent_crc:
                        error = frame.crc_error(crc16(frame.segment))
                    elif not frame.deviations:
                        answer = accept(frame.segment)
                        if answer is not False:
                            counts["ok"] += 1
                            records.append(journal.record(ok + frame.raw))
                            then.append((transport, answer))
                            continue
                meta, answer = self.judge(conn, frame, error)
                records.append(journal.encode(meta, frame.raw))
                then.append((transport, None if answer is None else hj212.encode_many([answer])[0]))
        if records:
            submit(records, then)

    def _accept(self, segment: bytes):
        """The whole answer packet (or None when none is due) to a segment that is accepted — its header
        as 表3 writes it, its MN an active device's, its PW that device's; False for any other, left
        to :meth:`judge`."""
        head = hj212.header(segment)
        if head is None:
            return False
        qn, cn, pw, mn, flag = head
        if pw is None or self._passwords.get(mn) != pw:
            return False
        reply = _REPLY.get(cn, False)
        if reply is False:
            return False                                    # a CN not known: judge answers 9011 QnRtn=8
        if reply is None or not flag & 1:
            return None
        return hj212.answer_packet(qn, reply, pw, mn)

    def judge(self, conn: Connection, frame: hj212.Frame, crc_error: str | None = None) -> tuple[dict, bytes | None]:
        """The verdict on one packet (ok, unknown_mn, wrong_pw, unreadable) and the data segment of its
        answer, if one is due."""
        meta = {"t": int(time.time() * 1000), "peer": conn.peer, "v": "ok"}
        error = frame.error or crc_error
        if error is not None:
            meta["v"], meta["why"] = "unreadable", error
            self.counts["unreadable"] += 1
            return meta, _crc_refusal(frame.raw) if error.startswith("CRC") else None
        try:
            p = hj212.parse_segment(frame.segment)
        except hj212.Unreadable as exc:
            meta["v"], meta["why"] = "unreadable", str(exc)
            self.counts["unreadable"] += 1
            return meta, None
        if frame.deviations:
            meta["dev"] = list(frame.deviations)
        known = self.devices.get(p.mn)
        answer = None
        if known is None or not known[1]:
            meta["v"], meta["why"] = "unknown_mn", f"MN {p.mn} is not a registered device"
            if p.wants_answer:
                answer = hj212.answer_segment(p, "9011", "QnRtn=4")
            self._refresh_soon()
        elif p.pw != known[0]:
            meta["v"], meta["why"] = "wrong_pw", f"PW of MN {p.mn} does not match"
            if p.wants_answer:
                answer = hj212.answer_segment(p, "9011", "QnRtn=3")
        elif p.wants_answer:
            answer = _answer(p)
        self.counts[meta["v"]] += 1
        return meta, answer

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
        await asyncio.sleep(0)                              # the last packets read are judged
        await self.committer.drain()
        self.committer.close()
        for t in self._tasks:
            t.cancel()
        self.writer.close()
        fcntl.flock(self._lockfile, fcntl.LOCK_UN)
        self._lockfile.close()


def _passwords(devices: dict[str, tuple[str, bool]]) -> dict[bytes, bytes]:
    """MN → PW of the active devices, as bytes (what :meth:`Receiver._accept` compares)."""
    return {mn.encode(): pw.encode() for mn, (pw, active) in devices.items() if active and isinstance(pw, str)}


#: CN → the answer's CN for an accepted packet (表9, 附录C): None for a device's own answers
_REPLY: dict[bytes, bytes | None] = {
    **{cn.encode(): b"9014" for cn in (*hj212.DATA_COMMANDS, *hj212.OTHER_UPLOADS)},
    **{cn.encode(): b"9013" for cn in hj212.NOTICES},
    **{cn.encode(): None for cn in hj212.ANSWERS},
}


def _answer(p: hj212.Packet) -> bytes | None:
    """The answer's data segment to an accepted packet that asks for one (表9, 附录C)."""
    if p.cn in hj212.DATA_COMMANDS or p.cn in hj212.OTHER_UPLOADS:
        return hj212.answer_segment(p, "9014")
    if p.cn in hj212.NOTICES:
        return hj212.answer_segment(p, "9013")
    if p.cn in hj212.ANSWERS:
        return None
    return hj212.answer_segment(p, "9011", "QnRtn=8")


def _crc_refusal(raw: bytes) -> bytes | None:
    """9011 QnRtn=9 (CRC校验错误, 表7) to a packet whose CRC fails, when its header can still be read
    and its Flag asks for an answer — so the device sends it again."""
    mn, flag = _MN.search(raw), _FLAG.search(raw)
    if mn is None or flag is None or not int(flag.group(1)) & 1:
        return None
    qn, pw = _QN.search(raw), _PW.search(raw)
    p = hj212.Packet(qn.group(1).decode() if qn else None, None, "", pw.group(1).decode() if pw else None,
                     mn.group(1).decode(), int(flag.group(1)), None, None, "")
    return hj212.answer_segment(p, "9011", "QnRtn=9")


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
