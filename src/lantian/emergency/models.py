"""Emergency response as records: the reduction list (应急减排清单) with each enterprise's baseline
emissions, the city's total emissions, warnings issued (预警) with the enterprises and measures at
their level, and acknowledgements."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lantian.db import Base, UTCDateTime

POLLUTANTS = ("SO2", "NOx", "PM", "VOCs")
LEVELS = ("yellow", "orange", "red")


class ListEntry(Base):
    """What the reduction list keeps of an enterprise beyond its membership: the 保障类 (livelihood)
    exemption with its reason and the 一企一策 measures. Membership itself is one fact, the ledger's
    纳入应急减排清单 (:func:`lantian.enterprises.service.listed_ids`)."""
    __tablename__ = "reduction_list"
    enterprise_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("enterprises.id"), primary_key=True)
    protected: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    protected_reason: Mapped[str | None] = mapped_column(sa.Text)
    own_measures: Mapped[str | None] = mapped_column(sa.Text)        # JSON level → [measure]: 一企一策 override
    added_by: Mapped[str] = mapped_column(sa.String(64))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Baseline(Base):
    """An enterprise's annual emission of one pollutant, with where the number comes from."""
    __tablename__ = "emission_baselines"
    __table_args__ = (sa.UniqueConstraint("enterprise_id", "pollutant"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("enterprises.id"))
    pollutant: Mapped[str] = mapped_column(sa.String(8))
    tonnes: Mapped[str] = mapped_column(sa.String(32))                # t/a, exact decimal text
    source: Mapped[str] = mapped_column(sa.String(255))               # 排污许可 / 申报 / CEMS / 合成
    updated_by: Mapped[str] = mapped_column(sa.String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CityTotal(Base):
    """The city's total (全社会) annual emission of one pollutant, from an inventory or entered."""
    __tablename__ = "emission_totals"
    __table_args__ = (sa.UniqueConstraint("year", "pollutant"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer)
    pollutant: Mapped[str] = mapped_column(sa.String(8))
    tonnes: Mapped[str] = mapped_column(sa.String(32))
    source: Mapped[str] = mapped_column(sa.String(128))
    updated_by: Mapped[str] = mapped_column(sa.String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ReductionProposal(Base):
    """A county's proposed changes to the reduction list (its own enterprises), as rows of the list file;
    the city office confirms (applied through the same import) or rejects them."""
    __tablename__ = "reduction_proposals"
    __table_args__ = (sa.Index("ix_reduction_proposals_county", "county_code"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    county_code: Mapped[str | None] = mapped_column(sa.String(32), sa.ForeignKey("admin_units.code"))
    source: Mapped[str] = mapped_column(sa.String(255))               # the file uploaded
    rows: Mapped[str] = mapped_column(sa.Text)                        # JSON: the checked rows
    summary: Mapped[str] = mapped_column(sa.Text)                     # JSON: what it would change
    state: Mapped[str] = mapped_column(sa.String(16))                 # pending | confirmed | rejected
    submitted_by: Mapped[str] = mapped_column(sa.String(64))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(sa.String(64))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(sa.Text)


class Alert(Base):
    """A warning issued: its level, the rule set and forecast that decided it, its notice."""
    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    level: Mapped[str] = mapped_column(sa.String(8))
    ruleset: Mapped[str] = mapped_column(sa.String(8))
    forecast: Mapped[str] = mapped_column(sa.Text)                    # JSON: daily AQI from the start day
    reasons: Mapped[str] = mapped_column(sa.Text)                     # JSON: the conditions satisfied
    regional: Mapped[str | None] = mapped_column(sa.String(8))        # a regional warning adopted
    start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expected_end: Mapped[dt.date | None] = mapped_column(sa.Date)
    state: Mapped[str] = mapped_column(sa.String(8))                  # active | lifted
    lifted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    doc_number: Mapped[str | None] = mapped_column(sa.String(64))
    document: Mapped[str | None] = mapped_column(sa.String(255))
    issued_by: Mapped[str] = mapped_column(sa.String(64))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    forecast_run_id: Mapped[int | None] = mapped_column(sa.Integer)   # the stored forecast relied on (forecast_runs)
    #: 演示/合成数据: set where the record is made (the demo passes synthetic=True), never read from its text
    synthetic: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())


class AlertEnterprise(Base):
    """An enterprise under a warning: its measures at the level, frozen at issue; its acknowledgement."""
    __tablename__ = "alert_enterprises"
    __table_args__ = (sa.UniqueConstraint("alert_id", "enterprise_id"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("alerts.id"))
    enterprise_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("enterprises.id"))
    county_code: Mapped[str | None] = mapped_column(sa.String(32))
    measures: Mapped[str] = mapped_column(sa.Text)                    # JSON list of measure texts
    cut: Mapped[str] = mapped_column(sa.Text)                         # JSON pollutant → fraction
    acknowledged_by: Mapped[str | None] = mapped_column(sa.String(64))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class CountyAck(Base):
    """A county's acknowledgement of a warning (it organises its enterprises' measures)."""
    __tablename__ = "alert_county_acks"
    __table_args__ = (sa.UniqueConstraint("alert_id", "county_code"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("alerts.id"))
    county_code: Mapped[str] = mapped_column(sa.String(32))
    acknowledged_by: Mapped[str] = mapped_column(sa.String(64))
    acknowledged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Verification(Base):
    """A verification run of a warning (应急减排核查) from the stored facility series: the suspected
    violations for inspectors and the reduction each facility achieved, as found at ``run_at``."""
    __tablename__ = "alert_verifications"
    __table_args__ = (sa.Index("ix_alert_verifications_alert", "alert_id"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("alerts.id"))
    source: Mapped[str] = mapped_column(sa.String(255))               # the series file uploaded
    facilities: Mapped[int] = mapped_column(sa.Integer)               # facilities judged
    unmatched: Mapped[str] = mapped_column(sa.Text)                   # JSON: series facilities not on the warning
    suspects: Mapped[str] = mapped_column(sa.Text)                    # JSON: see service.suspects_json
    achieved: Mapped[str] = mapped_column(sa.Text)                    # JSON: facility → metric → shares
    synthetic: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    run_by: Mapped[str] = mapped_column(sa.String(64))
    run_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class StaggeredCalendar(Base):
    """An issued 秋冬季错峰生产 calendar (task 21): the season, the day it was issued and its notice. A
    calendar issued again for the same season supersedes the earlier one (its acknowledgements stay with it)."""
    __tablename__ = "staggered_calendars"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    season: Mapped[int] = mapped_column(sa.Integer)                    # the season starting in this year's autumn
    issued_on: Mapped[dt.date] = mapped_column(sa.Date)
    start: Mapped[dt.date] = mapped_column(sa.Date)
    end: Mapped[dt.date] = mapped_column(sa.Date)
    rule: Mapped[str] = mapped_column(sa.Text)                        # JSON: the settings that made it
    planning_area: Mapped[str | None] = mapped_column(sa.String(128))  # the 市区规划区 polygon applied (its title)
    doc_number: Mapped[str | None] = mapped_column(sa.String(64))
    document: Mapped[str | None] = mapped_column(sa.String(255))
    synthetic: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    issued_by: Mapped[str] = mapped_column(sa.String(64))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CalendarEnterprise(Base):
    """An enterprise's line of an issued calendar: its grade, the grade applied and the measure, frozen at
    issue; when it was delivered (送达) and acknowledged (签收), and by whom."""
    __tablename__ = "staggered_enterprises"
    __table_args__ = (sa.UniqueConstraint("calendar_id", "enterprise_id"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    calendar_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("staggered_calendars.id"))
    enterprise_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("enterprises.id"))
    county_code: Mapped[str | None] = mapped_column(sa.String(32))
    grade: Mapped[str | None] = mapped_column(sa.String(8))
    applied_grade: Mapped[str | None] = mapped_column(sa.String(8))
    measure: Mapped[str] = mapped_column(sa.Text)
    notes: Mapped[str] = mapped_column(sa.Text)                       # JSON list
    planning_area: Mapped[bool | None] = mapped_column(sa.Boolean)
    received_by: Mapped[str | None] = mapped_column(sa.String(64))
    received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(sa.String(64))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

class OzoneResponse(Base):
    """臭氧污染应急响应 (task 20) issued as a record, like a warning: the forecast days that triggered
    it, the hours of the measures (10:00–18:00 ⚠), its notice, and when it was lifted."""
    __tablename__ = "ozone_responses"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    start: Mapped[dt.date] = mapped_column(sa.Date)
    end: Mapped[dt.date] = mapped_column(sa.Date)
    forecast: Mapped[str] = mapped_column(sa.Text)                    # JSON: [{day, o3_8h, iaqi, triggered}]
    trigger: Mapped[str] = mapped_column(sa.String(64))               # the rule that triggered it
    hours: Mapped[str] = mapped_column(sa.String(16))                 # 10:00-18:00
    state: Mapped[str] = mapped_column(sa.String(8))                  # active | lifted
    doc_number: Mapped[str | None] = mapped_column(sa.String(64))
    document: Mapped[str | None] = mapped_column(sa.String(255))
    issued_by: Mapped[str] = mapped_column(sa.String(64))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    lifted_by: Mapped[str | None] = mapped_column(sa.String(64))
    lifted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class OzoneMeasure(Base):
    """One line of an ozone response: an enterprise's 10:00–18:00 measure, or a city-wide control the
    plan names (加油站错时加油, 露天烧烤, 户外涂装 …) with its lead department; each acknowledged."""
    __tablename__ = "ozone_measures"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("ozone_responses.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(12))                  # enterprise | control
    enterprise_id: Mapped[int | None] = mapped_column(sa.Integer, sa.ForeignKey("enterprises.id"))
    county_code: Mapped[str | None] = mapped_column(sa.String(32))
    department_code: Mapped[str | None] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(128))
    measure: Mapped[str] = mapped_column(sa.Text)
    acknowledged_by: Mapped[str | None] = mapped_column(sa.String(64))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    complied: Mapped[bool | None] = mapped_column(sa.Boolean)          # 核查: the measure was carried out
    verified_by: Mapped[str | None] = mapped_column(sa.String(64))
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    verification_note: Mapped[str | None] = mapped_column(sa.Text)


class OzoneCountyAck(Base):
    """A county's acknowledgement of an ozone response."""
    __tablename__ = "ozone_county_acks"
    __table_args__ = (sa.UniqueConstraint("response_id", "county_code"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("ozone_responses.id"))
    county_code: Mapped[str] = mapped_column(sa.String(32))
    acknowledged_by: Mapped[str] = mapped_column(sa.String(64))
    acknowledged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
