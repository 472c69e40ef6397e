"""The plan's industrial rules as data (规则即数据): TOML files say which facilities a rule concerns,
what compliance is and from when; :func:`check` applies them to a ledger's facilities (台账设施).

Rule files
==========
``rules/*.toml`` beside this module are the defaults shipped with lantian; ``load_rules(folder, …)``
adds a workspace's own folders after them. A rule whose ``id`` is already loaded replaces it whole
(a later folder wins, at the earlier rule's place in the list); ``enabled = false`` with just the
``id`` switches a rule off. One id twice in the same folder is an error. ::

    [[rule]]
    id = "coke-oven-4.3m-shutdown"
    task = 3
    title = "4.3米焦炉全面关停退出"
    clause = "任务3：2023年6月底前全面关停退出4.3米焦炉"
    kind = "coke_oven"
    when = "chamber_height <= 4.3"          # which facilities (leave out: every facility of the kind)
    require = "status != 在用"               # what compliance is
    from = 2023-07-01                        # in force from (leave out: always)
    message = "4.3米焦炉仍在用（{deadline}后）"

Keys: ``id`` (letters, digits, ``-_.``), ``task`` (the plan's task number), ``title``, ``clause``
(the plan text cited), ``kind`` (a facility kind of :mod:`lantian.enterprises.kinds`), ``when``,
``require``, ``message``; optional ``from`` (a date), ``every_year`` (``"MM-DD"``), ``severity``
(``"violation"`` 违规, the default, or ``"notice"`` 提示 — e.g. 逐步淘汰 without a date),
``statuses`` (which 运行状态 are checked; default 在用 and 停用: 已拆除 facilities are left out),
``upcoming_message`` (the text of an upcoming deadline) and ``enabled``.

Conditions
==========
A condition is ``"<field> <operator> <value>"``; a list of conditions means all of them; a table
``{ all = [...] }``, ``{ any = [...] }`` or ``{ none = [...] }`` combines them and nests. Fields are
the kind's field names plus ``industry``, ``grade`` and ``county`` of the enterprise. Operators:
``= != < <= > >= in, not in`` (``in [停用, 已拆除]``), ``contains, not contains`` (text),
``is true / is false / is missing`` (``is empty`` is the same as ``is missing``), each ``is`` also as
``is not``. Values are numbers, dates (``2023-07-01``), choices exactly as the kind lists them,
text (quote it, ``'…'``, to keep a value that is also a field name), another field of the same type
(``carbon_fill >= carbon_required``) or, for dates, ``deadline`` / ``today`` ± ``N year(s)`` /
``month(s)`` / ``day(s)`` (also 年/个月/天). ``deadline`` exists only in a rule with a time.

A missing value (absent, None or blank) satisfies no comparison and ``is missing`` only; the negated
operators (``!=``, ``not in``, ``not contains``, ``is not …``) are the exact opposite of their
positive ones, so a missing value does satisfy them.

Time
====
* no ``from`` / ``every_year``: always in force; findings carry no deadline and no days.
* ``from = D``: the rule is in force from day D: on or after D a failing facility is a violation
  (or a notice); its deadline is the day before, D − 1 (2023年6月底前 → ``from = 2023-07-01``, deadline
  2023-06-30) and ``days`` counts the days past it (1 on D itself). Before D a failing facility is an
  *upcoming* finding when at most ``horizon_days`` remain: ``days`` = deadline − check date (0 on the
  deadline itself).
* ``every_year = "MM-DD"``: a deadline on that day of every year (29 February is refused). On a check
  date the latest deadline *strictly before* it is checked, with ``deadline`` bound to that day: a
  failing facility is a violation, ``days`` = days since that deadline (the ledger holds only the
  latest state, so a late repair cures it). Otherwise the next deadline (the check date itself or
  later) is checked: failing it within the horizon is upcoming, ``days`` = days remaining. E.g. 每年5月
  底前完成一轮活性炭更换 → ``every_year = "05-31"``, ``require = "carbon_replaced_on >= deadline - 1
  year"``: on 31 May 2024 a replacement on 2023-05-30 is still upcoming (0 days left), on 1 June 2024
  it is a violation (1 day); a replacement on 2023-05-31, exactly a year before, meets the 2024
  deadline. With ``from`` too, deadlines before ``from`` are not checked.

Messages are ``str.format`` templates over the same fields (``{chamber_height}``) plus
``enterprise_name``, ``kind_label``, ``title``, ``today`` and, in a rule with a time, ``deadline`` and
``days``; dates render as 2023年6月30日, booleans as 是/否, missing values as 未填.

The pieces a rule file is read and judged with (``rule_blocks``, ``key_line``, ``required_text``,
``parse_condition``, ``parse_start``, ``parse_every_year``, ``parse_severity``,
``judge_facility``, ``show_value``) are public: the registers room reads its own rule files
with them (:mod:`lantian.registers.rules`).
"""
from __future__ import annotations

