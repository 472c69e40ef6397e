"""Verifying the reduction list from hourly facility data: hand-built cases, the synthetic set,
and precision/recall on a held-out seed the settings were not tuned on."""
import time
from dataclasses import replace
from datetime import datetime

import numpy as np
import pyarrow as pa
import pytest

from lantian.emergency.series import EMISSIONS, METRICS, SCHEMA, UNITS
from lantian.emergency.synthetic import HELD_OUT_SEED, TUNING_SEED, generate
from lantian.emergency.verification import (KINDS, MAJOR, SERIOUS, Commitment, Suspect, VerifySettings, score,
                                            verify)

START = datetime(2024, 1, 1)                  # hour-ending labels from 01:00
WARNING = (datetime(2024, 1, 8), datetime(2024, 1, 10))   # after 7 baseline days, 48 hours
HOURS = 9 * 24
BASE = np.arange(HOURS) < 7 * 24
WARN = ~BASE
NIGHT = np.isin(np.arange(HOURS) % 24, (22, 23, 0, 1, 2, 3, 4, 5))


def noisy(level, sigma=0.03, seed=0):
    return level * np.exp(np.random.default_rng(seed).normal(0, sigma, HOURS))


def shifts(full=1000.0):
    """A two-shift plant: full load 06–22, 45 % at night."""
    hour = np.arange(HOURS) % 24
    return np.where((hour >= 6) & (hour < 22), full, 0.45 * full)


def table(facility="SYN-T01", **metrics):
    """A long table of one facility's metrics; NaN is a gap."""
    parts = []
    times = np.datetime64(START, "s") + (np.arange(HOURS) + 1) * np.timedelta64(3600, "s")
    for name, values in metrics.items():
        keep = ~np.isnan(values)
        n = int(keep.sum())
        parts.append(pa.table({"facility": [facility] * n, "time": pa.array(times[keep], pa.timestamp("s")),
                               "metric": [name] * n, "value": values[keep], "unit": [UNITS[name]] * n},
                              schema=SCHEMA))
    return pa.concat_tables(parts)


def check(data, cut, has_treatment=True, **settings):
    facility = data.column("facility")[0].as_py()
    return verify(data, {facility: Commitment(facility, cut, has_treatment)}, WARNING,
                  settings=replace(VerifySettings(), **settings))


def kinds(suspects):
    return {s.kind for s in suspects}


# ---------------------------------------------------------------- each kind on a hand-built series

def test_production_not_reduced():
    production = noisy(shifts())                                   # no cut at all during the warning
    [suspect] = check(table(production_kw=production), cut=0.5)
    assert suspect.kind == "production_not_reduced" and suspect.severity == MAJOR
    assert suspect.hours >= 48 - VerifySettings().grace_hours - 2
    e = suspect.evidence
    assert e.metric == "production_kw" and e.unit == "kW"
    assert e.observed == pytest.approx(e.baseline, rel=0.05)
    assert e.baseline * 0.5 < e.expected_max < e.baseline * 0.75
    assert e.coverage == 1.0
    assert e.periods[0][0] > WARNING[0] and e.periods[-1][1] <= WARNING[1]


def test_a_stopped_plant_producing_at_night():
    production = np.where(WARN, 30.0, shifts())                    # 停产: standby power only …
    production = noisy(np.where(WARN & NIGHT, 450.0, production))  # … but the night shift runs
    [suspect] = check(table(production_kw=production), cut=1.0)
    assert suspect.kind == "production_not_reduced"
    for first, last in suspect.evidence.periods:                   # only night hours flagged
        assert first.hour in (22, 23, 0, 1, 2, 3, 4, 5, 6) and last.hour in (23, 0, 1, 2, 3, 4, 5, 6)


def test_treatment_off_at_night_while_producing():
    production = noisy(np.where(WARN, 0.8, 1.0) * shifts())        # the 20 % cut is kept
    treatment = noisy(np.where(WARN & NIGHT, 2.0, 150.0), seed=1)
    [suspect] = check(table(production_kw=production, treatment_kw=treatment), cut=0.2)
    assert suspect.kind == "treatment_off" and suspect.severity == SERIOUS
    assert suspect.hours == int((WARN & NIGHT).sum())
    e = suspect.evidence
    assert e.observed == pytest.approx(2.0, rel=0.1) and e.expected_min < 30 and e.baseline > 140
    assert e.production > 300
    assert len(e.periods) == 3                                     # parts of three nights


