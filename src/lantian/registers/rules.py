"""The registers' rules: the ledgers' rule language (:mod:`lantian.enterprises.rules` — read its
docstring) applied to register rows. This module is the adapter: it parses ``rules/*.toml`` with the
ledger engine's condition parser and judges rows with its evaluator; only what differs is here.

Differences from a ledger rule file::

    [[rule]]
    id = "heating-not-stable"
    register = "heating_villages"        # instead of `kind`: a register id (lantian/registers/kinds)
    task = 9                             # or: section = "五（二）" (a clause that is not a numbered task)
    title = "已改造但不能稳定运行"
    clause = "任务9：已完成清洁取暖改造但不能稳定运行……"
    when = "mode != 未改造"
    require = "running = 稳定运行"
    message = "{name}（{mode}）运行状态为{running}"

* conditions name the register's fields (typed and derived); ``statuses`` does not apply;
* ``every_year`` may name a workspace setting: ``every_year = "setting:heating_season"`` is due the
  day before ``[registers] heating_season`` (the season's first day, MM-DD; "当年采暖季前"), so the
  office moves the heating season in one place;
* message placeholders are the register's fields plus ``label`` (the row as shown), ``register_label``,
  ``title``, ``today`` and, in a rule with a time, ``deadline`` and ``days``.

A workspace adds or replaces rules in ``WORKSPACE/register-rules/*.toml`` (same id: replaced whole;
``enabled = false``: switched off).
"""
from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from lantian.enterprises import rules as engine
from lantian.errors import InputError
from lantian.registers.kinds import Register, registers
from lantian.registers.settings import DEFAULT

DEFAULT_FOLDER = Path(__file__).with_name("rules")
REQUIRED_KEYS = ("id", "title", "clause", "register", "require", "message")
OPTIONAL_KEYS = ("task", "section", "when", "from", "every_year", "severity", "upcoming_message", "enabled")
EXTRAS = ("label", "register_label", "title", "today")
TIMED = ("deadline", "days")
_SETTING = re.compile(r"setting:([a-z_]+)$")


@dataclass(frozen=True)
class RegisterRule:
    rule: engine.Rule                    # the ledger engine's rule (kind = the register id)
    register: str
    task: int | None
    section: str | None

    @property
    def id(self) -> str:
        return self.rule.id


@dataclass(frozen=True)
class Finding:
    """A register row (or, for an aggregate check, a county or the city) failing a rule or check."""
    rule: str
    title: str
    clause: str
    task: int | None
    section: str | None
    severity: str                        # violation | notice
    upcoming: bool
    register: str
    row_id: int | None
    row_key: str | None
    label: str                           # the row (or group) as shown
    county: str | None
    message: str
    deadline: date | None = None
    days: int | None = None
    source: str = "rule"                 # rule | check
    synthetic: bool = False              # the row's flag: a finding on demo data says so

    def to_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items()}


def load_rules(*folders: Path, settings=None) -> list[RegisterRule]:
    """The shipped rules, then each folder's; a later id replaces an earlier one."""
    merged: dict[str, RegisterRule | None] = {}
    for folder in (DEFAULT_FOLDER, *folders):
        folder = Path(folder)
        if not folder.is_dir():
            raise InputError(folder, "no such rule folder", expected="a folder of *.toml rule files")
        seen: dict[str, Path] = {}
        for path in sorted(folder.glob("*.toml")):
            for rule_id, rule, line in _load_file(path, settings):
                if rule_id in seen:
                    raise InputError(path, f"rule {rule_id!r}: the id is already used in {seen[rule_id].name}",
                                     line=line, column="id", expected="one rule per id in a folder")
                seen[rule_id] = path
                merged[rule_id] = rule
    return [r for r in merged.values() if r is not None]


def _load_file(path: Path, settings) -> list[tuple[str, RegisterRule | None, int | None]]:
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise InputError(path, f"not a TOML file: {exc}", line=int(line[1]) if line else None,
                         expected="TOML [[rule]] tables") from None
    unknown = [k for k in data if k != "rule"]
    if unknown:
        raise InputError(path, f"unknown top-level key `{unknown[0]}`", column=unknown[0], expected="[[rule]] tables")
    entries = data.get("rule", [])
    lines = text.splitlines()
    blocks = engine.rule_blocks(lines)
    blocks = blocks if len(blocks) == len(entries) else [None] * len(entries)
    out = []
    for index, (raw, block) in enumerate(zip(entries, blocks)):
        try:
            rule_id, rule = _parse_rule(raw, path, settings)
        except engine.RuleError as exc:
            who = f"rule {raw['id']!r}" if isinstance(raw.get("id"), str) else f"rule #{index + 1} (no id)"
            raise InputError(path, f"{who}: {exc.message}", line=engine.key_line(lines, block, exc.key),
                             column=exc.key, expected=exc.expected) from None
        out.append((rule_id, rule, engine.key_line(lines, block, "id")))
    return out


