"""A small workspace for the live room: Changzhi's counties, two stations placed in 潞州区 and 屯留区, an
enterprise with a boiler, an account per role, and three devices — on SQLite and on PostgreSQL."""
from __future__ import annotations

import json
import socket
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from databases import fresh_database, database_url
from lantian import db
from lantian.accounts.scope import Scope
from lantian.live import devices, hj212
from lantian.live.settings import hj212_settings
from lantian.measurements import stations
from lantian.workspace import init

STATION_MN = "LZ00000000000000000000A1"
TUNLIU_MN = "TL00000000000000000000B2"
BOILER_MN = "GL00000000000000000000C3"
PW = "123456"


@contextmanager
def database_env(url: str):
    with database_url(url):
        yield


@dataclass
class Live:
    root: Path
    url: str
    kind: str

    @property
    def ws(self):
        from lantian.workspace import Workspace
        return Workspace(self.root)

    @property
    def measurements(self) -> Path:
        return self.root / "measurements"

    @property
    def journal(self) -> Path:
        return self.root / "live" / "journal"

    def office(self) -> Scope:
        return Scope.office(self.url, "test")

    def settings(self, **config):
        return hj212_settings({"hj212": config} if config else {})

    def build(self, **config) -> dict:
        from lantian.live.builder import Builder
        b = Builder(self.url, self.journal, self.measurements, self.settings(**config))
        total = {"records": 0, "values": 0, "quarantined": 0}
        while True:
            r = b.run_once()
            if not r.records:
                return total
            for k in total:
                total[k] += getattr(r, k)


def make_enterprise(url: str) -> tuple[int, int]:
    """The demo enterprise (the `qiye` account's, in 潞州区) with a coal boiler (ledger tables written
    directly: a test fixture)."""
    import sqlalchemy as sa
    from lantian.accounts.models import Enterprise, User
    from lantian.enterprises.models import Facility, Ledger
    now = db.now_utc()
    with db.session(url) as s:
        e = s.get(Enterprise, s.scalar(sa.select(User.enterprise_id).where(User.username == "qiye")))
        if s.get(Ledger, e.id) is None:
            s.add(Ledger(enterprise_id=e.id, industry="焦化", updated_by="test", updated_at=now))
        f = Facility(enterprise_id=e.id, kind="boiler", code="GL-1", name="1号燃煤锅炉", status="在用",
                     attrs=json.dumps({"capacity": 40, "fuel": "燃煤", "commissioned": "2012-05-01"}, ensure_ascii=False),
                     synthetic=True, updated_by="test", updated_at=now)
        s.add(f)
        s.flush()
        return e.id, f.id


def build_live(root: Path, url: str, data_dir: Path) -> tuple[int, int]:
    ws = init(root)
    db.upgrade(url)
    stations.load_boundaries(url, data_dir / "boundaries" / "140400_full.json", changed_by="test")
    stations.add_station(url, "9001A", "潞州测试站", 113.117, 36.195, network="national")
    stations.add_station(url, "9002A", "屯留测试站", 112.892, 36.316, network="national")
    from lantian.demo import demo_accounts
    demo_accounts(url)
    enterprise, facility = make_enterprise(url)
    office = Scope.office(url, "test")
    with db.session(url) as s:
        devices.add(s, office, STATION_MN, PW, station="9001A")
        devices.add(s, office, TUNLIU_MN, PW, station="9002A", units={"a21026": "mg/m³"})
        devices.add(s, office, BOILER_MN, PW, facility=facility)
    return enterprise, facility


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def live(request, tmp_path_factory, data_dir):
    folder = tmp_path_factory.mktemp(f"live-{request.param}")
    with fresh_database(request.param, folder) as url:
        with database_env(url):
            build_live(folder / "ws", url, data_dir)
        yield Live(folder / "ws", url, request.param)


def segment(cn: str, cp: str, *, mn: str = STATION_MN, pw: str = PW, qn: str = "20240501100000001", flag: int = 5,
            st: str = "22") -> str:
    return f"QN={qn};ST={st};CN={cn};PW={pw};MN={mn};Flag={flag};CP=&&{cp}&&"


def packet(*args, **kwargs) -> bytes:
    return hj212.encode(segment(*args, **kwargs))


class Device:
    """A device's side of the TCP connection: send bytes, read the answers (each a whole packet)."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.framer = hj212.Framer()
        self.got: list[hj212.Packet] = []

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def answers(self, n: int) -> list[hj212.Packet]:
        while len(self.got) < n:
            data = self.sock.recv(65536)
            if not data:
                break
            for f in self.framer.feed(data):
                assert f.error is None, f.error
                self.got.append(hj212.parse_segment(f.segment))
        out, self.got = self.got[:n], self.got[n:]
        return out

    def silent(self, seconds: float = 0.3) -> bool:
        self.sock.settimeout(seconds)
        try:
            return self.sock.recv(65536) == b""
        except socket.timeout:
            return True
        finally:
            self.sock.settimeout(10)

    def close(self) -> None:
        self.sock.close()