def test_treatment_off_is_not_judged_without_a_treatment_line_or_while_stopped():
    production = noisy(shifts())
    treatment = noisy(np.where(WARN, 1.0, 150.0))
    assert kinds(check(table(production_kw=production, treatment_kw=treatment), cut=0.0)) == {"treatment_off"}
    assert check(table(production_kw=production, treatment_kw=treatment), cut=0.0, has_treatment=False) == []
    stopped = noisy(np.where(WARN, 20.0, shifts()))
    assert check(table(production_kw=stopped, treatment_kw=treatment), cut=1.0) == []


def test_a_single_zero_reading_is_a_glitch_not_a_violation():
    treatment = noisy(np.full(HOURS, 150.0))
    treatment[7 * 24 + 10] = 0.0
    treatment[7 * 24 + 30] = 0.0
    assert check(table(production_kw=noisy(shifts()), treatment_kw=treatment), cut=0.0) == []


def test_emissions_not_reduced_while_production_is():
    production = noisy(np.where(WARN, 0.5, 1.0) * shifts())
    nox = noisy(shifts(20.0), sigma=0.08, seed=2)                  # the outlet emits as before
    so2 = noisy(np.where(WARN, 0.5, 1.0) * shifts(8.0), sigma=0.08, seed=3)
    [suspect] = check(table(production_kw=production, nox_kgh=nox, so2_kgh=so2), cut=0.5)
    assert suspect.kind == "emissions_not_reduced"
    assert suspect.evidence.metric == "nox_kgh" and suspect.evidence.unit == "kg/h"
    assert suspect.evidence.other_metrics == ()
    assert suspect.evidence.observed > suspect.evidence.expected_max


def test_several_kinds_at_once():
    production = noisy(shifts())
    treatment = noisy(np.where(WARN, 0.5, 150.0))
    pm = noisy(np.where(WARN, 8.0, 1.0) * shifts(2.0), seed=4)   # treatment off: the outlet shows it
    found = check(table(production_kw=production, treatment_kw=treatment, pm_kgh=pm), cut=0.2)
    assert kinds(found) == set(KINDS)
    assert found[0].kind == "treatment_off"                      # most serious first


# ---------------------------------------------------------------- compliant, noise, gaps, settings

@pytest.mark.parametrize("cut", [0.2, 0.5, 1.0])
def test_compliant_with_noise_near_the_tolerance_is_not_flagged(cut):
    above = 0.06                                                   # half the tolerance (0.12 of full load)
    level = np.where(WARN, 1 - cut + above, 1.0)
    for seed in range(10):
        production = noisy(level * shifts(), sigma=0.05, seed=seed)
        production[np.random.default_rng(seed).random(HOURS) < 0.02] *= 2.0   # spikes
        so2 = noisy(level * shifts(10.0), sigma=0.1, seed=seed + 10)
        assert check(table(production_kw=production, so2_kgh=so2), cut=cut) == [], seed


def test_just_beyond_the_tolerance_is_flagged():
    production = noisy(np.where(WARN, 0.5 + 0.2, 1.0) * shifts(), sigma=0.06)
    assert kinds(check(table(production_kw=production), cut=0.5)) == {"production_not_reduced"}


def test_settings_are_used():
    production = noisy(np.where(WARN, 0.7, 1.0) * shifts())
    assert check(table(production_kw=production), cut=0.5, production_tolerance=0.3) == []
    assert check(table(production_kw=production), cut=0.5, min_hours=200) == []


def test_gap_hours_are_not_evidence_and_coverage_is_stated():
    production = noisy(shifts())
    production[WARN & (np.arange(HOURS) % 2 == 0)] = np.nan        # every other warning hour missing
    [suspect] = check(table(production_kw=production), cut=0.5)
    e = suspect.evidence
    assert e.hours_with_data == 24 and e.warning_hours == 48 and e.coverage == 0.5
    assert suspect.hours <= 24