def _parse_rule(raw: dict, path: Path, settings) -> tuple[str, RegisterRule | None]:
    for key in raw:
        if key not in REQUIRED_KEYS + OPTIONAL_KEYS:
            raise engine.RuleError(f"unknown key `{key}`", key,
                                    expected="keys " + ", ".join(REQUIRED_KEYS + OPTIONAL_KEYS))
    rule_id = engine.required_text(raw, "id")
    if not engine.RULE_ID.match(rule_id):
        raise engine.RuleError(f"id {rule_id!r} has characters other than letters, digits, - _ .", "id",
                                expected="e.g. heating-not-stable")
    if raw.get("enabled", True) is False:
        return rule_id, None
    for key in REQUIRED_KEYS:
        if key not in raw:
            raise engine.RuleError(f"missing key `{key}`", key, expected=f"a `{key} = ...` line")
    reg = registers().get(raw["register"]) if isinstance(raw["register"], str) else None
    if reg is None:
        raise engine.RuleError(f"unknown register {raw['register']!r}", "register",
                                expected="one of " + ", ".join(registers()))
    task, section = raw.get("task"), raw.get("section")
    if task is None and not section:
        raise engine.RuleError("neither task nor section", "task", expected="task = N or section = \"五（二）\"")
    if task is not None and (not isinstance(task, int) or isinstance(task, bool) or task < 1):
        raise engine.RuleError(f"task = {task!r}", "task", expected="the plan's task number, e.g. 9")
    raw = dict(raw)
    if isinstance(raw.get("every_year"), str) and (m := _SETTING.match(raw["every_year"])):
        raw["every_year"] = _setting_day(settings, m[1])
    start, every_year = engine.parse_start(raw), engine.parse_every_year(raw)
    timed = start is not None or every_year is not None
    kind = reg.kind
    rule = engine.Rule(
        id=rule_id, title=engine.required_text(raw, "title"), clause=engine.required_text(raw, "clause"),
        task=task or 0, kind=reg.id,
        when=engine.parse_condition(raw.get("when", []), kind, timed, "when"),
        require=engine.parse_condition(raw["require"], kind, timed, "require"),
        message=_template(raw, "message", reg, timed),
        upcoming_message=_template(raw, "upcoming_message", reg, timed) if "upcoming_message" in raw
        else engine.DEFAULT_UPCOMING,
        start=start, every_year=every_year, severity=engine.parse_severity(raw), statuses=(), source=path)
    return rule_id, RegisterRule(rule, reg.id, task, section)


def _setting_day(settings, name: str) -> str:
    """The yearly deadline a day setting gives: for ``heating_season`` (the season's first day),
    "当年采暖季前" is due the day before."""
    value = getattr(settings or DEFAULT, name, None)
    if name != "heating_season" or not (isinstance(value, tuple) and len(value) == 2):
        raise engine.RuleError(f"every_year = \"setting:{name}\": no such day setting", "every_year",
                                expected="setting:heating_season")
    day = date(2001, *value) - timedelta(days=1)
    return f"{day.month:02d}-{day.day:02d}"


def _template(raw: dict, key: str, reg: Register, timed: bool) -> str:
    template = engine.required_text(raw, key)
    allowed = {f.name for f in reg.kind.fields} | set(EXTRAS) | (set(TIMED) if timed else set())
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise engine.RuleError(f"{key}: {exc}", key, expected="{field} placeholders; {{ and }} for braces") \
            from None
    for _, name, spec, conversion in parts:
        if name is not None and (name not in allowed or spec or conversion):
            raise engine.RuleError(f"{key}: unknown placeholder {{{name}}}", key,
                                    expected="placeholders among " + ", ".join(sorted(allowed)))
    return template


# ---------------------------------------------------------------------------------------------
# judging rows

@dataclass(frozen=True)
class Row:
    """A register row as the rules see it: typed values (derived facts included)."""
    id: int | None
    register: str
    key: str
    label: str
    county: str | None
    values: dict[str, Any]
    synthetic: bool = False

    def facts(self) -> engine.FacilityFacts:
        v = self.values
        return engine.FacilityFacts(id=self.id, code=v.get("code"), name=v.get("name"), kind=self.register,
                                    status=v.get("status"), enterprise="", county=self.county,
                                    industry=v.get("industry"), grade=v.get("grade"), attrs=dict(v),
                                    synthetic=self.synthetic)


def judge(rows: Iterable[Row], rules: list[RegisterRule], on: date, horizon_days: int = 90) -> list[Finding]:
    """Every row failing a rule on day ``on`` (in force, or upcoming within ``horizon_days``)."""
    by_register: dict[str, list[Row]] = {}
    for row in rows:
        by_register.setdefault(row.register, []).append(row)
    out = []
    for r in rules:
        for row in by_register.get(r.register, []):
            judged = engine.judge_facility(r.rule, row.facts(), on, horizon_days)
            if judged is not None:
                upcoming, deadline, days = judged
                out.append(_finding(r, row, on, upcoming, deadline, days))
    return out


def _finding(r: RegisterRule, row: Row, on: date, upcoming: bool, deadline, days) -> Finding:
    reg = registers()[r.register]
    values = {f.name: engine.show_value(row.values.get(f.name)) for f in reg.kind.fields}
    values.update(label=row.label, register_label=reg.label, title=r.rule.title, today=engine.show_value(on),
                  deadline=engine.show_value(deadline), days=engine.show_value(days))
    template = r.rule.upcoming_message if upcoming else r.rule.message
    return Finding(rule=r.id, title=r.rule.title, clause=r.rule.clause, task=r.task, section=r.section,
                   severity=r.rule.severity, upcoming=upcoming, register=r.register, row_id=row.id,
                   row_key=row.key, label=row.label, county=row.county, message=template.format_map(values),
                   deadline=deadline, days=days, synthetic=row.synthetic)
