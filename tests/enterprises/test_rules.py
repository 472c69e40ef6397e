"""The rule engine: every shipped rule passes a compliant facility and flags a failing one, time
boundaries fall on the documented days, and rules are data — a TOML file adds, replaces or switches
off a rule, and a malformed one is refused naming the file, the rule and the key."""
from __future__ import annotations

import json
from datetime import date

import pytest

from lantian.enterprises.rules import DEFAULT_FOLDER, FacilityFacts, check, load_rules
from lantian.errors import InputError

RULES = load_rules()
ON = date(2024, 1, 15)


def fac(kind: str, code: str = "F1", status: str = "在用", enterprise: str = "甲钢铁有限公司",
        county: str | None = "140404", **attrs) -> FacilityFacts:
    return FacilityFacts(id=f"id-{code}", code=code, name=f"{kind} {code}", kind=kind, status=status,
                         enterprise=enterprise, enterprise_id=7, county=county, industry="钢铁", grade="C",
                         attrs=attrs)


def rule(rule_id: str, rules=None):
    return next(r for r in (rules or RULES) if r.id == rule_id)


def findings(result, rule_id: str):
    return [f for f in result.violations + result.upcoming + result.notices if f.rule == rule_id]


COKE = dict(quenching="湿法")
# (rule id, check date, compliant facility, failing facility, the failing facility's bucket)
CASES = [
    ("coke-oven-4.3m-shutdown", date(2023, 7, 1),
     fac("coke_oven", status="停用", chamber_height=4.3, **COKE), fac("coke_oven", chamber_height=4.3, **COKE),
     "violations"),
    ("blast-furnace-below-1200m3", ON, fac("blast_furnace", volume=1200.0), fac("blast_furnace", volume=1199.9),
     "notices"),
    ("converter-below-100t", ON, fac("converter", tonnage=100), fac("converter", tonnage=80), "notices"),
    ("sinter-stepping", ON, fac("sinter", sinter_type="带式", area=90.0), fac("sinter", sinter_type="步进式", area=24.0),
     "notices"),
    ("pellet-shaft-furnace", ON, fac("pellet_shaft", status="停用"), fac("pellet_shaft"), "notices"),
    ("ferroalloy-semi-closed-furnace", ON, fac("electric_furnace", furnace_type="半封闭", product="硅铁"),
     fac("electric_furnace", furnace_type="半封闭", product="高碳锰铁"), "notices"),
    ("coke-oven-dry-quenching", ON, fac("coke_oven", chamber_height=6.0, quenching="干法"),
     fac("coke_oven", chamber_height=5.5, quenching="湿法"), "violations"),
    ("coke-oven-backup-dry-quenching", ON,
     fac("coke_oven", chamber_height=6.0, quenching="干法", backup_dry_quenching=True),
     fac("coke_oven", chamber_height=6.0, quenching="干法", backup_dry_quenching=False), "notices"),
    ("coke-oven-new-full-dry-quenching", ON,
     fac("coke_oven", chamber_height=7.0, quenching="干法", backup_dry_quenching=True, commissioned=date(2023, 6, 7)),
     fac("coke_oven", chamber_height=7.0, quenching="干法", backup_dry_quenching=False,
         commissioned=date(2023, 6, 7)), "violations"),
    ("coal-boiler-below-35th", ON, fac("boiler", fuel="燃煤", capacity=35.0, online_monitoring=True),
     fac("boiler", fuel="燃煤", capacity=34.9, online_monitoring=True), "violations"),
    ("coal-boiler-online-monitoring", ON, fac("boiler", fuel="燃煤", capacity=75.0, online_monitoring=True),
     fac("boiler", fuel="燃煤", capacity=75.0), "violations"),
    ("kiln-low-efficiency-treatment", ON,
     fac("kiln", kiln_type="石灰窑", fuel="天然气", process="SCR脱硝+布袋除尘", desulfurization_dedusting_integrated=False),
     fac("kiln", kiln_type="石灰窑", fuel="天然气", process="脱硫脱硝一体化"), "violations"),
    ("voc-single-low-efficiency", ON, fac("voc_treatment", process="光催化", combined=True),
     fac("voc_treatment", process="UV光解", combined=False), "violations"),
    ("gas-producer-clean-energy", ON, fac("gas_producer", clean_energy_replaced=True),
     fac("gas_producer", clean_energy_replaced=False), "violations"),
    ("new-kiln-clean-fuel", ON, fac("kiln", kiln_type="加热炉", fuel="天然气", commissioned=date(2023, 6, 7)),
     fac("kiln", kiln_type="加热炉", fuel="燃煤", commissioned=date(2023, 6, 7)), "violations"),
    ("kiln-coal-replacement", ON, fac("kiln", kiln_type="石灰窑", fuel="天然气"),
     fac("kiln", kiln_type="石灰窑", fuel="燃煤", commissioned=date(2010, 3, 1)), "notices"),
    ("activated-carbon-fill", ON,
     fac("voc_treatment", process="活性炭吸附+脱附再生", carbon_fill=500.0, carbon_required=500.0),
     fac("voc_treatment", process="活性炭吸附+脱附再生", carbon_fill=499.0, carbon_required=500.0), "violations"),
]