import calendar
import re
import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields as dc_fields
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from lantian.enterprises.kinds import ENTERPRISE, FACILITY_KINDS, STATUSES, Field, Kind
from lantian.errors import InputError

__all__ = ["DEFAULT_FOLDER", "CheckResult", "FacilityFacts", "Finding", "Rule", "check", "load_rules"]

DEFAULT_FOLDER = Path(__file__).with_name("rules")

SEVERITIES = ("violation", "notice")          # 违规 / 提示
CHECKED_STATUSES = ("在用", "停用")            # 已拆除 is left out unless a rule's `statuses` names it
REQUIRED_KEYS = ("id", "title", "clause", "task", "kind", "require", "message")
OPTIONAL_KEYS = ("when", "from", "every_year", "severity", "statuses", "upcoming_message", "enabled")
GROUPS = ("all", "any", "none")
CONTEXT_FIELDS = tuple(ENTERPRISE.field(name) for name in ("industry", "grade", "county"))
MESSAGE_EXTRAS = ("enterprise_name", "kind_label", "title", "today")
TIMED_EXTRAS = ("deadline", "days")
DEFAULT_UPCOMING = "{title}：期限{deadline}，还有{days}天"
MISSING_TEXT = "未填"

OPERATORS_TEXT = ("=, !=, <, <=, >, >=, in, not in, contains, not contains, "
                  "is [not] true / false / missing / empty")
IS_WORDS = ("true", "false", "missing", "empty")
_ORDERING = ("<", "<=", ">", ">=")
_NEGATED = {"!=": "=", "not in": "in", "not contains": "contains"}
_TESTS = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "in": lambda a, b: a in b,
    "contains": lambda a, b: str(b) in str(a),
}
_TOP_LEVEL = ("name", "code", "status", "county", "industry", "grade")   # FacilityFacts attributes

RULE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*$")
_CONDITION = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(.*)$", re.S)
_OPERATOR = re.compile(r"(not\s+in|not\s+contains|in|contains|is\s+not|is)(?=\s|\[|$)"
                       r"|(!=|==|<=|>=|=|<|>)(?![<>=!])")
_RELATIVE = re.compile(r"(deadline|today)(?:\s*([+-])\s*(\d+)\s*(years?|months?|days?|年|个月|月|天|日))?$")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}$")
_MONTH_DAY = re.compile(r"(\d{2})-(\d{2})$")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)$")
_UNITS = {"year": "years", "years": "years", "年": "years", "month": "months", "months": "months",
          "个月": "months", "月": "months", "day": "days", "days": "days", "天": "days", "日": "days"}


# ---------------------------------------------------------------------------------------------
# facts and findings

@dataclass(frozen=True)
class FacilityFacts:
    """One facility as the rules see it; ``attrs`` holds its kind's fields by ``Field.name``."""
    id: int | str
    code: str
    name: str
    kind: str
    status: str
    enterprise: str                      # 企业名称
    enterprise_id: Any = None
    county: str | None = None            # adcode
    industry: str | None = None
    grade: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    synthetic: bool = False              # a demo's facility or enterprise (演示/合成数据)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> FacilityFacts:
        """A plain dict: the attributes above, kind fields in ``attrs`` or flat beside them."""
        top = {f.name for f in dc_fields(cls)} - {"attrs"}
        attrs = {k: v for k, v in data.items() if k not in top and k != "attrs"}
        attrs.update(data.get("attrs") or {})
        return cls(**{k: data[k] for k in top if k in data}, attrs=attrs)


