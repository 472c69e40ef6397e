"""The recomputed feed equals a plain scalar reference of FeedRules, value for value, on random
grids — whole and decimal values, negative ones, gaps and silent hours, a grid starting mid-day —
whatever packing and shortcuts the values allow (lantian.measurements.packing, Fit)."""
from fractions import Fraction

import numpy as np
import pytest

from lantian.measurements.feed import Feed, FeedRules, recompute
from lantian.measurements.readers.cnemc import DERIVED_TYPES, HOURLY_TYPES, MISSING
from lantian.standards import aqi as ref

UNIT = {"PM2.5": 1000, "PM10": 1000, "SO2": 1000, "NO2": 1000, "O3": 1000, "CO": 100}
ITEM = {"PM2.5": "PM2_5_1h", "PM10": "PM10_1h", "SO2": "SO2_1h", "NO2": "NO2_1h", "O3": "O3_1h", "CO": "CO_1h"}
MEANS = {"PM2.5_24h": "PM2.5", "PM10_24h": "PM10", "SO2_24h": "SO2", "NO2_24h": "NO2", "CO_24h": "CO"}


def rounded(n: int, d: int) -> int:
    """n / d rounded half-even the way arith.half_even_div computes it: GB/T 8170 for n ≥ 0 (its
    domain); below zero a tie goes down, its parity test being the engines' truncating q % 2 == 1."""
    q, r = divmod(n, d)
    return q + (2 * r > d or (2 * r == d and q > 0 and q % 2 == 1))


def mean(values, unit, least):
    return rounded(sum(values), len(values) * unit) if len(values) >= max(least, 1) else None


def top(values):
    values = [v for v in values if v is not None]
    return max(values) if values else None


def iaqi(typ, c, rules, so2_24h):
    if c is None or c < 0:
        return None
    if typ == "SO2" and c > 800 and rules.aqi_version == 2012:          # 2026 Table 3 note b: 200
        if rules.so2_1h_over_800 is not None:
            return rules.so2_1h_over_800
        return None if so2_24h is None or so2_24h < 0 else ref.iaqi("SO2_24h", so2_24h, rules.aqi_version)
    return ref.iaqi(ITEM[typ], Fraction(c, 10) if typ == "CO" else c, rules.aqi_version)


def reference(feed: Feed, rules: FeedRules) -> dict:
    """Every derived row, station by station and hour by hour, straight from the rules' wording."""
    S, T = len(feed.stations), feed.n_hours
    out = {typ: np.full((S, T), MISSING, dtype=np.int64) for typ in DERIVED_TYPES}
    hod = (np.arange(feed.t0, feed.t0 + T) - 1) % 24 + 1
    for s in range(S):
        v = {p: [None if x == MISSING else int(x) for x in feed.hourly[p][s]] for p in HOURLY_TYPES}
        o3_8h = []
        for k in range(T):
            row = {}
            for typ, p in MEANS.items():
                row[typ] = mean([x for x in v[p][max(0, k - 23):k + 1] if x is not None], UNIT[p], rules.min_hours_24h)
            hours = min(hod[k], rules.o3_8h_hours) if rules.o3_8h_restarts_daily else rules.o3_8h_hours
            row["O3_8h"] = mean([x for x in v["O3"][max(0, k - hours + 1):k + 1] if x is not None], 1000, 1)
            if row["O3_8h"] is not None and rules.o3_8h_cap is not None:
                row["O3_8h"] = min(row["O3_8h"], rules.o3_8h_cap)
            o3_8h.append(row["O3_8h"])
            units = {p: None if v[p][k] is None else rounded(v[p][k], UNIT[p]) for p in HOURLY_TYPES}
            row["O3_24h"] = top([None if x is None else rounded(x, 1000) for x in v["O3"][max(0, k - 23):k + 1]])
            first = k - 16 if hod[k] == 24 else k - hod[k] + 1
            row["O3_8h_24h"] = top(o3_8h[max(0, first):k + 1])
            aqi = top([iaqi(p, units[p], rules, row["SO2_24h"]) for p in HOURLY_TYPES])
            if rules.aqi_requires_pm and units["PM2.5"] is None and units["PM10"] is None:
                aqi = None
            row["AQI"] = aqi
            silent = all(v[p][k] is None for p in HOURLY_TYPES)
            for typ in DERIVED_TYPES:
                if row[typ] is not None and not (silent and rules.blank_when_silent):
                    out[typ][s, k] = row[typ]
    return out


def random_feed(seed: int, kind: str) -> Feed:
    rng = np.random.default_rng(seed)
    S, T = 3, int(rng.integers(30, 80))
    feed = Feed(files=[], stations=[f"S{i}" for i in range(S)], t0=int(rng.integers(430000, 430048)), n_hours=T)
    for p in HOURLY_TYPES:
        high = {"SO2": 1200, "CO": 30}.get(p, 600)
        whole = rng.integers(0, high + 1, (S, T)) * UNIT[p]
        values = {"whole": whole,
                  "decimals": rng.integers(0, high * UNIT[p], (S, T)),
                  "negative": whole - 40 * UNIT[p],
                  "large": whole * 10_000_000}[kind if p != "CO" or kind != "decimals" else "whole"]
        missing = rng.random((S, T)) < 0.3
        missing[:, rng.integers(0, T, 3)] = True                       # some hours silent everywhere
        feed.hourly[p] = np.where(missing, MISSING, values).astype(np.int64)
    return feed


@pytest.mark.parametrize("kind", ["whole", "decimals", "negative", "large"])
@pytest.mark.parametrize("seed", range(3))
def test_random_feeds_equal_the_reference(con, seed, kind):
    feed = random_feed(seed, kind)
    rules = FeedRules()
    got = recompute(feed, con, rules).values
    want = reference(feed, rules)
    for typ in DERIVED_TYPES:
        assert np.array_equal(got[typ], want[typ]), (typ, seed, kind)
    if kind in ("whole", "decimals"):                     # O3 up to 600: the 300 cap is reached
        assert (got["O3_8h"] == 300).any() and got["O3_8h"].max() == 300


@pytest.mark.parametrize("rules", [
    FeedRules(so2_1h_over_800=None),
    FeedRules(o3_8h_restarts_daily=False, o3_8h_hours=6),
    FeedRules(aqi_requires_pm=False, blank_when_silent=False),
    FeedRules(min_hours_24h=18),
    FeedRules(aqi_version=2026, so2_1h_over_800=None),
    FeedRules(o3_8h_cap=None),
], ids=["so2-fallback", "o3-no-restart", "no-pm-no-blank", "min-18h", "hj633-2026", "o3-8h-uncapped"])
def test_rule_variants_equal_the_reference(con, rules):
    for kind in ("whole", "decimals"):
        feed = random_feed(7, kind)
        got = recompute(feed, con, rules).values
        want = reference(feed, rules)
        for typ in DERIVED_TYPES:
            assert np.array_equal(got[typ], want[typ]), (typ, kind)


def test_hourly_aqi_needs_so2_24h_for_the_2012_fallback():
    from lantian.measurements.feed import hourly_aqi
    feed = random_feed(1, "whole")
    with pytest.raises(ValueError, match="SO2_24h"):
        hourly_aqi(feed, FeedRules(so2_1h_over_800=None))
    assert hourly_aqi(feed).shape == (len(feed.stations), feed.n_hours)