def test_every_shipped_rule_has_a_case_and_cites_its_task():
    assert {c[0] for c in CASES} == {r.id for r in RULES}
    for r in RULES:
        assert r.clause.startswith(f"任务{r.task}："), r.id
        assert r.source.parent == DEFAULT_FOLDER


@pytest.mark.parametrize("rule_id, on, good, bad, bucket", CASES, ids=[c[0] for c in CASES])
def test_rule_passes_the_compliant_and_flags_the_failing(rule_id, on, good, bad, bucket):
    bad = FacilityFacts(**{**bad.__dict__, "id": "bad", "code": "F2"})
    result = check([good, bad], RULES, on)
    flagged = getattr(result, bucket)
    assert [f.facility_id for f in flagged if f.rule == rule_id] == ["bad"]
    assert [f for f in findings(result, rule_id) if f.facility_id != "bad"] == []
    finding = next(f for f in flagged if f.rule == rule_id)
    assert finding.task == rule(rule_id).task and finding.clause == rule(rule_id).clause
    assert "{" not in finding.message and finding.message


# ---- from = 2023-07-01: the day before is upcoming, the day itself a violation ----------------

def test_coke_oven_deadline_boundaries():
    oven = fac("coke_oven", chamber_height=4.3, quenching="湿法")
    on_deadline = check([oven], RULES, date(2023, 6, 30))
    assert findings(on_deadline, "coke-oven-4.3m-shutdown") == on_deadline.upcoming
    assert on_deadline.upcoming[0].days == 0 and on_deadline.upcoming[0].deadline == date(2023, 6, 30)
    assert "还有0天" in on_deadline.upcoming[0].message

    first_day = check([oven], RULES, date(2023, 7, 1))
    [v] = findings(first_day, "coke-oven-4.3m-shutdown")
    assert v in first_day.violations and v.days == 1 and v.deadline == date(2023, 6, 30)
    assert v.message == "4.3米焦炉（炭化室高度4.3米）仍在用，已过2023年6月30日关停期限1天"
    assert check([oven], RULES, date(2023, 8, 30)).violations[0].days == 61


def test_upcoming_horizon_is_inclusive():
    oven = fac("coke_oven", chamber_height=4.3, quenching="湿法")
    assert check([oven], RULES, date(2023, 4, 1)).upcoming[0].days == 90
    assert check([oven], RULES, date(2023, 3, 31)).upcoming == []
    assert check([oven], RULES, date(2023, 3, 31), horizon_days=91).upcoming[0].days == 91
    assert check([oven], RULES, date(2023, 6, 29), horizon_days=0).upcoming == []
    with pytest.raises(ValueError):
        check([oven], RULES, date(2023, 6, 29), horizon_days=-1)


def test_a_4_4_metre_or_removed_oven_is_not_concerned():
    taller = fac("coke_oven", chamber_height=4.4, quenching="湿法")
    removed = fac("coke_oven", "F2", status="已拆除", chamber_height=4.3, quenching="湿法")
    result = check([taller, removed], RULES, date(2023, 7, 1))
    assert findings(result, "coke-oven-4.3m-shutdown") == []
    new_wet = dict(chamber_height=7.0, quenching="湿法", commissioned=date(2023, 7, 1))
    assert findings(check([fac("coke_oven", status="已拆除", **new_wet)], RULES, ON),
                    "coke-oven-new-full-dry-quenching") == []       # 已拆除 is not checked by default
    assert len(findings(check([fac("coke_oven", status="停用", **new_wet)], RULES, ON),
                        "coke-oven-new-full-dry-quenching")) == 1


