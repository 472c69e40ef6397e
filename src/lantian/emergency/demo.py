"""The emergency room's demo, through the office's own ways in: the reduction list (应急减排清单: the
ledger's enterprises of ``emergency/demo.toml``, on the list, with synthetic baselines and city totals)
and the 2022 season's 错峰生产 calendar with the demo's deliveries and acknowledgements. Every record
is synthetic and labelled so. Re-running changes nothing."""
from __future__ import annotations

import datetime as dt
import tempfile
import tomllib
from pathlib import Path

import sqlalchemy as sa

from lantian import db
from lantian.accounts import service as accounts
from lantian.accounts.models import User
from lantian.accounts.scope import Scope
from lantian.emergency import listfile, reduction, staggered
from lantian.emergency import service as emergency
from lantian.emergency.models import StaggeredCalendar
from lantian.enterprises import service as ledgers

DEMO = Path(__file__).parent / "demo.toml"
#: the demo's 2022–2023 staggered-production calendar (synthetic): issued on this day, then delivered and
#: acknowledged by some — the enterprise account for itself, the county accounts on paper for theirs
STAGGERED_ISSUED = dt.date(2022, 11, 1)
STAGGERED_ACKS = [("qiye", None, "ack"), ("luzhou", "长治市潞州区红旗水泥有限公司", "ack"),
                  ("luzhou", "长治市科保水泥有限公司", "ack"), ("tunliu", "长治市屯留区瑞昌水泥有限公司", "receive")]


def demo_reduction(url: str) -> int:
    """The reduction list with synthetic baselines and city totals (labelled): a list file in the
    template's layout read by :mod:`lantian.emergency.listfile` and imported by
    :mod:`lantian.emergency.reduction`, the totals as ``lantian reduction total`` sets them; the number
    of entries on the list. Idempotent."""
    data = tomllib.loads(DEMO.read_text(encoding="utf-8"))
    office = Scope.office(url, "demo")
    with db.session(url) as s:
        rows = _list_rows(s, data)
        with tempfile.TemporaryDirectory(prefix="lantian-demo-") as tmp:
            path = listfile.write(Path(tmp) / "应急减排清单（合成演示）.csv", rows,
                                  county_names=reduction.county_names(s))
            read = listfile.read(path, counties=ledgers.county_lookup(s))
        if read:
            reduction.import_rows(s, office, read, source=path.name)
        for pollutant, tonnes in data["totals"].items():
            emergency.set_total(s, data["year"], pollutant, str(tonnes), data["total_source"], actor="demo")
        return len(emergency.entries(s))


def _list_rows(s, data: dict) -> list[dict]:
    """The list file's rows: each demo baseline of an enterprise the ledger has, by pollutant."""
    profiles = {p["name"]: p for p in ledgers.profiles(s).values()}
    codes = {p["id"]: p["credit_code"] for p in ledgers.credit_codes(s)}
    rows = []
    for name, values in data["baselines"].items():
        p = profiles.get(name)
        if p is None:
            continue
        for pollutant, tonnes in values.items():
            rows.append({"credit_code": codes[p["id"]], "name": name, "county": p["county"],
                         "industry": p["industry"], "grade": p["grade"], "pollutant": pollutant,
                         "tonnes": str(tonnes), "source": data["source"], "listed": True})
    return rows


def demo_staggered(url: str, root: Path, config: dict | None = None) -> int:
    """Issue the 2022 season's 错峰生产 calendar and record the demo's deliveries and acknowledgements,
    through the emergency room's service as the office, the enterprise and the counties would; the
    calendar's id (0 when it was issued already). Idempotent."""
    with db.session(url) as s:
        if s.scalar(sa.select(StaggeredCalendar.id).where(StaggeredCalendar.season == STAGGERED_ISSUED.year)):
            return 0
        cal = staggered.issue(s, root, Scope.office(url, "demo"), STAGGERED_ISSUED.year, on=STAGGERED_ISSUED,
                              config=config, synthetic=True)
        ids = {p["name"]: i for i, p in ledgers.profiles(s).items()}
        for username, name, action in STAGGERED_ACKS:
            user = s.scalar(sa.select(User).where(User.username == username))
            scope = Scope.of(accounts.principal(user), url)
            (staggered.acknowledge if action == "ack" else staggered.receive)(s, scope, cal.id,
                                                                              ids.get(name) if name else None)
        return cal.id