@dataclass(frozen=True)
class Finding:
    """A facility failing a rule: a violation or notice in force, or an upcoming deadline."""
    rule: str
    title: str
    clause: str
    task: int
    severity: str                        # the rule's: violation | notice
    upcoming: bool                       # True: the deadline has not passed yet
    facility_id: int | str
    facility: str
    facility_code: str
    kind: str
    enterprise: str
    enterprise_id: Any
    county: str | None
    status: str
    message: str
    deadline: date | None
    days: int | None                     # past the deadline (in force) / remaining (upcoming)
    synthetic: bool = False              # the facility's flag: a finding on demo data says so

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _jsonable(getattr(self, f.name)) for f in dc_fields(self)}


@dataclass(frozen=True)
class CheckResult:
    violations: list[Finding]
    upcoming: list[Finding]
    notices: list[Finding]               # severity = "notice" in force, e.g. 逐步淘汰 without a date

    def to_dict(self) -> dict[str, list[dict[str, Any]]]:
        return {name: [f.to_dict() for f in getattr(self, name)]
                for name in ("violations", "upcoming", "notices")}


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


# ---------------------------------------------------------------------------------------------
# conditions

@dataclass(frozen=True)
class _Context:
    facts: FacilityFacts
    deadline: date | None
    today: date

    def lookup(self, name: str) -> Any:
        return _fact_value(self.facts, name)


class Condition(Protocol):
    def holds(self, ctx: _Context) -> bool: ...


@dataclass(frozen=True)
class Value:
    value: Any

    def resolve(self, ctx: _Context) -> Any:
        return self.value


@dataclass(frozen=True)
class FieldValue:
    name: str

    def resolve(self, ctx: _Context) -> Any:
        return ctx.lookup(self.name)


@dataclass(frozen=True)
class RelativeDate:
    base: str                            # deadline | today
    years: int = 0
    months: int = 0
    days: int = 0

    def resolve(self, ctx: _Context) -> date | None:
        start = ctx.deadline if self.base == "deadline" else ctx.today
        return None if start is None else _shift(start, self.years, self.months, self.days)


@dataclass(frozen=True)
class Compare:
    field: str
    op: str                              # one of _TESTS, _NEGATED, "is", "is not"
    operand: Value | FieldValue | RelativeDate | str    # the word after is / is not
    text: str

    def holds(self, ctx: _Context) -> bool:
        left = ctx.lookup(self.field)
        if self.op in ("is", "is not"):
            result = _is(left, self.operand)
        else:
            right = self.operand.resolve(ctx)
            test = _TESTS[_NEGATED.get(self.op, self.op)]
            result = not (_missing(left) or right is None) and _safely(test, left, right)
        return result != (self.op in _NEGATED or self.op == "is not")

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Group:
    mode: str                            # all | any | none
    items: tuple[Condition, ...]

    def holds(self, ctx: _Context) -> bool:
        results = (c.holds(ctx) for c in self.items)
        if self.mode == "all":
            return all(results)
        return any(results) == (self.mode == "any")

    def __str__(self) -> str:
        joined = ("；" if self.mode == "all" else " 或 ").join(map(str, self.items))
        return {"all": joined, "any": f"（{joined}）", "none": f"非（{joined}）"}[self.mode]


def _is(value: Any, word: str) -> bool:
    if word in ("missing", "empty"):
        return _missing(value)
    return isinstance(value, bool) and value == (word == "true")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _safely(test, left: Any, right: Any) -> bool:
    try:
        return bool(test(left, right))
    except TypeError:                    # a ledger value of the wrong type meets no comparison
        return False


