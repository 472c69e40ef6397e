"""What each register (专项台账) records, read from ``kinds/*.toml`` — one file per register, written
for the office to read. The fields use the ledgers' :class:`~lantian.enterprises.kinds.Field` (same
types, Chinese headers, choices, bounds), so the Excel template, the import validation, the pages and
the rule engine all read one definition. ::

    id = "construction_sites"            # letters, digits, _
    label = "建筑工地台账"
    tasks = [13]                         # the plan's task numbers (or section = "五（二）")
    department = ["cgj", "zjj"]          # owning department code(s) (lantian.accounts PLAN_DEPARTMENTS)
    county = true                        # true: each row names its county (a `county` column is added
                                         # when not listed); "parent": the parent row's; false: city-level
    key = ["code"]                       # the fields that identify a row (re-import updates it)
    title = "name"                       # the field a row is shown by
    status = "status"                    # optional: the field the list page filters on
    enterprise = "credit_code"           # optional: an enterprise user sees the rows with its own code
    parent = "construction_sites"        # optional (child tables): the parent register …
    parent_field = "site"                # … and the field holding the parent row's key

    [[field]]
    name = "code"
    label = "工地编号"
    required = true                      # type = "str" | "int" | "float" | "bool" | "date" | "choice"
                                         # choices = [...], unit = "万平方米", low = 0, high = 100
                                         # format = "datetime" (YYYY-MM-DD HH:MM) or "hours" (22:00-06:00)
    [[derived]]                          # facts read from another room, not typed in (rules may use them)
    name = "heat_source_grade"
    label = "热源企业绩效分级"
    type = "choice"
    choices = ["A", "B", "C", "D", "引领性"]
    from = "ledger.grade"                # ledger.grade | ledger.ultra_low | ledger.known
    by = "heat_source"                   # the field holding the enterprise's credit code
"""
from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lantian.enterprises.kinds import Field, Kind
from lantian.errors import InputError
from lantian.errors import NotFound

FOLDER = Path(__file__).with_name("kinds")
TYPES = ("str", "int", "float", "bool", "date", "choice")
FORMATS = {"datetime": re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"),
           "hours": re.compile(r"\d{2}:\d{2}-\d{2}:\d{2}(,\d{2}:\d{2}-\d{2}:\d{2})*$")}
FORMAT_TEXT = {"datetime": "日期时间 YYYY-MM-DD HH:MM（如 2023-06-01 22:30）",
               "hours": "时段 HH:MM-HH:MM，多个用逗号分隔（如 22:00-06:00）"}
DERIVED_SOURCES = ("ledger.grade", "ledger.ultra_low", "ledger.known")
COUNTY = Field("county", "所在县区", required=True)
KIND_KEYS = {"id", "label", "tasks", "section", "department", "county", "key", "title", "status", "enterprise",
             "parent", "parent_field", "clause", "note", "field", "derived"}
