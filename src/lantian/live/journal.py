"""The journal: every packet the receiver reads — accepted or refused — is appended here and made
durable (fdatasync) before it is answered; many packets share one sync (group commit). The store is
built from the journal (:mod:`lantian.live.builder`), so a packet once answered is never lost: after
a ``kill -9`` the tail record a crash tore is cut off (it was never answered) and the builder resumes
from its checkpoint.

```
WORKSPACE/live/journal/00000001.jnl, 00000002.jnl, …     segments of SEGMENT_BYTES, append-only
record  = b"J" + payload length (u32 LE) + CRC-32 of the payload (u32 LE) + payload
payload = one JSON line (when received, peer, verdict, why) + raw packet bytes as received
```
"""
from __future__ import annotations

import json
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

MAGIC = b"J"
_HEAD = struct.Struct("<cII")
SEGMENT_BYTES = 64 << 20


@dataclass(frozen=True)
class Record:
    segment: int
    offset: int
    end: int
    meta: dict
    raw: bytes

    @property
    def ref(self) -> str:
        return f"{self.segment}:{self.offset}"


def encode(meta: dict, raw: bytes) -> bytes:
    if len(meta) == 3 and meta.get("v") == "ok" and isinstance(meta.get("peer"), str) and '"' not in meta["peer"]:
        line = b'{"t":%d,"peer":"%s","v":"ok"}' % (meta["t"], meta["peer"].encode())   # the usual record, fast
    else:
        line = json.dumps(meta, ensure_ascii=False, separators=(",", ":")).encode()
    return record(line + b"\n" + raw)


def record(payload: bytes) -> bytes:
    """The record of a payload: its JSON line, ``\\n``, the raw packet."""
    return _HEAD.pack(MAGIC, len(payload), zlib.crc32(payload)) + payload


def _name(segment: int) -> str:
    return f"{segment:08d}.jnl"


def segments(folder: Path) -> list[int]:
    return sorted(int(p.stem) for p in folder.glob("*.jnl") if p.stem.isdigit())


def _scan(data: bytes, start: int = 0) -> Iterator[tuple[int, int, bytes]]:
    """(offset, end, payload) of the whole, valid records of ``data`` from ``start``; stops at the first
    record that is torn or does not check."""
    pos, n = start, len(data)
    while pos + _HEAD.size <= n:
        magic, length, crc = _HEAD.unpack_from(data, pos)
        end = pos + _HEAD.size + length
        if magic != MAGIC or end > n:
            return
        payload = data[pos + _HEAD.size:end]
        if zlib.crc32(payload) != crc:
            return
        yield pos, end, payload
        pos = end


def _record(segment: int, offset: int, end: int, payload: bytes) -> Record:
    line, _, raw = payload.partition(b"\n")
    return Record(segment, offset, end, json.loads(line), raw)


def repair(folder: Path) -> int:
    """Cut a torn record off the newest segment (a crash mid-write: never answered). Bytes removed."""
    found = segments(folder)
    if not found:
        return 0
    path = folder / _name(found[-1])
    data = path.read_bytes()
    good = 0
    for _, end, _ in _scan(data):
        good = end
    if good < len(data):
        with open(path, "r+b") as fh:
            fh.truncate(good)
            fh.flush()
            os.fsync(fh.fileno())
    return len(data) - good


class Writer:
    """Appends batches to the newest segment (a new one past SEGMENT_BYTES); :meth:`sync` makes them durable."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        repair(self.folder)
        found = segments(self.folder)
        self.segment = found[-1] if found else 1
        self._open()

    def _open(self) -> None:
        self.fd = os.open(self.folder / _name(self.segment), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        self.size = os.fstat(self.fd).st_size
        dfd = os.open(self.folder, os.O_RDONLY)          # the new segment's name itself is durable
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            done = os.write(self.fd, view)
            view = view[done:]
        self.size += len(data)

    def sync(self) -> None:
        os.fdatasync(self.fd)
        if self.size >= SEGMENT_BYTES:
            os.close(self.fd)
            self.segment += 1
            self._open()

    def close(self) -> None:
        os.close(self.fd)


def read(folder: Path, segment: int, offset: int, limit: int | None = None) -> Iterator[Record]:
    """The records from (``segment``, ``offset``) on, in order; stops at the newest record that is not
    whole yet (the writer may be in the middle of it). Reads only from ``offset`` on."""
    found = [s for s in segments(folder) if s >= segment]
    count = 0
    for k, seg in enumerate(found):
        start = offset if seg == segment else 0
        with open(folder / _name(seg), "rb") as fh:
            fh.seek(start)
            data = fh.read()
        good = 0
        for pos, end, payload in _scan(data):
            yield _record(seg, start + pos, start + end, payload)
            good = end
            count += 1
            if limit is not None and count >= limit:
                return
        if k < len(found) - 1 and good < len(data):
            return                                          # damage inside an older segment: stop there
    return


def position(folder: Path) -> tuple[int, int]:
    """(segment, bytes) of the journal's end."""
    found = segments(folder)
    if not found:
        return (1, 0)
    return found[-1], (folder / _name(found[-1])).stat().st_size