def _fact_value(facts: FacilityFacts, name: str) -> Any:
    value = getattr(facts, name) if name in _TOP_LEVEL else None
    if value is None:
        value = facts.attrs.get(name)
    return value.date() if isinstance(value, datetime) else value


def _shift(day: date, years: int = 0, months: int = 0, days: int = 0) -> date:
    """Calendar arithmetic; a day that does not exist in the target month clamps to its last."""
    total = day.year * 12 + day.month - 1 + years * 12 + months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last)) + timedelta(days=days)


# ---------------------------------------------------------------------------------------------
# rules

@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    clause: str
    task: int
    kind: str
    when: Condition
    require: Condition
    message: str
    upcoming_message: str = DEFAULT_UPCOMING
    start: date | None = None            # `from`
    every_year: tuple[int, int] | None = None   # (month, day)
    severity: str = "violation"
    statuses: tuple[str, ...] = CHECKED_STATUSES
    source: Path | None = None

    @property
    def timed(self) -> bool:
        return self.start is not None or self.every_year is not None

    @property
    def timing(self) -> str:
        """时限, as a clerk reads it: 2023年7月1日起 / 每年5月31日前 / 长期."""
        if self.every_year:
            text = f"每年{self.every_year[0]}月{self.every_year[1]}日前"
            return f"{_chinese_date(self.start)}起{text}" if self.start else text
        return f"{_chinese_date(self.start)}起" if self.start else "长期"


class RuleError(Exception):
    """A problem in one rule, turned into an InputError naming the file, rule and line."""

    def __init__(self, message: str, key: str, expected: str | None = None):
        super().__init__(message)
        self.message, self.key, self.expected = message, key, expected


def _kind_fields(kind: Kind) -> dict[str, Field]:
    return {f.name: f for f in kind.fields + CONTEXT_FIELDS}


def _family(f: Field) -> str:
    return {"int": "number", "float": "number", "choice": "str"}.get(f.type, f.type)


def parse_condition(raw: Any, kind: Kind, timed: bool, key: str) -> Condition:
    if isinstance(raw, str):
        return _parse_compare(raw, kind, timed, key)
    if isinstance(raw, list):
        return Group("all", tuple(parse_condition(x, kind, timed, key) for x in raw))
    if isinstance(raw, dict) and len(raw) == 1 and next(iter(raw)) in GROUPS:
        mode, items = next(iter(raw.items()))
        items = [items] if isinstance(items, str) else items
        if isinstance(items, list):
            return Group(mode, tuple(parse_condition(x, kind, timed, key) for x in items))
    raise RuleError(f"`{key}` is not a condition: {raw!r}", key,
                     expected='"<field> <operator> <value>", a list of them, or { all / any / none = [...] }')


def _parse_compare(text: str, kind: Kind, timed: bool, key: str) -> Compare:
    text = text.strip()
    known = _kind_fields(kind)
    m = _CONDITION.match(text)
    if not m:
        raise RuleError(f"{text!r} is not a condition", key, expected="<field> <operator> <value>")
    name, rest = m.groups()
    if name not in known:
        raise RuleError(f"{text!r}: unknown field `{name}` for kind {kind.name} ({kind.label})", key,
                         expected="one of " + ", ".join(known))
    op_match = _OPERATOR.match(rest)
    if not op_match:
        token = rest.split()[0] if rest.split() else "(none)"
        raise RuleError(f"{text!r}: unknown operator {token!r}", key, expected=OPERATORS_TEXT)
    op = " ".join(op_match.group().split()).replace("==", "=")
    value = rest[op_match.end():].strip()
    f = known[name]
    if op in ("is", "is not"):
        return Compare(name, op, _is_word(text, op, value, f, key), text)
    _check_operator(text, op, f, key)
    if not value:
        raise RuleError(f"{text!r}: no value after `{op}`", key, expected=f"a value for {name}")
    if op in ("in", "not in"):
        operand = Value(tuple(_literal(item, f, text, key) for item in _list_items(value, text, key)))
    elif op in ("contains", "not contains"):
        operand = Value(_unquote(value))
    else:
        operand = _operand(value, f, known, timed, text, key)
    return Compare(name, op, operand, text)


