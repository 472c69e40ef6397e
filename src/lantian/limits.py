"""Every text field's length limit, enforced the same on SQLite and PostgreSQL (docs/limits.md).

PostgreSQL refuses a string longer than its ``VARCHAR(N)`` with an error that became HTTP 500, and
refuses a NUL byte in any text; SQLite stores both silently. So, before every flush of every session,
each string about to be written is checked here:

- a ``String(N)`` column holds at most N characters;
- a free-text ``Text`` column (:data:`FREE_TEXT_COLUMNS`: a progress report, a reason, a note, a
  finding) holds at most :data:`FREE_TEXT_CHARS` characters; other ``Text`` columns hold JSON the
  system writes and are not capped;
- no string holds a NUL byte.

A string over its limit raises :class:`~lantian.errors.UsageError` naming the field, its limit and
the length given — nothing of the transaction is written (HTTP 422 on the API).
"""
from __future__ import annotations

from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapper, Session

from lantian.errors import UsageError

__all__ = ["FREE_TEXT_CHARS", "FREE_TEXT_COLUMNS", "FieldTooLong", "check_value", "column_limits", "limits_table"]

#: free text a person types (进展报告, 督办理由, notes): about ten pages
FREE_TEXT_CHARS = 20_000
#: the ``Text`` columns that hold what a person typed (by column name, in any table)
FREE_TEXT_COLUMNS = frozenset({"text", "reason", "note", "finding", "finding_note", "verification_note",
                               "county_opinion", "city_note", "protected_reason", "basis"})
#: ``Text`` columns named as free text that the system fills from a document it reads
_NOT_FREE_TEXT = frozenset({("plan_commitments", "text")})

#: a text cell of a ledger or register whose field is kept in a JSON column (no column length of its own)
CELL_TEXT_CHARS = 2_000

#: the names people know a field by, shown in the error beside table.column
LABELS = {
    ("enterprises", "name"): "企业名称", ("enterprises", "credit_code"): "统一社会信用代码",
    ("enterprise_ledgers", "address"): "地址", ("facilities", "name"): "设施名称", ("facilities", "code"): "设施编号",
    ("plan_reports", "text"): "进展报告", ("plan_supervisions", "reason"): "督办理由",
    ("plan_milestones", "title"): "节点名称", ("users", "display_name"): "显示名称", ("users", "username"): "用户名",
    ("clusters", "name"): "集群名称", ("stations", "name"): "监测点名称",
}


#: the modules that define tables (tests/test_input_limits.py checks none is missing)
MODEL_MODULES = ("lantian.accounts.models", "lantian.apportionment.models", "lantian.assessment.models",
                 "lantian.attachments", "lantian.audit", "lantian.dustfall.models", "lantian.emergency.models",
                 "lantian.enterprises.models", "lantian.fires.models", "lantian.forecast.models", "lantian.inventory.models",
                 "lantian.live.models", "lantian.measurements.stations", "lantian.plan.models",
                 "lantian.registers.models", "lantian.vehicles.models")


class FieldTooLong(UsageError):
    def __init__(self, table: str, column: str, limit: int, given: int):
        self.table, self.column, self.limit, self.given = table, column, limit, given
        label = LABELS.get((table, column))
        name = f"「{label}」（{table}.{column}）" if label else f"{table}.{column}"
        super().__init__(f"{name} 最多 {limit:,} 个字符，给出的有 {given:,} 个字符 "
                         f"(field {table}.{column}: at most {limit:,} characters, got {given:,})")


class FieldHasNul(UsageError):
    def __init__(self, table: str, column: str):
        self.table, self.column = table, column
        super().__init__(f"{table}.{column} 中含有 NUL 字节（\\x00），不能保存 (a NUL byte cannot be stored)")


def _limit(table: sa.Table, column: sa.Column) -> int | None:
    t = column.type
    if isinstance(t, sa.String) and t.length:
        return t.length
    if isinstance(t, sa.Text) and column.name in FREE_TEXT_COLUMNS and (table.name, column.name) not in _NOT_FREE_TEXT:
        return FREE_TEXT_CHARS
    return None


@lru_cache(maxsize=None)
def column_limits(mapper: Mapper) -> tuple[tuple[str, str, str, int | None], ...]:
    """(attribute, table, column, limit or None) of every string column the mapper writes."""
    out = []
    for attr in mapper.column_attrs:
        for column in attr.columns:
            if isinstance(column, sa.Column) and isinstance(column.type, sa.String) and column.table is not None:
                out.append((attr.key, column.table.name, column.name, _limit(column.table, column)))
    return tuple(out)


def cell_limit(kind: str | None, field: str) -> int:
    """The limit of a ledger's or register's text cell: the column it is stored in (the enterprise's
    name, a facility's code…), else :data:`CELL_TEXT_CHARS`."""
    from lantian.accounts.models import Enterprise          # cycle: limits ↔ db (db imports limits; models import db)
    from lantian.enterprises.models import Facility, Ledger
    tables = {"enterprise": (Enterprise, Ledger), "facility": (Facility,)}.get(kind or "", ())
    for model in tables:
        column = model.__table__.columns.get(field)
        if column is not None and isinstance(column.type, sa.String) and column.type.length:
            return column.type.length
    return CELL_TEXT_CHARS


def check_value(table: str, column: str, limit: int | None, value) -> None:
    if not isinstance(value, str):
        return
    if "\x00" in value:
        raise FieldHasNul(table, column)
    if limit is not None and len(value) > limit:
        raise FieldTooLong(table, column, limit, len(value))


@event.listens_for(Session, "before_flush")
def _check_lengths(session: Session, flush_context, instances) -> None:
    for obj in list(session.new) + list(session.dirty):
        state = sa.inspect(obj)
        for key, table, column, limit in column_limits(state.mapper):
            if key in state.dict:
                check_value(table, column, limit, state.dict[key])


def limits_table() -> list[tuple[str, str, int]]:
    """(table, column, limit) of every limited text column, for docs/limits.md and its test."""
    import importlib
    from lantian.db import Base          # cycle: limits ↔ db (db imports limits at its end)
    for module in MODEL_MODULES:              # every room's tables registered
        importlib.import_module(module)
    rows = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.String):
                limit = _limit(table, column)
                if limit is not None:
                    rows.append((table.name, column.name, limit))
    return sorted(rows)


def markdown_table() -> str:
    """The table of docs/limits.md (regenerate: ``python -m lantian.limits``)."""
    lines = ["| table | column | at most (characters) |", "|---|---|---:|"]
    for table, column, limit in limits_table():
        label = LABELS.get((table, column))
        lines.append(f"| {table} | {column}{f'（{label}）' if label else ''} | {limit:,} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
