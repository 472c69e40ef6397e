"""The plan's 保障措施 items as written (``plan_measures``): the mechanisms a document cites — the
约谈 clause of a 约谈建议 — from the plan in force rather than from the code. Plans imported before
this revision get theirs when their document is imported again (which changes nothing else).

Revision ID: 0023
Revises: 0022
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: Union[str, Sequence[str], None] = "0022"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "plan_measures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("plans.id"), nullable=False),
        sa.Column("section", sa.String(255), nullable=True),
        sa.Column("number", sa.String(16), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("line", sa.Integer, nullable=True),
    )
    op.create_index("ix_plan_measures_plan_id", "plan_measures", ["plan_id"])


def downgrade() -> None:
    op.drop_index("ix_plan_measures_plan_id", table_name="plan_measures")
    op.drop_table("plan_measures")