# ---- every_year = "05-31" ---------------------------------------------------------------------
# The language's yearly deadline, on a rule written here (the shipped 活性炭 round is judged with the
# replacement history by the registers' activated-carbon-yearly-round: tests/registers/test_tasks.py).

def _yearly_rules():
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "yearly.toml").write_text(
            '[[rule]]\nid = "activated-carbon-yearly-replacement"\ntask = 18\ntitle = "每年5月底前更换"\n'
            'clause = "任务18：在每年5月底前完成一轮活性炭更换"\nkind = "voc_treatment"\n'
            'when = ["status = 在用", "process contains 活性炭"]\nrequire = "carbon_replaced_on >= deadline - 1 year"\n'
            'every_year = "05-31"\nmessage = "活性炭最近更换日期{carbon_replaced_on}，未在{deadline}前完成本年度更换，'
            '已超期{days}天"\n', encoding="utf-8")
        return load_rules(Path(tmp))


YEARLY = _yearly_rules()

def carbon(replaced: date | None, code: str = "V1") -> FacilityFacts:
    return fac("voc_treatment", code, process="活性炭吸附", carbon_replaced_on=replaced,
               carbon_fill=100.0, carbon_required=100.0)


def yearly(replaced: date | None, on: date, **kw):
    return findings(check([carbon(replaced)], YEARLY, on, **kw), "activated-carbon-yearly-replacement")


def test_replaced_exactly_a_year_before_the_deadline_passes_one_day_earlier_fails():
    assert yearly(date(2023, 5, 31), date(2024, 6, 1)) == []
    [late] = yearly(date(2023, 5, 30), date(2024, 6, 1))
    assert not late.upcoming and late.deadline == date(2024, 5, 31) and late.days == 1
    assert "2023年5月30日" in late.message and "2024年5月31日" in late.message


def test_on_31_may_it_is_still_upcoming_on_1_june_a_violation():
    [due] = yearly(date(2023, 5, 30), date(2024, 5, 31))
    assert due.upcoming and due.days == 0 and due.deadline == date(2024, 5, 31)
    [overdue] = yearly(date(2023, 5, 30), date(2024, 6, 1))
    assert not overdue.upcoming and overdue.days == 1
    assert yearly(date(2024, 5, 31), date(2024, 6, 1)) == []      # replaced on the deadline itself


def test_yearly_horizon_and_the_missed_deadline_counts_from_the_latest():
    assert yearly(date(2023, 5, 30), date(2024, 3, 1)) == []          # 91 days to 31 May 2024
    assert yearly(date(2023, 5, 30), date(2024, 3, 2))[0].days == 90
    [old] = yearly(date(2022, 1, 1), date(2024, 3, 1))                # missed 2023-05-31
    assert not old.upcoming and old.deadline == date(2023, 5, 31) and old.days == 275
    [never] = yearly(None, date(2024, 6, 2))
    assert not never.upcoming and "未填" in never.message


def test_a_stopped_carbon_unit_needs_no_replacement():
    stopped = FacilityFacts(**{**carbon(None).__dict__, "status": "停用"})
    assert findings(check([stopped], YEARLY, date(2024, 6, 2)), "activated-carbon-yearly-replacement") == []


# ---- facts, order, JSON -----------------------------------------------------------------------

def test_plain_dicts_are_facts_too_and_findings_are_json():
    boiler = {"id": 3, "code": "GL-01", "name": "1号锅炉", "kind": "boiler", "status": "在用",
              "enterprise": "乙热力公司", "enterprise_id": 9, "county": "140403",
              "attrs": {"fuel": "燃煤", "capacity": 20}}
    result = check([boiler], RULES, ON)
    ids = [f.rule for f in result.violations]
    assert ids == ["coal-boiler-below-35th", "coal-boiler-online-monitoring"]
    d = json.loads(json.dumps(result.to_dict()))
    first = d["violations"][0]
    assert first["facility"] == "1号锅炉" and first["enterprise_id"] == 9 and first["deadline"] is None
    assert first["message"] == "20蒸吨/小时燃煤锅炉仍在用（35蒸吨/小时以下燃煤锅炉应淘汰）"
    oven = check([fac("coke_oven", chamber_height=4.3, quenching="湿法")], RULES, date(2023, 7, 2))
    assert oven.violations[0].to_dict()["deadline"] == "2023-06-30"


