"""The live loop: HJ 212 devices, their state and the quarantine, the journal checkpoint, job runs,
events, subscriptions and deliveries; the ozone response as a record.

Revision ID: 0016
Revises: 0019
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: Union[str, Sequence[str], None] = "0019"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "hj212_devices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("mn", sa.String(32), nullable=False),
        sa.Column("target_kind", sa.String(8), nullable=False),
        sa.Column("station_code", sa.String(32), nullable=True),
        sa.Column("facility_id", sa.Integer, nullable=True),
        sa.Column("enterprise_id", sa.Integer, nullable=True),
        sa.Column("unit_code", sa.String(32), nullable=True),
        sa.Column("password", sa.String(32), nullable=False),
        sa.Column("units", sa.Text, nullable=False),
        sa.Column("name", sa.String(128), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", TS, nullable=False),
        sa.UniqueConstraint("mn"),
    )
    op.create_index("ix_hj212_devices_unit_code", "hj212_devices", ["unit_code"])
    op.create_table(
        "hj212_device_state",
        sa.Column("mn", sa.String(32), primary_key=True),
        sa.Column("first_at", TS, nullable=False),
        sa.Column("last_at", TS, nullable=False),
        sa.Column("last_cn", sa.String(8), nullable=False),
        sa.Column("last_packet", sa.Text, nullable=False),
        sa.Column("last_peer", sa.String(64), nullable=True),
        sa.Column("last_data_time", sa.DateTime, nullable=True),
        sa.Column("packets", sa.Integer, nullable=False),
        sa.Column("values", sa.Integer, nullable=False),
        sa.Column("refused", sa.Integer, nullable=False),
        sa.Column("commands", sa.Text, nullable=False),
        sa.Column("deviations", sa.Text, nullable=False),
    )
    op.create_table(
        "hj212_quarantine",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("journal_ref", sa.String(32), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("peer", sa.String(64), nullable=True),
        sa.Column("mn", sa.String(32), nullable=True),
        sa.Column("cn", sa.String(8), nullable=True),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("raw", sa.LargeBinary, nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("resolved_by", sa.String(64), nullable=True),
        sa.Column("resolved_at", TS, nullable=True),
        sa.UniqueConstraint("journal_ref"),
    )
    op.create_index("ix_hj212_quarantine_received_at", "hj212_quarantine", ["received_at"])
    op.create_index("ix_hj212_quarantine_mn", "hj212_quarantine", ["mn"])
    op.create_table(
        "live_checkpoints",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("segment", sa.Integer, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("records", sa.BigInteger, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "live_job_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("job", sa.String(32), nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("ended_at", TS, nullable=True),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("result", sa.Text, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("retry_at", TS, nullable=True),
    )
    op.create_index("ix_live_job_runs_job_due", "live_job_runs", ["job", "due_at"])
    op.create_table(
        "live_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("unit_code", sa.String(32), nullable=True),
        sa.Column("department_code", sa.String(32), nullable=True),
        sa.Column("enterprise_id", sa.Integer, nullable=True),
        sa.Column("link", sa.String(255), nullable=True),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_live_events_kind", "live_events", ["kind"])
    op.create_index("ix_live_events_created_at", "live_events", ["created_at"])
    op.create_table(
        "live_subscriptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("target", sa.String(255), nullable=False),
        sa.Column("secret", sa.String(128), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("user_id", "kind", "channel", "target"),
    )
    op.create_index("ix_live_subscriptions_user_id", "live_subscriptions", ["user_id"])
    op.create_table(
        "live_deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("live_events.id"), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("target", sa.String(255), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("next_at", TS, nullable=True),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("read_at", TS, nullable=True),
        sa.UniqueConstraint("event_id", "user_id", "channel", "target"),
    )
    op.create_index("ix_live_deliveries_event_id", "live_deliveries", ["event_id"])
    op.create_index("ix_live_deliveries_user_id", "live_deliveries", ["user_id"])
    op.create_index("ix_live_deliveries_status", "live_deliveries", ["status", "next_at"])
    op.create_table(
        "ozone_responses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("end", sa.Date, nullable=False),
        sa.Column("forecast", sa.Text, nullable=False),
        sa.Column("trigger", sa.String(64), nullable=False),
        sa.Column("hours", sa.String(16), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("doc_number", sa.String(64), nullable=True),
        sa.Column("document", sa.String(255), nullable=True),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("lifted_by", sa.String(64), nullable=True),
        sa.Column("lifted_at", TS, nullable=True),
    )
    op.create_table(
        "ozone_measures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("response_id", sa.Integer, sa.ForeignKey("ozone_responses.id"), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("enterprise_id", sa.Integer, sa.ForeignKey("enterprises.id"), nullable=True),
        sa.Column("county_code", sa.String(32), nullable=True),
        sa.Column("department_code", sa.String(32), nullable=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("measure", sa.Text, nullable=False),
        sa.Column("acknowledged_by", sa.String(64), nullable=True),
        sa.Column("acknowledged_at", TS, nullable=True),
        sa.Column("complied", sa.Boolean, nullable=True),
        sa.Column("verified_by", sa.String(64), nullable=True),
        sa.Column("verified_at", TS, nullable=True),
        sa.Column("verification_note", sa.Text, nullable=True),
    )
    op.create_index("ix_ozone_measures_response_id", "ozone_measures", ["response_id"])
    op.create_table(
        "ozone_county_acks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("response_id", sa.Integer, sa.ForeignKey("ozone_responses.id"), nullable=False),
        sa.Column("county_code", sa.String(32), nullable=False),
        sa.Column("acknowledged_by", sa.String(64), nullable=False),
        sa.Column("acknowledged_at", TS, nullable=False),
        sa.UniqueConstraint("response_id", "county_code"),
    )


def downgrade() -> None:
    op.drop_table("ozone_county_acks")
    op.drop_index("ix_ozone_measures_response_id", table_name="ozone_measures")
    op.drop_table("ozone_measures")
    op.drop_table("ozone_responses")
    for name in ("ix_live_deliveries_status", "ix_live_deliveries_user_id", "ix_live_deliveries_event_id"):
        op.drop_index(name, table_name="live_deliveries")
    op.drop_table("live_deliveries")
    op.drop_index("ix_live_subscriptions_user_id", table_name="live_subscriptions")
    op.drop_table("live_subscriptions")
    op.drop_index("ix_live_events_created_at", table_name="live_events")
    op.drop_index("ix_live_events_kind", table_name="live_events")
    op.drop_table("live_events")
    op.drop_index("ix_live_job_runs_job_due", table_name="live_job_runs")
    op.drop_table("live_job_runs")
    op.drop_table("live_checkpoints")
    op.drop_index("ix_hj212_quarantine_mn", table_name="hj212_quarantine")
    op.drop_index("ix_hj212_quarantine_received_at", table_name="hj212_quarantine")
    op.drop_table("hj212_quarantine")
    op.drop_table("hj212_device_state")
    op.drop_index("ix_hj212_devices_unit_code", table_name="hj212_devices")
    op.drop_table("hj212_devices")
