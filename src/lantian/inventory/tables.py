"""The inventory's tables as data: the sector tree, the emission factors, the control technologies'
removal efficiencies and the parameters — shipped in ``data/*.toml`` and overridden by the
workspace (``WORKSPACE/inventory/factors/*.toml``: a ``[[factor]]`` or ``[[control]]`` with the same
key replaces the shipped one; ``WORKSPACE/inventory/sectors.toml`` adds or renames sectors;
``lantian.toml [inventory.parameters]`` sets a parameter). Every number is a ⚠ setting.

A factor value is a number (kg, g or t per activity unit, as the factor's ``unit`` says), a sulfur
term ``"16*S"`` (S = the fuel's sulfur, % by mass — a material balance) or, for vehicles and
non-road machinery, one number per emission stage.
"""
from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from lantian.errors import InputError
from lantian.inventory.models import CLASSES, POLLUTANTS
from lantian.errors import UsageError
from lantian.workspace import check_keys

DATA = Path(__file__).with_name("data")
_SULFUR = re.compile(r"^\s*([0-9.]+)\s*\*\s*S\s*$")


def exact(value: Any) -> Fraction:
    """A TOML or ledger number as an exact fraction of its decimal text (0.1 is 1/10)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise ValueError("not a number")
    return Fraction(str(value))


@dataclass(frozen=True)
class Sulfur:
    """``k*S``: k kg per unit for each percent of sulfur."""
    k: Fraction

    def text(self) -> str:
        return f"{_num(self.k)}×S"


@dataclass(frozen=True)
class Factor:
    key: str
    label: str
    unit: str
    activity: str
    klass: str
    verified: bool
    source: str
    values: dict[str, Any]              # pollutant → Fraction | Sulfur | tuple[Fraction, ...]
    origin: str = "lantian"             # lantian | the workspace file that replaced it

    def value(self, pollutant: str, sulfur: Fraction | None = None, stage: int | None = None) -> Fraction | None:
        v = self.values.get(pollutant)
        if v is None:
            return None
        if isinstance(v, Sulfur):
            return v.k * (sulfur if sulfur is not None else Fraction(0))
        if isinstance(v, tuple):
            return v[min(stage or 0, len(v) - 1)]
        return v

    def describe(self, pollutant: str, sulfur: Fraction | None = None, stage: int | None = None) -> str:
        """``"2.94 kg/t [fuel.燃煤，参考值待核对]"`` — the number used, its unit and its provenance."""
        v = self.values.get(pollutant)
        number = self.value(pollutant, sulfur, stage)
        text = f"{v.text()}（S={_num(sulfur)}%）= {_num(number)}" if isinstance(v, Sulfur) else _num(number)
        state = "已核对" if self.verified else "参考值待核对"
        where = "" if self.origin == "lantian" else f"，{self.origin}"
        return f"{text} {self.unit} [{self.key}，{state}{where}]"


@dataclass(frozen=True)
class Control:
    field: str                          # the ledger field: desulfurization | denitration | dedusting
    pollutants: tuple[str, ...]
    values: dict[str, Fraction]         # technology → removal η
    klass: str
    source: str


@dataclass(frozen=True)
class Parameter:
    name: str
    label: str
    value: Any
    unit: str
    klass: str
    source: str
    overridden: bool = False


@dataclass(frozen=True)
class Sector:
    code: str
    name: str
    meic: str | None                    # None: not a leaf with a MEIC mapping; "" outside MEIC

    @property
    def level(self) -> int:
        return self.code.count(".") + 1

    @property
    def top(self) -> str:
        return self.code.split(".")[0]


@dataclass(frozen=True)
class Tables:
    sectors: dict[str, Sector]
    factors: dict[str, Factor]
    controls: tuple[Control, ...]
    parameters: dict[str, Parameter]
    stages: tuple[str, ...]
    nonroad_stages: tuple[str, ...]
    overrides: tuple[str, ...] = field(default=())     # the workspace files read

    def factor(self, key: str) -> Factor | None:
        return self.factors.get(key)

    def param(self, name: str) -> Any:
        return self.parameters[name].value

    def removal(self, fld: str, technology: str | None, pollutant: str) -> Fraction | None:
        for c in self.controls:
            if c.field == fld and pollutant in c.pollutants and technology in c.values:
                return c.values[technology]
        return None

    def sector_name(self, code: str) -> str:
        s = self.sectors.get(code)
        return s.name if s else code

    def path(self, code: str) -> list[Sector]:
        """The sector and its ancestors, first level first."""
        parts = code.split(".")
        return [self.sectors[".".join(parts[:i])] for i in range(1, len(parts) + 1)
                if ".".join(parts[:i]) in self.sectors]

    def settings(self) -> dict:
        """What a build records of the tables it used (to say later which numbers made it)."""
        return {"parameters": {k: plain(p.value) for k, p in self.parameters.items()},
                "overridden_parameters": sorted(k for k, p in self.parameters.items() if p.overridden),
                "factor_files": list(self.overrides),
                "factors_from_workspace": sorted(k for k, f in self.factors.items() if f.origin != "lantian")}


def _num(x) -> str:
    if x is None:
        return "—"
    if isinstance(x, Fraction):
        if x.denominator == 1:
            return str(x.numerator)
        return f"{float(x):.6g}"
    return str(x)


def plain(value):
    if isinstance(value, Fraction):
        return float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


# --------------------------------------------------------------------------- reading
def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, f"not valid TOML: {exc}") from None
    except OSError as exc:
        raise InputError(path, f"cannot read the file: {exc.strerror or exc}") from None


def _class(raw: dict, path: Path, where: str) -> str:
    value = raw.get("class", "C")
    if value not in CLASSES:
        raise InputError(path, f"{where}: class {value!r}", column="class", expected="A, B, C or D")
    return value


def _factor_value(raw: Any, path: Path, where: str):
    try:
        if isinstance(raw, list):
            if not raw:
                raise ValueError
            return tuple(exact(x) for x in raw)
        if isinstance(raw, str):
            m = _SULFUR.match(raw)
            if m:
                return Sulfur(exact(m.group(1)))
            raise ValueError
        value = exact(raw)
        if value < 0:
            raise ValueError
        return value
    except (ValueError, ArithmeticError):
        raise InputError(path, f"{where}: {raw!r} is not a factor value",
                         expected="a number ≥ 0, a sulfur term like \"16*S\", or a list per stage") from None


def _factor(raw: dict, path: Path, origin: str) -> Factor:
    key = raw.get("key")
    if not isinstance(key, str) or not key:
        raise InputError(path, f"a [[factor]] without a key: {raw!r}", column="key", expected="key = \"fuel.燃煤\"")
    known = {"key", "label", "unit", "activity", "class", "verified", "source"}
    unknown = [k for k in raw if k not in known and k not in POLLUTANTS]
    if unknown:
        raise InputError(path, f"factor {key}: unknown entry {', '.join(unknown)}",
                         expected="label, unit, activity, class, verified, source or a pollutant: " + ", ".join(POLLUTANTS))
    if not raw.get("unit") or not raw.get("source"):
        raise InputError(path, f"factor {key}: every factor names its unit and its source", column="unit/source")
    values = {p: _factor_value(raw[p], path, f"factor {key} {p}") for p in POLLUTANTS if p in raw}
    return Factor(key=key, label=str(raw.get("label", key)), unit=str(raw["unit"]), activity=str(raw.get("activity", "")),
                  klass=_class(raw, path, f"factor {key}"), verified=bool(raw.get("verified", False)),
                  source=str(raw["source"]), values=values, origin=origin)


def _control(raw: dict, path: Path) -> Control:
    fld = raw.get("field")
    if fld not in ("desulfurization", "denitration", "dedusting"):
        raise InputError(path, f"a [[control]] for field {fld!r}", column="field",
                         expected="desulfurization, denitration or dedusting")
    pollutants = tuple(raw.get("pollutants", []))
    if not pollutants or any(p not in POLLUTANTS for p in pollutants):
        raise InputError(path, f"control {fld}: pollutants {list(pollutants)!r}", column="pollutants",
                         expected="a list of " + ", ".join(POLLUTANTS))
    values = {}
    for tech, eta in dict(raw.get("values", {})).items():
        try:
            v = exact(eta)
        except (ValueError, ArithmeticError):
            v = Fraction(-1)
        if not 0 <= v <= 1:
            raise InputError(path, f"control {fld} {tech}: removal {eta!r}", column="values", expected="0 ≤ η ≤ 1")
        values[tech] = v
    return Control(fld, pollutants, values, _class(raw, path, f"control {fld}"), str(raw.get("source", "")))


def _parameter_value(value: Any):
    if isinstance(value, dict):
        return {k: _parameter_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_parameter_value(v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return exact(value)
    return value


def _check_override(name: str, shipped: Any, value: Any) -> None:
    """A setting keeps the shape of its default: a number stays a number, a table names known keys."""
    if isinstance(shipped, dict):
        if not isinstance(value, dict) or not set(value) <= set(shipped):
            raise UsageError(f"lantian.toml [inventory.parameters] {name}: expected a table with keys among "
                             f"{', '.join(shipped)}")
        for k, v in value.items():
            _check_override(f"{name}.{k}", shipped[k], v)
    elif isinstance(shipped, Fraction):
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise UsageError(f"lantian.toml [inventory.parameters] {name}: expected a number ≥ 0, got {value!r}")
    elif isinstance(shipped, list):
        if not isinstance(value, list) or len(value) != len(shipped):
            raise UsageError(f"lantian.toml [inventory.parameters] {name}: expected a list of {len(shipped)} numbers")
    elif isinstance(shipped, str) and not isinstance(value, str):
        raise UsageError(f"lantian.toml [inventory.parameters] {name}: expected text, got {value!r}")


@functools.lru_cache(maxsize=4)
def _shipped() -> tuple[dict, dict, tuple, dict, tuple, tuple]:
    sectors = _sectors(_read(DATA / "sectors.toml"), DATA / "sectors.toml")
    factors, controls, stages = {}, [], ((), ())
    for name in ("point.toml", "area.toml"):
        raw = _read(DATA / name)
        for f in raw.get("factor", []):
            fac = _factor(f, DATA / name, "lantian")
            factors[fac.key] = fac
        controls += [_control(c, DATA / name) for c in raw.get("control", [])]
        if "stages" in raw:
            stages = (tuple(raw["stages"]), tuple(raw["nonroad_stages"]))
    params = {}
    for p in _read(DATA / "parameters.toml")["parameter"]:
        params[p["name"]] = Parameter(p["name"], p["label"], _parameter_value(p["value"]), p.get("unit", ""),
                                      p.get("class", "C"), p.get("source", ""))
    return sectors, factors, tuple(controls), params, stages[0], stages[1]


def _sectors(raw: dict, path: Path) -> dict[str, Sector]:
    out = {}
    for s in raw.get("sector", []):
        code, name = s.get("code"), s.get("name")
        if not isinstance(code, str) or not re.match(r"^\d+(\.\d+)*$", code) or not name:
            raise InputError(path, f"sector {s!r}", column="code/name", expected='code = "2.3.1", name = "水泥"')
        out[code] = Sector(code, str(name), s.get("meic"))
    return out


def load(root: Path | None = None, config: dict | None = None) -> Tables:
    """The shipped tables with the workspace's own on top."""
    sectors, factors, controls, params, stages, nonroad = _shipped()
    sectors, factors, controls, params = dict(sectors), dict(factors), list(controls), dict(params)
    files = []
    if root is not None:
        own = Path(root) / "inventory"
        if (own / "sectors.toml").is_file():
            sectors.update(_sectors(_read(own / "sectors.toml"), own / "sectors.toml"))
            files.append(str(own / "sectors.toml"))
        for path in sorted((own / "factors").glob("*.toml")) if (own / "factors").is_dir() else []:
            raw = _read(path)
            files.append(str(path))
            for f in raw.get("factor", []):
                fac = _factor(f, path, f"本地：{path.name}")
                factors[fac.key] = fac
            for c in raw.get("control", []):
                ctl = _control(c, path)
                controls = [x for x in controls if not (x.field == ctl.field and set(x.pollutants) & set(ctl.pollutants))]
                controls.append(ctl)
    section = ((config or {}).get("inventory") or {}).get("parameters") or {}
    check_keys(section, set(params), "inventory.parameters", "lantian.toml")
    for name, value in section.items():
        p = params[name]
        _check_override(name, p.value, value)
        merged = dict(p.value, **{k: _parameter_value(v) for k, v in value.items()}) if isinstance(p.value, dict) \
            else _parameter_value(value)
        params[name] = Parameter(p.name, p.label, merged, p.unit, p.klass, "lantian.toml [inventory.parameters]", True)
    return Tables(sectors, factors, tuple(controls), params, stages, nonroad, tuple(files))


def worst(*classes: str | None) -> str:
    """The data-quality class of a number made from inputs of these classes: the worst of them."""
    found = [c for c in classes if c]
    return max(found) if found else "D"