def test_a_warning_without_data_yields_nothing():
    production = noisy(shifts())
    production[WARN] = np.nan
    treatment = noisy(np.full(HOURS, 150.0))
    assert check(table(production_kw=production, treatment_kw=treatment), cut=0.5) == []


def test_treatment_gaps_are_not_treatment_off():
    treatment = noisy(np.full(HOURS, 150.0))
    treatment[WARN & NIGHT] = np.nan                               # the meter is silent at night
    assert check(table(production_kw=noisy(shifts()), treatment_kw=treatment), cut=0.0) == []


def test_baseline_skips_gap_days():
    production = noisy(shifts())
    production[:4 * 24] = np.nan                                   # four of the seven days missing
    production[WARN] *= 0.5
    assert check(table(production_kw=production), cut=0.5) == []
    production[WARN] *= 2
    [suspect] = check(table(production_kw=production), cut=0.5)
    e = suspect.evidence
    assert e.baseline == pytest.approx(e.observed, rel=0.05)
    assert e.expected_max == pytest.approx(0.5 * e.baseline + 0.12 * 1000, rel=0.05)
    production[:5 * 24] = np.nan                                   # two days left: no baseline
    assert check(table(production_kw=production), cut=0.5) == []


def test_weekend_lowers_the_baseline():
    hour = np.arange(HOURS)
    weekend = np.isin((START.weekday() + hour // 24) % 7, (5, 6))  # 2024-01-01 is a Monday
    production = noisy(np.where(weekend, 0.6, 1.0) * shifts())
    production[WARN] = noisy(shifts())[WARN]                        # warning on Mon–Tue: no cut
    assert kinds(check(table(production_kw=production), cut=0.2)) == {"production_not_reduced"}
    assert check(table(production_kw=production), cut=0.2, weekday_below=None)[0].hours > 0


def test_commitments_without_data_and_data_without_commitments():
    data = table(production_kw=noisy(shifts()))
    assert verify(data, {"SYN-OTHER": Commitment("SYN-OTHER", 0.5)}, WARNING) == []
    assert verify(data, {}, WARNING) == []
    with pytest.raises(ValueError):
        Commitment("SYN-X", 1.5)
    with pytest.raises(ValueError):
        verify(data, {}, (WARNING[1], WARNING[0]))


# ---------------------------------------------------------------- scoring and the synthetic sets

def test_score_counts_facility_kind_pairs():
    e = None
    found = [Suspect("A", "treatment_off", 3, e, SERIOUS), Suspect("A", "production_not_reduced", 5, e, MAJOR),
             Suspect("B", "treatment_off", 4, e, SERIOUS)]
    s = score(found, {"A": {"treatment_off", "emissions_not_reduced"}, "C": {"treatment_off"}})
    assert (s.tp, s.fp, s.fn) == (1, 2, 2)
    assert s.precision == pytest.approx(1 / 3) and s.recall == pytest.approx(1 / 3)
    assert score([], {}).precision == 1.0


def test_the_generator_is_varied_deterministic_and_marked_synthetic():
    syn = generate(seed=TUNING_SEED)
    table, truth = syn
    assert table.equals(generate(seed=TUNING_SEED).table)
    facilities = set(table.column("facility").to_pylist())
    assert len(syn.commitments) == 60 and all(f.startswith("SYN-") for f in syn.commitments)
    assert set(truth) <= facilities and all(kinds <= set(KINDS) for kinds in truth.values())
    assert {c.cut for c in syn.commitments.values()} == {0.0, 0.2, 0.5, 1.0}
    metrics_of = {f: set() for f in facilities}
    for f, m in zip(table.column("facility").to_pylist(), table.column("metric").to_pylist()):
        metrics_of[f].add(m)
    with_cems = [bool(m & set(EMISSIONS)) for m in metrics_of.values()]
    metered = ["treatment_kw" in m for m in metrics_of.values()]
    assert any(with_cems) and not all(with_cems) and any(metered) and not all(metered)
    assert set().union(*metrics_of.values()) == set(METRICS)
    assert sum(len(k) >= 2 for k in truth.values()) >= 3                     # several ways at once
    assert 15 <= len(truth) <= 45                                            # compliant ones too
    assert any("at night" in b for f, b in syn.behaviour.items() if f in truth)  # partial violations
    assert sum("near tolerance" in b for f, b in syn.behaviour.items() if f not in truth) >= 3
    assert table.num_rows < 60 * 14 * 24 * len(METRICS)                      # gaps
    assert syn.warning == (datetime(2024, 12, 12), datetime(2024, 12, 16))


def test_sixty_facilities_fourteen_days_five_metrics_in_well_under_a_second():
    n, hours = 60, 14 * 24
    rng = np.random.default_rng(0)
    times = np.datetime64(datetime(2024, 12, 4), "s") + (np.arange(hours) + 1) * np.timedelta64(3600, "s")
    full = pa.table({"facility": np.repeat([f"SYN-{i:03d}" for i in range(n)], hours * 5),
                     "time": pa.array(np.tile(times, n * 5), pa.timestamp("s")),
                     "metric": np.tile(np.repeat(METRICS, hours), n),
                     "value": rng.uniform(1, 100, n * hours * 5),
                     "unit": np.tile(np.repeat([UNITS[m] for m in METRICS], hours), n)}, schema=SCHEMA)
    commitments = {f: Commitment(f, 0.5) for f in set(full.column("facility").to_pylist())}
    warning = (datetime(2024, 12, 12), datetime(2024, 12, 16))
    verify(full, commitments, warning)
    began = time.perf_counter()
    verify(full, commitments, warning)
    assert time.perf_counter() - began < 0.5


def test_tuning_set():
    syn = generate(n_facilities=300, seed=TUNING_SEED)
    s = score(verify(syn.table, syn.commitments, syn.warning), syn.truth)
    print(f"\ntuning set (seed {TUNING_SEED}, 300 facilities): precision {s.precision:.3f} recall {s.recall:.3f} "
          f"(tp {s.tp}, fp {s.fp}, fn {s.fn})")
    assert s.precision >= 0.95 and s.recall >= 0.95


def test_held_out_precision_and_recall():
    """Settings were tuned on TUNING_SEED only; this seed was first run after tuning was fixed."""
    syn = generate(seed=HELD_OUT_SEED)
    s = score(verify(syn.table, syn.commitments, syn.warning), syn.truth)
    print(f"\nheld-out (seed {HELD_OUT_SEED}, 60 facilities): precision {s.precision:.3f} recall {s.recall:.3f} "
          f"(tp {s.tp}, fp {s.fp}, fn {s.fn})")
    assert s.precision >= 0.9
    assert s.recall >= 0.85


def test_achieved_reduction_and_the_facility_store(tmp_path):
    """实际减排: a facility at 100 kW for the baseline week runs at 40 kW in the warning → 60 % achieved
    against 50 % committed; the series kept in the store, the same file twice changing nothing."""
    from datetime import datetime, timedelta
    import pyarrow as pa
    from lantian.emergency.series import SCHEMA
    from lantian.emergency.verification import Commitment, achieved
    from lantian.measurements.facility import FacilityStore
    start = datetime(2023, 1, 10, 0, 0)
    times = [start - timedelta(days=7) + timedelta(hours=h + 1) for h in range(7 * 24 + 48)]
    values = [100.0 if t <= start else 40.0 for t in times]
    rows = {"facility": ["F:1"] * len(times), "time": times, "metric": ["production_kw"] * len(times),
            "value": values, "unit": ["kW"] * len(times)}
    table = pa.table(rows, schema=SCHEMA)
    store = FacilityStore(tmp_path / "measurements")
    first = store.ingest(table)
    assert (first.new, first.changed) == (len(times), 0)
    again = store.ingest(table)
    assert (again.new, again.changed, again.unchanged) == (0, 0, len(times))
    assert store.read(["F:1"]).num_rows == len(times)
    assert [p.parent.name for p in store.files()] == ["month=01"]
    got = achieved(store.read(), {"F:1": Commitment("F:1", 0.5)}, (start, start + timedelta(hours=48)))
    p = got["F:1"]["production_kw"]
    assert p["hours"] == 48 - 3 and p["achieved_percent"] == pytest.approx(60.0) and p["committed_percent"] == 50
    changed = store.ingest(table.set_column(3, "value", pa.array([v + 1 for v in values])).slice(0, 24))
    assert (changed.new, changed.changed) == (0, 24) and store.read().num_rows == len(times)