def _is_word(text: str, op: str, value: str, f: Field, key: str) -> str:
    word = value.lower()
    if word not in IS_WORDS:
        raise RuleError(f"{text!r}: unknown operator `{op} {value}`", key, expected=OPERATORS_TEXT)
    if word in ("true", "false") and f.type != "bool":
        raise RuleError(f"{text!r}: {f.name} ({f.label}) is not 是/否", key,
                         expected=f"is missing, or a comparison for a {f.type}")
    return word


def _check_operator(text: str, op: str, f: Field, key: str) -> None:
    if f.type == "bool":
        raise RuleError(f"{text!r}: {f.name} ({f.label}) is 是/否", key,
                         expected=f"{f.name} is true / is false / is missing")
    if op in _ORDERING and _family(f) not in ("number", "date"):
        raise RuleError(f"{text!r}: `{op}` compares numbers or dates, {f.name} is {f.type}", key,
                         expected="=, !=, in, not in, contains, not contains")
    if op in ("contains", "not contains") and _family(f) != "str":
        raise RuleError(f"{text!r}: `{op}` is for text, {f.name} is {f.type}", key,
                         expected="=, !=, <, <=, >, >=, in, not in")


def _operand(value: str, f: Field, known: dict[str, Field], timed: bool, text: str,
             key: str) -> Value | FieldValue | RelativeDate:
    if value in known:
        other = known[value]
        if _family(other) != _family(f):
            raise RuleError(f"{text!r}: cannot compare {f.name} ({f.type}) with {other.name} ({other.type})",
                             key, expected=f"a {f.type} value or field")
        return FieldValue(value)
    relative = _RELATIVE.match(value) if f.type == "date" else None
    if relative:
        base, sign, amount, unit = relative.groups()
        if base == "deadline" and not timed:
            raise RuleError(f"{text!r}: `deadline` in a rule without `from` or `every_year`", key,
                             expected="a date, today, or a `from` / `every_year` key")
        shift = {_UNITS[unit]: int(amount) * (-1 if sign == "-" else 1)} if unit else {}
        return RelativeDate(base, **shift)
    return Value(_literal(value, f, text, key))


def _literal(token: str, f: Field, text: str, key: str) -> Any:
    token = _unquote(token.strip())
    if _family(f) == "number":
        if not _NUMBER.match(token):
            raise RuleError(f"{text!r}: {token!r} is not a number", key, expected=f"a number for {f.name}")
        return float(token)
    if f.type == "date":
        day = _parse_date(token)
        if day is None:
            raise RuleError(f"{text!r}: {token!r} is not a date", key,
                             expected="YYYY-MM-DD, or deadline / today - N years / months / days")
        return day
    if f.type == "choice" and token not in f.choices:
        raise RuleError(f"{text!r}: {token!r} is not a value of {f.name} ({f.label})", key,
                         expected="one of " + ", ".join(f.choices))
    return token


def _list_items(value: str, text: str, key: str) -> list[str]:
    if not (value.startswith("[") and value.endswith("]")):
        raise RuleError(f"{text!r}: `in` needs a list", key, expected="[a, b, ...]")
    items = [x.strip() for x in re.split(r"[,，、]", value[1:-1]) if x.strip()]
    if not items:
        raise RuleError(f"{text!r}: an empty list", key, expected="[a, b, ...]")
    return items


def _unquote(token: str) -> str:
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "'\"":
        return token[1:-1]
    return token


def _parse_date(value: Any) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


# ---------------------------------------------------------------------------------------------
# loading

def load_rules(*folders: Path) -> list[Rule]:
    """The default rules, then each folder's ``*.toml`` in name order; a later id replaces an earlier.

    A folder that does not exist is an error (a mistyped path must not silently drop a rule set)."""
    merged: dict[str, Rule | None] = {}
    for folder in (DEFAULT_FOLDER, *folders):
        merged.update(_load_folder(Path(folder)))
    return [rule for rule in merged.values() if rule is not None]


