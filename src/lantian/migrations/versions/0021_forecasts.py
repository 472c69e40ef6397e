"""Forecasts: runs (model, data window, stations, met file), their days with intervals, the weather
bureau's meteorological rows; a warning records the forecast run it relied on.

Revision ID: 0021
Revises: 0014
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: Union[str, Sequence[str], None] = "0014"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "forecast_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit_code", sa.String(32), nullable=False),
        sa.Column("unit_name", sa.String(64), nullable=False),
        sa.Column("base_day", sa.Date, nullable=False),
        sa.Column("model", sa.String(32), nullable=False),
        sa.Column("data_from", sa.Date, nullable=False),
        sa.Column("data_to", sa.Date, nullable=False),
        sa.Column("data_days", sa.Integer, nullable=False),
        sa.Column("stations", sa.Text, nullable=False),
        sa.Column("met_source", sa.String(255)),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("made_by", sa.String(64), nullable=False),
        sa.Column("made_at", TS, nullable=False),
    )
    op.create_index("ix_forecast_runs_unit_base", "forecast_runs", ["unit_code", "base_day"])
    op.create_table(
        "forecast_days",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("forecast_runs.id"), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("lead", sa.Integer, nullable=False),
        sa.Column("values", sa.Text, nullable=False),
        sa.Column("aqi", sa.Integer),
        sa.Column("aqi_lower", sa.Integer),
        sa.Column("aqi_upper", sa.Integer),
        sa.Column("primary", sa.String(32)),
        sa.Column("category", sa.String(16)),
        sa.UniqueConstraint("run_id", "day"),
    )
    op.create_table(
        "forecast_met",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit_code", sa.String(32), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("temperature", sa.Float),
        sa.Column("humidity", sa.Float),
        sa.Column("wind_speed", sa.Float),
        sa.Column("wind_direction", sa.Float),
        sa.Column("precipitation", sa.Float),
        sa.Column("blh", sa.Float),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.Column("imported_at", TS, nullable=False),
        sa.UniqueConstraint("unit_code", "day"),
    )
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("forecast_run_id", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("forecast_run_id")
    op.drop_table("forecast_met")
    op.drop_table("forecast_days")
    op.drop_index("ix_forecast_runs_unit_base", table_name="forecast_runs")
    op.drop_table("forecast_runs")