def test_findings_sorted_by_county_enterprise_code_rule():
    def boiler(code, enterprise, county):
        return fac("boiler", code, enterprise=enterprise, county=county, fuel="燃煤", capacity=10.0)
    facts = [boiler("B2", "乙", "140404"), boiler("B1", "乙", "140404"), boiler("A9", "甲", "140404"),
             boiler("Z1", "丙", "140403"), boiler("C1", "丁", None)]
    keys = [(f.county, f.enterprise, f.facility_code, f.rule) for f in check(facts, RULES, ON).violations]
    assert keys == sorted(keys, key=lambda k: (k[0] or "", *k[1:]))
    assert [k[2] for k in keys[::2]] == ["C1", "Z1", "B1", "B2", "A9"]


# ---- rules as data: a folder of TOML files ---------------------------------------------------

GAS_BOILER = '''
[[rule]]
id = "gas-boiler-ultra-low"
task = 6
title = "燃气锅炉超低排放"
clause = "任务6：持续开展燃煤、燃气、生物质、醇基锅炉达标排放情况摸底排查"
kind = "boiler"
when = ["fuel = 天然气", "status = 在用"]
require = "ultra_low is true"
from = 2024-01-01
message = "{enterprise_name}的{capacity}蒸吨/小时燃气锅炉未实现超低排放"
'''


def folder(tmp_path, name: str, **files: str):
    path = tmp_path / name
    path.mkdir()
    for stem, text in files.items():
        (path / f"{stem}.toml").write_text(text, encoding="utf-8")
    return path


def test_a_rule_added_as_a_file_takes_effect(tmp_path):
    rules = load_rules(folder(tmp_path, "ws", office=GAS_BOILER))
    assert len(rules) == len(RULES) + 1 and rules[-1].id == "gas-boiler-ultra-low"
    boiler = fac("boiler", fuel="天然气", capacity=10.0, ultra_low=False)
    assert check([boiler], RULES, ON).violations == []
    [v] = check([boiler], rules, ON).violations
    assert v.message == "甲钢铁有限公司的10蒸吨/小时燃气锅炉未实现超低排放" and v.days == 15
    assert check([boiler], rules, date(2023, 12, 31)).upcoming[0].days == 0


def test_a_rule_file_replaces_a_default_by_id_and_a_later_folder_wins(tmp_path):
    stricter = (DEFAULT_FOLDER / "task06_boilers_kilns.toml").read_text(encoding="utf-8") \
        .replace('"capacity < 35"', '"capacity < 20"')
    rules = load_rules(folder(tmp_path, "ws", task06=stricter))
    index = [r.id for r in RULES].index("coal-boiler-below-35th")
    assert [r.id for r in rules] == [r.id for r in RULES]
    assert rules[index].source.parent.name == "ws"
    boilers = [fac("boiler", "B30", fuel="燃煤", capacity=30.0, online_monitoring=True),
               fac("boiler", "B10", fuel="燃煤", capacity=10.0, online_monitoring=True)]
    assert [f.facility_code for f in check(boilers, RULES, ON).violations] == ["B10", "B30"]
    assert [f.facility_code for f in check(boilers, rules, ON).violations] == ["B10"]

    off = '[[rule]]\nid = "coal-boiler-below-35th"\nenabled = false\n'
    rules = load_rules(folder(tmp_path, "ws2", task06=stricter), folder(tmp_path, "ws3", off=off))
    assert "coal-boiler-below-35th" not in {r.id for r in rules}
    assert check(boilers, rules, ON).violations == []


def test_statuses_can_include_removed_facilities(tmp_path):
    text = GAS_BOILER.replace('["fuel = 天然气", "status = 在用"]', '"fuel = 天然气"') \
        + 'statuses = ["在用", "停用", "已拆除"]\n'
    rules = load_rules(folder(tmp_path, "ws", office=text))
    removed = fac("boiler", status="已拆除", fuel="天然气", capacity=4.0)
    assert [f.rule for f in check([removed], rules, ON).violations] == ["gas-boiler-ultra-low"]