FIELD_KEYS = {"name", "label", "type", "choices", "required", "unit", "low", "high", "format"}
_NAME = re.compile(r"[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Derived:
    field: Field
    source: str                 # ledger.grade | ledger.ultra_low | ledger.known
    by: str                     # the field with the credit code


@dataclass(frozen=True)
class Register:
    id: str
    label: str
    tasks: tuple[int, ...]
    section: str | None
    departments: tuple[str, ...]
    county: str                 # "row" | "parent" | "none"
    key: tuple[str, ...]
    title: str
    fields: tuple[Field, ...]   # what is typed in (the template's columns)
    derived: tuple[Derived, ...] = ()
    status: str | None = None
    enterprise: str | None = None
    parent: str | None = None
    parent_field: str | None = None
    clause: str = ""
    note: str = ""
    formats: tuple[tuple[str, str], ...] = ()
    source: Path | None = None

    @property
    def kind(self) -> Kind:
        """The ledgers' Kind over typed and derived fields: what rule conditions may name."""
        return Kind(self.id, self.label, self.fields + tuple(d.field for d in self.derived))

    def field(self, name: str) -> Field:
        return self.kind.field(name)

    def format_of(self, name: str) -> str | None:
        return dict(self.formats).get(name)

    @property
    def tasks_text(self) -> str:
        parts = [f"任务{n}" for n in self.tasks] + ([self.section] if self.section else [])
        return "、".join(parts)


class _KindError(Exception):
    def __init__(self, message: str, key: str, expected: str | None = None):
        super().__init__(message)
        self.message, self.key, self.expected = message, key, expected


@functools.cache
def _load(folder: Path) -> dict[str, Register]:
    if not folder.is_dir():
        raise InputError(folder, "no such register folder", expected="a folder of *.toml register files")
    out: dict[str, Register] = {}
    for path in sorted(folder.glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        try:
            raw = tomllib.loads(text)
            reg = _parse(raw, path)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(path, f"not a TOML file: {exc}", expected="a register definition") from None
        except _KindError as exc:
            raise InputError(path, exc.message, line=_line(text, exc.key), column=exc.key,
                             expected=exc.expected) from None
        if reg.id in out:
            raise InputError(path, f"register {reg.id!r} is already defined in {out[reg.id].source.name}",
                             column="id", expected="one file per register id")
        out[reg.id] = reg
    for reg in out.values():
        if reg.parent and reg.parent not in out:
            raise InputError(reg.source, f"parent register {reg.parent!r} does not exist", column="parent",
                             expected="one of " + ", ".join(out))
    return out


def registers(folder: Path = FOLDER) -> dict[str, Register]:
    """Every register by id, in file-name order."""
    return _load(Path(folder))


def register(register_id: str) -> Register:
    found = registers().get(register_id)
    if found is None:
        raise NotFound(f"no register {register_id!r}")
    return found


def _line(text: str, key: str) -> int | None:
    pattern = re.compile(rf"\s*{re.escape(key)}\s*=")
    for i, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return i
    return None


def _parse(raw: dict[str, Any], path: Path) -> Register:
    for key in raw:
        if key not in KIND_KEYS:
            raise _KindError(f"unknown key `{key}`", key, expected="keys " + ", ".join(sorted(KIND_KEYS)))
    rid = raw.get("id")
    if not isinstance(rid, str) or not _NAME.match(rid):
        raise _KindError(f"id = {rid!r}", "id", expected="lower-case letters, digits and _")
    label = _text(raw, "label")
    tasks = raw.get("tasks", [])
    if not isinstance(tasks, list) or any(not isinstance(t, int) or isinstance(t, bool) or t < 1 for t in tasks):
        raise _KindError(f"tasks = {tasks!r}", "tasks", expected="a list of the plan's task numbers, e.g. [9, 26]")
    section = raw.get("section")
    if not tasks and not section:
        raise _KindError("neither tasks nor section", "tasks", expected="tasks = [N] or section = \"五（二）\"")
    departments = raw.get("department", [])
    departments = [departments] if isinstance(departments, str) else departments
    if not departments or not all(isinstance(d, str) and d for d in departments):
        raise _KindError(f"department = {raw.get('department')!r}", "department",
                         expected="the owning department code(s), e.g. \"fgw\"")
    county = {True: "row", False: "none", "parent": "parent"}.get(raw.get("county", True))
    if county is None:
        raise _KindError(f"county = {raw.get('county')!r}", "county", expected='true, false or "parent"')
    fields, formats = _fields(raw.get("field", []), "field")
    if county == "row" and "county" not in {f.name for f in fields}:
        fields = fields[:1] + (COUNTY,) + fields[1:]
    names = {f.name for f in fields}
    derived = _derived(raw.get("derived", []), names)
    key = raw.get("key")
    if not isinstance(key, list) or not key or any(k not in names for k in key):
        raise _KindError(f"key = {key!r}", "key", expected="a list of field names that identify a row")
    for opt in ("title", "status", "enterprise", "parent_field"):
        if opt in raw and raw[opt] not in names:
            raise _KindError(f"{opt} = {raw[opt]!r} is not a field", opt, expected="one of " + ", ".join(names))
    if bool(raw.get("parent")) != bool(raw.get("parent_field")):
        raise _KindError("parent and parent_field go together", "parent", expected="both keys, or neither")
    if county == "parent" and not raw.get("parent"):
        raise _KindError('county = "parent" without a parent', "county", expected="a parent register")
    return Register(id=rid, label=label, tasks=tuple(tasks), section=section, departments=tuple(departments),
                    county=county, key=tuple(key), title=raw.get("title", key[0]), fields=fields,
                    derived=derived, status=raw.get("status"), enterprise=raw.get("enterprise"),
                    parent=raw.get("parent"), parent_field=raw.get("parent_field"),
                    clause=raw.get("clause", ""), note=raw.get("note", ""), formats=formats, source=path)


def _text(raw: dict, key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _KindError(f"missing or empty `{key}`", key, expected="a non-empty text")
    return value.strip()


def _field(raw: dict, where: str) -> tuple[Field, str | None]:
    for key in raw:
        if key not in FIELD_KEYS:
            raise _KindError(f"{where}: unknown key `{key}`", key, expected="keys " + ", ".join(sorted(FIELD_KEYS)))
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise _KindError(f"{where}: name = {name!r}", "name", expected="lower-case letters, digits and _")
    ftype = raw.get("type", "str")
    if ftype not in TYPES:
        raise _KindError(f"{where} {name}: type = {ftype!r}", "type", expected=", ".join(TYPES))
    choices = tuple(raw.get("choices", ()))
    if (ftype == "choice") != bool(choices):
        raise _KindError(f"{where} {name}: choices go with type = \"choice\"", "choices",
                         expected="a list of the allowed values")
    fmt = raw.get("format")
    if fmt is not None and (fmt not in FORMATS or ftype != "str"):
        raise _KindError(f"{where} {name}: format = {fmt!r}", "format", expected="datetime or hours, on a str field")
    f = Field(name, _text(raw, "label"), ftype, choices, bool(raw.get("required", False)), raw.get("unit", ""),
              raw.get("low"), raw.get("high"))
    return f, fmt


def _fields(items: Any, where: str) -> tuple[tuple[Field, ...], tuple[tuple[str, str], ...]]:
    if not isinstance(items, list) or not items:
        raise _KindError(f"no [[{where}]] tables", where, expected="[[field]] tables")
    fields, formats = [], []
    for raw in items:
        f, fmt = _field(raw, where)
        if f.name in {x.name for x in fields}:
            raise _KindError(f"field {f.name!r} twice", "name", expected="one field per name")
        fields.append(f)
        if fmt:
            formats.append((f.name, fmt))
    return tuple(fields), tuple(formats)


def _derived(items: Any, names: set[str]) -> tuple[Derived, ...]:
    out = []
    for raw in items or []:
        rest = {k: v for k, v in raw.items() if k not in ("from", "by")}
        f, _ = _field(rest, "derived")
        if raw.get("from") not in DERIVED_SOURCES:
            raise _KindError(f"derived {f.name}: from = {raw.get('from')!r}", "from",
                             expected=", ".join(DERIVED_SOURCES))
        if raw.get("by") not in names:
            raise _KindError(f"derived {f.name}: by = {raw.get('by')!r}", "by",
                             expected="the field holding the enterprise's credit code")
        if f.name in names:
            raise _KindError(f"derived {f.name} is also a typed field", "name", expected="a new name")
        out.append(Derived(f, raw["from"], raw["by"]))
    return tuple(out)