def _load_folder(folder: Path) -> dict[str, Rule | None]:
    if not folder.is_dir():
        raise InputError(folder, "no such rule folder", expected="a folder of *.toml rule files")
    found: dict[str, Rule | None] = {}
    origin: dict[str, Path] = {}
    for path in sorted(folder.glob("*.toml")):
        for rule_id, rule, line in _load_file(path):
            if rule_id in found:
                raise InputError(path, f"rule {rule_id!r}: the id is already used in {origin[rule_id].name}",
                                 line=line, column="id", expected="one rule per id in a folder")
            found[rule_id], origin[rule_id] = rule, path
    return found


#: parsed rule files by (path, size, modification time): every ledger page checks the rules, and
#: parsing the TOML each time cost more than the check (issue 21 §3); an edited file is read again
_parsed: dict[tuple, list] = {}


def _load_file(path: Path) -> list[tuple[str, Rule | None, int | None]]:
    try:
        st = path.stat()
        key = (str(path), st.st_size, st.st_mtime_ns)
    except OSError:
        key = None
    if key is not None and key in _parsed:
        return list(_parsed[key])
    found = _parse_file(path)
    if key is not None:
        if len(_parsed) > 256:
            _parsed.clear()
        _parsed[key] = found
    return list(found)


def _parse_file(path: Path) -> list[tuple[str, Rule | None, int | None]]:
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise InputError(path, f"not a TOML file: {exc}", line=int(line[1]) if line else None,
                         expected="TOML [[rule]] tables") from None
    for key in data:
        if key != "rule":
            raise InputError(path, f"unknown top-level key `{key}`", column=key, expected="[[rule]] tables")
    entries = data.get("rule", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InputError(path, "`rule` must be [[rule]] tables", column="rule", expected="[[rule]] tables")
    lines = text.splitlines()
    blocks = rule_blocks(lines)
    blocks = blocks if len(blocks) == len(entries) else [None] * len(entries)
    loaded = []
    for index, (raw, block) in enumerate(zip(entries, blocks)):
        try:
            rule_id, rule = _parse_rule(raw, path)
        except RuleError as exc:
            who = f"rule {raw['id']!r}" if isinstance(raw.get("id"), str) else f"rule #{index + 1} (no id)"
            raise InputError(path, f"{who}: {exc.message}", line=key_line(lines, block, exc.key),
                             column=exc.key, expected=exc.expected) from None
        loaded.append((rule_id, rule, key_line(lines, block, "id")))
    return loaded


def rule_blocks(lines: list[str]) -> list[tuple[int, int]]:
    """0-based (start, end) line ranges of each ``[[rule]]`` table, for error line numbers."""
    starts = [i for i, line in enumerate(lines) if line.strip().replace(" ", "").startswith("[[rule]]")]
    return list(zip(starts, starts[1:] + [len(lines)]))


def key_line(lines: list[str], block: tuple[int, int] | None, key: str) -> int | None:
    if block is None:
        return None
    pattern = re.compile(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for i in range(*block):
        if pattern.match(lines[i]):
            return i + 1
    return block[0] + 1


def _parse_rule(raw: dict[str, Any], path: Path) -> tuple[str, Rule | None]:
    for key in raw:
        if key not in REQUIRED_KEYS + OPTIONAL_KEYS:
            raise RuleError(f"unknown key `{key}`", key,
                             expected="keys " + ", ".join(REQUIRED_KEYS + OPTIONAL_KEYS))
    rule_id = required_text(raw, "id")
    if not RULE_ID.match(rule_id):
        raise RuleError(f"id {rule_id!r} has characters other than letters, digits, - _ .", "id",
                         expected="e.g. coke-oven-4.3m-shutdown")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise RuleError(f"enabled = {enabled!r}", "enabled", expected="true or false")
    if not enabled:
        return rule_id, None
    for key in REQUIRED_KEYS:
        if key not in raw:
            raise RuleError(f"missing key `{key}`", key, expected=f"a `{key} = ...` line")
    task = raw["task"]
    if not isinstance(task, int) or isinstance(task, bool) or task < 1:
        raise RuleError(f"task = {task!r}", "task", expected="the plan's task number, e.g. 3")
    kind = FACILITY_KINDS.get(raw["kind"]) if isinstance(raw["kind"], str) else None
    if kind is None:
        raise RuleError(f"unknown kind {raw['kind']!r}", "kind",
                         expected="one of " + ", ".join(FACILITY_KINDS))
    start = parse_start(raw)
    every_year = parse_every_year(raw)
    timed = start is not None or every_year is not None
    rule = Rule(
        id=rule_id, title=required_text(raw, "title"), clause=required_text(raw, "clause"), task=task,
        kind=kind.name,
        when=parse_condition(raw.get("when", []), kind, timed, "when"),
        require=parse_condition(raw["require"], kind, timed, "require"),
        message=_template(raw, "message", kind, timed),
        upcoming_message=_upcoming_template(raw, kind, timed),
        start=start, every_year=every_year, severity=parse_severity(raw), statuses=_statuses(raw), source=path)
    return rule_id, rule


def required_text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RuleError(f"missing or empty `{key}`" if value in (None, "") else f"{key} = {value!r}", key,
                         expected="a non-empty text")
    return value.strip()


def parse_start(raw: dict[str, Any]) -> date | None:
    if "from" not in raw:
        return None
    day = _parse_date(raw["from"])
    if day is None:
        raise RuleError(f"from = {raw['from']!r} is not a date", "from",
                         expected="YYYY-MM-DD, e.g. 2023-07-01")
    return day


def parse_every_year(raw: dict[str, Any]) -> tuple[int, int] | None:
    if "every_year" not in raw:
        return None
    value = raw["every_year"]
    m = _MONTH_DAY.match(value.strip()) if isinstance(value, str) else None
    try:
        if m is None:
            raise ValueError
        date(2001, int(m[1]), int(m[2]))          # a common year: 02-29 is no yearly deadline
    except ValueError:
        raise RuleError(f"every_year = {value!r} is not a day of every year", "every_year",
                         expected='"MM-DD", e.g. "05-31"') from None
    return int(m[1]), int(m[2])


def parse_severity(raw: dict[str, Any]) -> str:
    severity = raw.get("severity", "violation")
    if severity not in SEVERITIES:
        raise RuleError(f"severity = {severity!r}", "severity", expected=" or ".join(SEVERITIES))
    return severity


def _statuses(raw: dict[str, Any]) -> tuple[str, ...]:
    statuses = raw.get("statuses", list(CHECKED_STATUSES))
    if not isinstance(statuses, list) or not statuses or any(s not in STATUSES for s in statuses):
        raise RuleError(f"statuses = {statuses!r}", "statuses", expected="a list of " + ", ".join(STATUSES))
    return tuple(statuses)


def _template(raw: dict[str, Any], key: str, kind: Kind, timed: bool) -> str:
    template = required_text(raw, key)
    allowed = set(_kind_fields(kind)) | set(MESSAGE_EXTRAS) | (set(TIMED_EXTRAS) if timed else set())
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise RuleError(f"{key}: {exc}", key,
                         expected="{field} placeholders; {{ and }} for braces") from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in allowed or spec or conversion:
            raise RuleError(f"{key}: unknown placeholder {{{name}}}", key,
                             expected="placeholders among " + ", ".join(sorted(allowed)))
    return template


def _upcoming_template(raw: dict[str, Any], kind: Kind, timed: bool) -> str:
    if "upcoming_message" not in raw:
        return DEFAULT_UPCOMING
    if not timed:
        raise RuleError("upcoming_message in a rule without `from` or `every_year`", "upcoming_message",
                         expected="a `from` or `every_year` key")
    return _template(raw, "upcoming_message", kind, timed)


# ---------------------------------------------------------------------------------------------
# checking

def check(facilities: Iterable[FacilityFacts | Mapping[str, Any]], rules: list[Rule], on: date,
          horizon_days: int = 90) -> CheckResult:
    """Apply ``rules`` on day ``on``; upcoming deadlines at most ``horizon_days`` ahead are listed."""
    if horizon_days < 0:
        raise ValueError(f"horizon_days must be 0 or more, not {horizon_days}")
    facts = [f if isinstance(f, FacilityFacts) else FacilityFacts.from_mapping(f) for f in facilities]
    buckets: dict[str, list[Finding]] = {"violation": [], "notice": [], "upcoming": []}
    for rule in rules:
        for f in facts:
            if f.kind != rule.kind or f.status not in rule.statuses:
                continue
            judged = judge_facility(rule, f, on, horizon_days)
            if judged is not None:
                upcoming, deadline, days = judged
                finding = _finding(rule, f, on, upcoming, deadline, days)
                buckets["upcoming" if upcoming else rule.severity].append(finding)
    return CheckResult(*(sorted(buckets[name], key=_order) for name in ("violation", "upcoming", "notice")))


Judgement = tuple[bool, date | None, int | None]          # (upcoming, deadline, days)


def judge_facility(rule: Rule, f: FacilityFacts, on: date, horizon: int) -> Judgement | None:
    """(upcoming, deadline, days) when ``f`` fails ``rule`` on ``on``, else None."""
    if rule.every_year:
        passed, coming = _yearly_deadlines(on, *rule.every_year)
        in_force = rule.start is None or passed >= rule.start
        if in_force and _fails(rule, f, passed, on):
            return False, passed, (on - passed).days
        if (rule.start is None or coming >= rule.start) and (coming - on).days <= horizon \
                and _fails(rule, f, coming, on):
            return True, coming, (coming - on).days
        return None
    if rule.start:
        deadline = rule.start - timedelta(days=1)
        if on >= rule.start:
            return (False, deadline, (on - deadline).days) if _fails(rule, f, deadline, on) else None
        left = (deadline - on).days
        return (True, deadline, left) if left <= horizon and _fails(rule, f, deadline, on) else None
    return (False, None, None) if _fails(rule, f, None, on) else None


def _yearly_deadlines(on: date, month: int, day: int) -> tuple[date, date]:
    """The latest deadline strictly before ``on`` and the next one on or after it."""
    this_year = date(on.year, month, day)
    if this_year < on:
        return this_year, date(on.year + 1, month, day)
    return date(on.year - 1, month, day), this_year


def _fails(rule: Rule, f: FacilityFacts, deadline: date | None, on: date) -> bool:
    ctx = _Context(f, deadline, on)
    return rule.when.holds(ctx) and not rule.require.holds(ctx)


def _finding(rule: Rule, f: FacilityFacts, on: date, upcoming: bool, deadline: date | None,
             days: int | None) -> Finding:
    template = rule.upcoming_message if upcoming else rule.message
    return Finding(
        rule=rule.id, title=rule.title, clause=rule.clause, task=rule.task, severity=rule.severity,
        upcoming=upcoming, facility_id=f.id, facility=f.name, facility_code=f.code, kind=f.kind,
        enterprise=f.enterprise, enterprise_id=f.enterprise_id, county=f.county, status=f.status,
        message=_render(template, rule, f, on, deadline, days), deadline=deadline, days=days,
        synthetic=bool(f.synthetic))


def _render(template: str, rule: Rule, f: FacilityFacts, on: date, deadline: date | None,
            days: int | None) -> str:
    kind = FACILITY_KINDS[rule.kind]
    values = {name: show_value(_fact_value(f, name)) for name in _kind_fields(kind)}
    values.update(enterprise_name=f.enterprise, kind_label=kind.label, title=rule.title, today=show_value(on),
                  deadline=show_value(deadline), days=show_value(days))
    return template.format_map(values)


def show_value(value: Any) -> str:
    if _missing(value):
        return MISSING_TEXT
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return _chinese_date(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(round(value, 6))
    return str(value)


def _chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _order(f: Finding) -> tuple[str, str, str, str, str]:
    return f.county or "", f.enterprise, f.facility_code, f.rule, str(f.facility_id)
