"""The plan as records: plan → sections → tasks (重点任务) → milestones (节点/子任务), with the
responsible units of each task, the quantitative commitments (量化指标), progress reports (进展报告)
with their evidence, and supervision letters (督办函)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lantian.db import Base, UTCDateTime

#: milestone/task owner kinds: a department (市直部门), a county or zone, an enterprise
OWNER_KINDS = ("department", "county", "enterprise")


class Plan(Base):
    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(255))
    document_number: Mapped[str | None] = mapped_column(sa.String(64))
    issued: Mapped[dt.date | None] = mapped_column(sa.Date)
    first_year: Mapped[int | None] = mapped_column(sa.Integer)
    last_year: Mapped[int | None] = mapped_column(sa.Integer)
    county_clause: Mapped[str | None] = mapped_column(sa.Text)     # 各县、区人民政府……负责落实
    source_name: Mapped[str] = mapped_column(sa.String(255))
    source_sha256: Mapped[str] = mapped_column(sa.String(64))
    imported_by: Mapped[str] = mapped_column(sa.String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Section(Base):
    """一、重点任务 (level 1) or （一）深入推进产业结构优化调整 (level 2, ``parent_id`` set)."""
    __tablename__ = "plan_sections"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("plans.id"))
    parent_id: Mapped[int | None] = mapped_column(sa.Integer, sa.ForeignKey("plan_sections.id"))
    number: Mapped[int] = mapped_column(sa.Integer)
    title: Mapped[str] = mapped_column(sa.String(255))
    position: Mapped[int] = mapped_column(sa.Integer)


class Measure(Base):
    """A 保障措施 item (五（五）强化考核督察 …): the plan's mechanisms in its own words — the 约谈 clause a
    约谈建议 cites, the 预警通知函 one — kept as written; not a task (no lead, no deadline)."""
    __tablename__ = "plan_measures"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("plans.id"), index=True)
    section: Mapped[str | None] = mapped_column(sa.String(255))     # 保障措施
    number: Mapped[str] = mapped_column(sa.String(16))              # （五）, as written
    title: Mapped[str] = mapped_column(sa.String(255))              # 强化考核督察
    body: Mapped[str] = mapped_column(sa.Text)
    line: Mapped[int | None] = mapped_column(sa.Integer)


class Task(Base):
    __tablename__ = "plan_tasks"
    __table_args__ = (sa.UniqueConstraint("plan_id", "number"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("plans.id"))
    section_id: Mapped[int | None] = mapped_column(sa.Integer, sa.ForeignKey("plan_sections.id"))
    number: Mapped[int] = mapped_column(sa.Integer)
    title: Mapped[str] = mapped_column(sa.String(255))
    body: Mapped[str] = mapped_column(sa.Text)
    line: Mapped[int | None] = mapped_column(sa.Integer)               # where it stands in the document
    lead_mode: Mapped[str] = mapped_column(sa.String(16))              # lead | by_duty (按职责分工牵头)
    responsibility_text: Mapped[str | None] = mapped_column(sa.Text)
    done: Mapped[bool] = mapped_column(sa.Boolean, default=False)      # the office closed it
    #: JSON list of the units that carry it out (负责落实), as written — the county clause's
    #: 各县、区人民政府, 长治高新区管委会…: each county and zone they name gets a sub-task
    implementing: Mapped[str | None] = mapped_column(sa.Text)


class TaskUnit(Base):
    """A department named by a task: 牵头 (lead) or 配合 (cooperating), with the name as written."""
    __tablename__ = "plan_task_units"
    __table_args__ = (sa.UniqueConstraint("task_id", "department_code", "role"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("plan_tasks.id"))
    department_code: Mapped[str] = mapped_column(sa.String(32), sa.ForeignKey("departments.code"))
    role: Mapped[str] = mapped_column(sa.String(16))                   # lead | cooperating
    written: Mapped[str] = mapped_column(sa.String(128))
    position: Mapped[int] = mapped_column(sa.Integer)


class Milestone(Base):
    """A dated node of a task, or a sub-task of one county, department or enterprise."""
    __tablename__ = "plan_milestones"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("plan_tasks.id"))
    title: Mapped[str] = mapped_column(sa.String(255))
    owner_kind: Mapped[str | None] = mapped_column(sa.String(16))     # department | county | enterprise
    owner_code: Mapped[str | None] = mapped_column(sa.String(32))     # department code, adcode, enterprise id
    due: Mapped[dt.date | None] = mapped_column(sa.Date)
    deadline_text: Mapped[str | None] = mapped_column(sa.String(64))  # 2023年6月底前, as written
    # open | done | cancelled; overdue/at-risk are computed against the as-of date, never stored
    state: Mapped[str] = mapped_column(sa.String(16), default="open")
    done_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    percent: Mapped[int] = mapped_column(sa.Integer, default=0)       # last reported progress, 0–100
    indicator: Mapped[str | None] = mapped_column(sa.String(64))      # a measured key result decides it
    indicator_params: Mapped[str | None] = mapped_column(sa.Text)     # JSON
    created_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: what made it: "deadline" (a time limit written in the task), "county" (the plan's county clause:
    #: the task is also each county's and zone's), "citation" (a register or rule citing the task);
    #: None for one added by the office
    origin: Mapped[str | None] = mapped_column(sa.String(16))
    #: 演示/合成数据: set where the record is made (the demo passes synthetic=True), never read from its text
    synthetic: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())


class Commitment(Base):
    """A quantitative commitment of a task (秸秆综合利用率…90％以上), optionally bound to an indicator."""
    __tablename__ = "plan_commitments"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("plan_tasks.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    subject: Mapped[str | None] = mapped_column(sa.String(128))
    operator: Mapped[str | None] = mapped_column(sa.String(4))
    value: Mapped[str | None] = mapped_column(sa.String(32))
    unit: Mapped[str | None] = mapped_column(sa.String(32))
    indicator: Mapped[str | None] = mapped_column(sa.String(64))
    indicator_params: Mapped[str | None] = mapped_column(sa.Text)     # JSON


class Report(Base):
    """进展报告: what a unit did on a task (or one of its milestones), with evidence attached."""
    __tablename__ = "plan_reports"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("plan_tasks.id"))
    milestone_id: Mapped[int | None] = mapped_column(sa.Integer, sa.ForeignKey("plan_milestones.id"))
    unit_kind: Mapped[str] = mapped_column(sa.String(16))             # department | county | enterprise | city
    unit_code: Mapped[str | None] = mapped_column(sa.String(32))
    text: Mapped[str] = mapped_column(sa.Text)
    percent: Mapped[int | None] = mapped_column(sa.Integer)
    completed: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    author: Mapped[str] = mapped_column(sa.String(64))
    reported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    as_of: Mapped[dt.date] = mapped_column(sa.Date)                    # the workspace date it reports for
    #: 演示/合成数据: set where the record is made (the demo passes synthetic=True), never read from its text
    synthetic: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())


class Supervision(Base):
    """督办函: the office presses a department or county on an overdue or at-risk task."""
    __tablename__ = "plan_supervisions"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("plan_tasks.id"))
    unit_kind: Mapped[str] = mapped_column(sa.String(16))             # department | county
    unit_code: Mapped[str] = mapped_column(sa.String(32))
    issued_on: Mapped[dt.date] = mapped_column(sa.Date)
    doc_number: Mapped[str | None] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.Text)
    reply_due: Mapped[dt.date] = mapped_column(sa.Date)
    document: Mapped[str | None] = mapped_column(sa.String(255))
    created_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
