"""The plan as data: plans, sections, tasks, their units, milestones, commitments, progress
reports and supervision letters.

Revision ID: 0005
Revises: 0004
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("document_number", sa.String(64), nullable=True),
        sa.Column("issued", sa.Date, nullable=True),
        sa.Column("first_year", sa.Integer, nullable=True),
        sa.Column("last_year", sa.Integer, nullable=True),
        sa.Column("county_clause", sa.Text, nullable=True),
        sa.Column("source_name", sa.String(255), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.Column("imported_at", TS, nullable=False),
    )
    op.create_table(
        "plan_sections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("plans.id"), nullable=False),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("plan_sections.id"), nullable=True),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_table(
        "plan_tasks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("plans.id"), nullable=False),
        sa.Column("section_id", sa.Integer, sa.ForeignKey("plan_sections.id"), nullable=True),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("line", sa.Integer, nullable=True),
        sa.Column("lead_mode", sa.String(16), nullable=False),
        sa.Column("responsibility_text", sa.Text, nullable=True),
        sa.Column("done", sa.Boolean, nullable=False),
        sa.UniqueConstraint("plan_id", "number"),
    )
    op.create_table(
        "plan_task_units",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("task_id", sa.Integer, sa.ForeignKey("plan_tasks.id"), nullable=False),
        sa.Column("department_code", sa.String(32), sa.ForeignKey("departments.code"), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("written", sa.String(128), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.UniqueConstraint("task_id", "department_code", "role"),
    )
    op.create_table(
        "plan_milestones",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("task_id", sa.Integer, sa.ForeignKey("plan_tasks.id"), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("owner_kind", sa.String(16), nullable=True),
        sa.Column("owner_code", sa.String(32), nullable=True),
        sa.Column("due", sa.Date, nullable=True),
        sa.Column("deadline_text", sa.String(64), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("done_on", sa.Date, nullable=True),
        sa.Column("percent", sa.Integer, nullable=False),
        sa.Column("indicator", sa.String(64), nullable=True),
        sa.Column("indicator_params", sa.Text, nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "plan_commitments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("task_id", sa.Integer, sa.ForeignKey("plan_tasks.id"), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("subject", sa.String(128), nullable=True),
        sa.Column("operator", sa.String(4), nullable=True),
        sa.Column("value", sa.String(32), nullable=True),
        sa.Column("unit", sa.String(32), nullable=True),
        sa.Column("indicator", sa.String(64), nullable=True),
        sa.Column("indicator_params", sa.Text, nullable=True),
    )
    op.create_table(
        "plan_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("task_id", sa.Integer, sa.ForeignKey("plan_tasks.id"), nullable=False),
        sa.Column("milestone_id", sa.Integer, sa.ForeignKey("plan_milestones.id"), nullable=True),
        sa.Column("unit_kind", sa.String(16), nullable=False),
        sa.Column("unit_code", sa.String(32), nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("percent", sa.Integer, nullable=True),
        sa.Column("completed", sa.Boolean, nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("reported_at", TS, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
    )
    op.create_table(
        "plan_supervisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("task_id", sa.Integer, sa.ForeignKey("plan_tasks.id"), nullable=False),
        sa.Column("unit_kind", sa.String(16), nullable=False),
        sa.Column("unit_code", sa.String(32), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("doc_number", sa.String(64), nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("reply_due", sa.Date, nullable=False),
        sa.Column("document", sa.String(255), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )


def downgrade() -> None:
    for table in ("plan_supervisions", "plan_reports", "plan_commitments", "plan_milestones", "plan_task_units",
                  "plan_tasks", "plan_sections", "plans"):
        op.drop_table(table)
