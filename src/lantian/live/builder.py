"""The store built from the journal: what the receiver wrote, read again, into the same stores a file
import fills — and nothing else.

- hour values (2061 ``-Avg``) of a station's device become the station store's hourly rows through
  :meth:`lantian.measurements.store.Store.ingest`, the merge every file import uses (idempotent, a
  correction replaced and kept under ``changes/``), converted to µg/m³ (CO mg/m³) from the unit the
  device sends (⚠ per device), labelled by the hour's end (DataTime + 1 h: 表4 labels the start);
- hour values of a facility's device go to the facility tree (:mod:`lantian.measurements.facility`),
  ``<code>-<field>`` in the device's unit, and a flue-gas factor's ``-Cou`` as the hour's emission
  (``so2_kgh``, ``nox_kgh``, ``pm_kgh``: what warning verification reads);
- every value, of every command, goes to the live series (:mod:`lantian.live.series`) with its flag;
- only values whose 表8 flag is valid (⚠ ``[hj212] valid_flags``, default N) become hourly rows;
- refused packets become quarantine rows; each device's last packet, counts and deviations are kept.

The checkpoint moves in the same database transaction as the device counts and the quarantine, after
the Parquet files are written: a crash in between builds the same records again, which the stores'
merges absorb (the same values change nothing) and the counts never see twice.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.orm import Session

from lantian import db
from lantian.db import now_utc
from lantian.live import hj212, journal
from lantian.live.models import Checkpoint, Device, DeviceState, Quarantined
from lantian.live.series import COLUMNS, LiveSeries
from lantian.live.settings import HJ212Settings, codes
from lantian.measurements.facility import FacilityStore
from lantian.measurements.store import ImportSummary, Store

STORE_UNIT = {"CO": "mg/m³"}           # the station store: µg/m³, CO mg/m³ (measurements.frame.UNITS)
_MASS = {"ng/m³": Decimal("1e-6"), "µg/m³": Decimal("1e-3"), "mg/m³": Decimal(1), "g/m³": Decimal(1000)}
_MN = re.compile(rb"MN\s*=\s*([0-9A-Za-z]{1,32})")
_CN = re.compile(rb"CN\s*=\s*(\d{4})")
CHECKPOINT = "hj212"


def exact(text: str, frm: str, to: str) -> float | None:
    """The decimal ``text`` in unit ``frm`` expressed in ``to``, computed in decimal (0.035 mg/m³ is 35
    µg/m³, not 35.00000000000001); None when the units are not both mass concentrations."""
    if frm == to:
        return float(Decimal(text))
    if frm not in _MASS or to not in _MASS:
        return None
    return float(Decimal(text) * _MASS[frm] / _MASS[to])


@dataclass
class DeviceInfo:
    mn: str
    target: str
    station: str | None
    facility: str | None
    units: dict


@dataclass
class StateDelta:
    first_at: dt.datetime
    last_at: dt.datetime
    last_cn: str = ""
    last_packet: str = ""
    last_peer: str | None = None
    last_data_time: dt.datetime | None = None
    packets: int = 0
    values: int = 0
    refused: int = 0
    commands: Counter = field(default_factory=Counter)
    deviations: Counter = field(default_factory=Counter)


@dataclass
class Built:
    series: dict = field(default_factory=dict)            # (kind, day) → column lists
    station: dict = field(default_factory=lambda: {k: [] for k in ("station", "time", "pollutant", "value",
                                                                   "unit", "averaging")})
    facility: dict = field(default_factory=lambda: {k: [] for k in ("facility", "time", "metric", "value", "unit")})
    states: dict = field(default_factory=dict)            # mn → StateDelta
    quarantine: list = field(default_factory=list)
    records: int = 0
    values: int = 0
    units: dict = field(default_factory=dict)             # (mn, ST, code) → the unit the device sends

    def state(self, mn: str, at: dt.datetime) -> StateDelta:
        st = self.states.get(mn)
        if st is None:
            st = self.states[mn] = StateDelta(at, at)
        return st

    def rows(self, kind: str, day: dt.date) -> list:
        rows = self.series.get((kind, day))
        if rows is None:
            rows = self.series[(kind, day)] = []
        return rows


def devices(s: Session) -> dict[str, DeviceInfo]:
    return {d.mn: DeviceInfo(d.mn, d.target_kind, d.station_code, None if d.facility_id is None else str(d.facility_id),
                             json.loads(d.units or "{}")) for d in s.scalars(sa.select(Device))}


def _received(meta: dict) -> dt.datetime:
    return dt.datetime.fromtimestamp(meta["t"] / 1000, dt.timezone.utc)


def _quarantine(built: Built, ref: str, meta: dict, raw: bytes, reason: str, detail: str) -> None:
    mn = _MN.search(raw)
    cn = _CN.search(raw)
    built.quarantine.append({"journal_ref": ref, "received_at": _received(meta), "peer": meta.get("peer"),
                             "mn": mn.group(1).decode() if mn else None, "cn": cn.group(1).decode() if cn else None,
                             "reason": reason, "detail": detail[:2000], "raw": raw})
    if mn:
        built.state(mn.group(1).decode(), _received(meta)).refused += 1


def interpret(built: Built, ref: str, meta: dict, raw: bytes, known: dict[str, DeviceInfo],
              settings: HJ212Settings, split: dict, force: DeviceInfo | None = None) -> None:
    """One journal record into ``built``: values, device counts, or a quarantine row."""
    built.records += 1
    verdict = meta.get("v")
    if verdict != "ok" and force is None:
        _quarantine(built, ref, meta, raw, verdict if verdict in ("unknown_mn", "wrong_pw") else "unreadable",
                    meta.get("why", ""))
        return
    try:
        p = hj212.parse_segment(raw[6:-6])
    except hj212.Unreadable as exc:
        _quarantine(built, ref, meta, raw, "unreadable", str(exc))
        return
    dev = force or known.get(p.mn)
    if dev is None:
        _quarantine(built, ref, meta, raw, "unknown_mn", "device no longer registered")
        return
    at = _received(meta)
    st = built.state(dev.mn, at)
    deviations = list(meta.get("dev", ())) + p.deviations
    kind = hj212.DATA_COMMANDS.get(p.cn)
    if kind is not None:
        try:
            region = hj212.parse_region(p.cp)
        except hj212.Unreadable as exc:
            _quarantine(built, ref, meta, raw, "unreadable", str(exc))
            return
        deviations += region.deviations
        when = hj212.parse_time(region.fields.get("DataTime"))
        if when is None and p.split and (p.pno or 0) > 1:
            when = split.get((dev.mn, p.cn))               # a later part of a split packet (PNO > 1)
        if when is None:
            _quarantine(built, ref, meta, raw, "unreadable", "no readable DataTime (YYYYMMDDhhmmss, 表4)")
            return
        if p.split:
            split[(dev.mn, p.cn)] = when
        if len(region.fields.get("DataTime", "")) == 12:
            deviations.append("DataTime without seconds")
        st.values += _values(built, kind, when, region, p, dev, at, settings, deviations)
        if st.last_data_time is None or when >= st.last_data_time:
            st.last_data_time = when
    st.packets += 1
    st.commands[p.cn] += 1
    st.deviations.update(deviations)
    if at >= st.last_at or not st.last_packet:
        st.last_at, st.last_cn, st.last_packet, st.last_peer = at, p.cn, raw.decode("utf-8", "replace").rstrip(), \
            meta.get("peer")


def _values(built: Built, kind: str, when: dt.datetime, region, p, dev: DeviceInfo, at: dt.datetime,
            settings: HJ212Settings, deviations: list) -> int:
    table = codes()
    rows = built.rows(kind, when.date())
    n = 0
    label = when + dt.timedelta(hours=1)                     # hour-ending label (docs/architecture.md "Time")
    hour = kind == "hour"
    numeric = hj212.VALUE_SUFFIXES
    for code, fields in region.factors.items():
        flag = fields.get("Flag")
        key = (dev.mn, p.st, code)
        sent = built.units.get(key)
        if sent is None:
            sent = built.units[key] = settings.unit_of(code, p.st, dev.units)
        known = table.get(code)
        missing = False
        for name, text in fields.items():
            if name not in numeric:
                continue
            if flag is None:
                if not missing:
                    deviations.append("missing -Flag")
                    missing = True
                use = settings.missing_flag
            else:
                use = flag
            value = hj212.parse_value(text)
            if value is None:
                deviations.append(f"unreadable value {code}-{name}")
                continue
            n += 1
            rows.append((dev.mn, dev.station, dev.facility, when, code, name, value, sent, use, at, p.qn))
            if not hour or use not in settings.valid_flags:
                continue
            if dev.target == "station" and name == "Avg" and known and known.pollutant:
                to = STORE_UNIT.get(known.pollutant, "µg/m³")
                stored = exact(text, sent, to)
                if stored is None:
                    deviations.append(f"unit {sent or '?'} of {code} cannot become {to}")
                    continue
                for c, v in zip(built.station, (dev.station, label, known.pollutant, stored, to, "1h")):
                    built.station[c].append(v)
            elif dev.target == "facility":
                metric = known.metric.get(name) if known else None
                out = [(f"{code}-{name}", value, sent if name != "Cou" else "kg")]
                if metric:
                    out.append((metric, value, "kg/h"))
                for m, v, u in out:
                    for c, x in zip(built.facility, (dev.facility, label, m, v, u)):
                        built.facility[c].append(x)
        if flag is not None and flag not in hj212.DATA_FLAGS:
            deviations.append(f"data flag {flag[:4]} not in 表8")
    built.values += n
    return n


# --------------------------------------------------------------------------- writing what was built
def write_stores(built: Built, measurements: Path, settings: HJ212Settings, batch: str) -> dict:
    """The Parquet side: series parts, the station store's merge, the facility tree's merge."""
    series = LiveSeries(measurements)
    for (kind, day), rows in sorted(built.series.items()):
        if rows:
            series.write(kind, day, dict(zip(COLUMNS, (list(c) for c in zip(*rows)))), batch)
    out = {"values": built.values, "hourly_new": 0, "hourly_changed": 0, "facility_new": 0}
    if built.station["station"]:
        table = pa.table({"station": pa.array(built.station["station"], pa.string()),
                          "time": pa.array(built.station["time"], pa.timestamp("s")),
                          "pollutant": pa.array(built.station["pollutant"], pa.string()),
                          "value": pa.array(built.station["value"], pa.float64()),
                          "unit": pa.array(built.station["unit"], pa.string()),
                          "averaging": pa.array(built.station["averaging"], pa.string())})
        summary = ImportSummary(f"hj212-{batch}", settings.source, [{"name": f"HJ 212 journal {batch}",
                                                                       "rows": table.num_rows}])
        Store(measurements).ingest(table, settings.source, summary)
        out["hourly_new"], out["hourly_changed"] = summary.new, summary.changed
    if built.facility["facility"]:
        result = FacilityStore(measurements).ingest(pa.table({
            "facility": pa.array(built.facility["facility"], pa.string()),
            "time": pa.array(built.facility["time"], pa.timestamp("s")),
            "metric": pa.array(built.facility["metric"], pa.string()),
            "value": pa.array(built.facility["value"], pa.float64()),
            "unit": pa.array(built.facility["unit"], pa.string())}))
        out["facility_new"] = result.new + result.changed
    return out


def write_records(s: Session, built: Built) -> None:
    """The database side: device states and quarantine rows (in the caller's transaction)."""
    have = {}
    mns = list(built.states)
    for k in range(0, len(mns), 500):
        have.update({r.mn: r for r in s.scalars(sa.select(DeviceState).where(DeviceState.mn.in_(mns[k:k + 500])))})
    for mn, delta in built.states.items():
        row = have.get(mn)
        if row is None:
            row = DeviceState(mn=mn, first_at=delta.first_at, last_at=delta.last_at, last_cn=delta.last_cn,
                              last_packet=delta.last_packet, packets=0, values=0, refused=0, commands="{}",
                              deviations="{}")
            s.add(row)
        if delta.last_packet and delta.last_at >= row.last_at or not row.last_packet:
            row.last_at, row.last_cn, row.last_packet, row.last_peer = delta.last_at, delta.last_cn or row.last_cn, \
                delta.last_packet or row.last_packet, delta.last_peer
        if delta.last_data_time and (row.last_data_time is None or delta.last_data_time > row.last_data_time):
            row.last_data_time = delta.last_data_time
        row.packets += delta.packets
        row.values += delta.values
        row.refused += delta.refused
        row.commands = json.dumps(dict(Counter(json.loads(row.commands)) + delta.commands), sort_keys=True)
        row.deviations = json.dumps(dict(Counter(json.loads(row.deviations)) + delta.deviations),
                                    ensure_ascii=False, sort_keys=True)
    if built.quarantine:
        refs = [q["journal_ref"] for q in built.quarantine]
        have = set(s.scalars(sa.select(Quarantined.journal_ref).where(Quarantined.journal_ref.in_(refs))))
        for q in built.quarantine:
            if q["journal_ref"] not in have:
                s.add(Quarantined(state="held", **q))


def apply_assigned(s: Session, rows: list[Quarantined], dev: Device, measurements: Path,
                   settings: HJ212Settings) -> dict:
    """Held packets the office vouches for as ``dev``'s, built like received ones."""
    built, split = Built(), {}
    info = DeviceInfo(dev.mn, dev.target_kind, dev.station_code,
                      None if dev.facility_id is None else str(dev.facility_id), json.loads(dev.units or "{}"))
    for r in rows:
        meta = {"t": int(r.received_at.timestamp() * 1000), "peer": r.peer, "v": "ok"}
        interpret(built, f"q{r.id}", meta, r.raw, {}, settings, split, force=info)
    for delta in built.states.values():
        delta.refused = 0
    out = write_stores(built, measurements, settings, "assigned-" + "-".join(str(r.id) for r in rows[:8]))
    write_records(s, built)
    return out


# --------------------------------------------------------------------------- the builder
@dataclass
class BuildResult:
    records: int
    values: int
    quarantined: int
    position: tuple[int, int]
    stores: dict


class Builder:
    """Builds the store from the journal, from its checkpoint to the journal's end, a batch at a time."""

    def __init__(self, url: str, folder: Path, measurements: Path, settings: HJ212Settings, batch: int = 50_000):
        self.url, self.folder, self.measurements, self.settings, self.batch = url, Path(folder), Path(measurements), \
            settings, batch
        self._split: dict = {}
        self.lag: list[float] = []              # seconds from receipt to built, of the last batch's records

    def checkpoint(self) -> tuple[int, int]:
        with db.session(self.url) as s:
            row = s.get(Checkpoint, CHECKPOINT)
            return (row.segment, row.offset) if row else (1, 0)

    def run_once(self) -> BuildResult:
        segment, offset = self.checkpoint()
        records = list(journal.read(self.folder, segment, offset, limit=self.batch))
        if not records:
            return BuildResult(0, 0, 0, (segment, offset), {})
        with db.session(self.url) as s:
            known = devices(s)
        built = Built()
        for r in records:
            interpret(built, r.ref, r.meta, r.raw, known, self.settings, self._split)
        last = records[-1]
        batch = f"{records[0].segment:08d}-{records[0].offset:012d}"
        stores = write_stores(built, self.measurements, self.settings, batch)
        with db.session(self.url) as s:
            write_records(s, built)
            row = s.get(Checkpoint, CHECKPOINT)
            if row is None:
                row = Checkpoint(name=CHECKPOINT, segment=last.segment, offset=last.end, records=0, updated_at=now_utc())
                s.add(row)
            row.segment, row.offset, row.records, row.updated_at = last.segment, last.end, row.records + len(records), \
                now_utc()
        done = time.time()
        self.lag = [done - r.meta["t"] / 1000 for r in records]
        return BuildResult(len(records), built.values, len(built.quarantine), (last.segment, last.end), stores)

    def run(self, stop: threading.Event, on_error=None) -> None:
        """Build every ``build_seconds`` until ``stop`` is set (a thread of the receiver's process)."""
        while not stop.is_set():
            try:
                while self.run_once().records >= self.batch and not stop.is_set():
                    pass
            except Exception as exc:                 # noqa: BLE001 — reported, retried at the next turn
                if on_error:
                    on_error(exc)
            stop.wait(self.settings.build_seconds)