# ---- malformed rule files --------------------------------------------------------------------

BASE = '''[[rule]]
id = "bad-rule"
task = 3
title = "测试规则"
clause = "任务3：测试"
kind = "coke_oven"
when = "chamber_height <= 4.3"
require = "status != 在用"
from = 2023-07-01
message = "焦炉{chamber_height}米"
'''

MALFORMED = [
    ("unknown field", ('"chamber_height <= 4.3"', '"chamber_heigth <= 4.3"'), "when", "chamber_heigth"),
    ("unknown operator", ('"chamber_height <= 4.3"', '"chamber_height => 4.3"'), "when", "=>"),
    ("unicode operator", ('"chamber_height <= 4.3"', '"chamber_height ≤ 4.3"'), "when", "≤"),
    ("unknown is", ('"status != 在用"', '"status is off"'), "require", "is off"),
    ("bad date", ("from = 2023-07-01", 'from = "2023-02-30"'), "from", "2023-02-30"),
    ("bad yearly day", ("from = 2023-07-01", 'every_year = "02-29"'), "every_year", "02-29"),
    ("bad date in condition", ('"chamber_height <= 4.3"', '"commissioned >= 2023-13-01"'), "when", "2023-13-01"),
    ("missing key", ('require = "status != 在用"\n', ""), "require", "missing key"),
    ("unknown key", ("from = 2023-07-01", "form = 2023-07-01"), "form", "form"),
    ("unknown kind", ('"coke_oven"', '"coke_ovens"'), "kind", "coke_ovens"),
    ("bad choice", ('"status != 在用"', '"quenching = 干熄"'), "require", "干熄"),
    ("not a number", ('"chamber_height <= 4.3"', '"chamber_height <= 4.3米"'), "when", "4.3米"),
    ("bool compared", ('"status != 在用"', '"backup_dry_quenching = 是"'), "require", "backup_dry_quenching"),
    ("deadline without time", ("from = 2023-07-01", ""), "require", "deadline"),
    ("unknown placeholder", ("{chamber_height}", "{height}"), "message", "{height}"),
    ("bad severity", ("from = 2023-07-01", 'severity = "warning"'), "severity", "warning"),
    ("bad task", ("task = 3", 'task = "3"'), "task", "task"),
]


@pytest.mark.parametrize("case, swap, key, fragment", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_rule_names_file_rule_and_key(tmp_path, case, swap, key, fragment):
    text = BASE.replace(*swap)
    if case == "deadline without time":
        text = text.replace('"status != 在用"', '"commissioned >= deadline - 1 year"')
    assert text != BASE
    path = folder(tmp_path, "ws", bad=text) / "bad.toml"
    with pytest.raises(InputError) as err:
        load_rules(path.parent)
    exc = err.value
    assert exc.file == path and exc.column == key
    assert "'bad-rule'" in exc.message and fragment in exc.message
    lines = text.splitlines()
    expected_line = next((i for i, line in enumerate(lines, 1) if line.startswith(f"{key} =")), 1)
    assert exc.line == expected_line
    assert str(path) in str(exc)


def test_toml_syntax_error_has_its_line(tmp_path):
    path = folder(tmp_path, "ws", bad=BASE.replace("task = 3", "task = = 3")) / "bad.toml"
    with pytest.raises(InputError) as err:
        load_rules(path.parent)
    assert err.value.file == path and err.value.line == 3


def test_one_id_twice_in_a_folder_is_refused(tmp_path):
    ws = folder(tmp_path, "ws", a=BASE, b=BASE)
    with pytest.raises(InputError) as err:
        load_rules(ws)
    assert err.value.file == ws / "b.toml" and err.value.column == "id" and "a.toml" in err.value.message


def test_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(InputError) as err:
        load_rules(tmp_path / "nope")
    assert err.value.file == tmp_path / "nope"


def test_a_well_formed_base_loads(tmp_path):
    [r] = [r for r in load_rules(folder(tmp_path, "ws", ok=BASE)) if r.id == "bad-rule"]
    assert r.start == date(2023, 7, 1) and r.timing == "2023年7月1日起"
