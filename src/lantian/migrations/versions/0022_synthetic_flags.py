"""``synthetic`` where the bulletins used to read it from the text (issue 23 §3).

Warnings (``alerts``), letters (``letters``), the plan's milestones and progress reports
(``plan_milestones``, ``plan_reports``) and dust-fall values (``dustfall_values``) carry whether they
are synthetic (演示/合成数据) as a field, set where the record is made. The records already there get
it from the old text rule: the issuer, author, title, text or source says 演示数据, 示例, 合成 or
synthetic.

Revision ID: 0022
Revises: 0020 (sign-in and the audit chain)
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: Union[str, Sequence[str], None] = "0020"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

#: table → the column whose text said "synthetic" before the field
TEXT = {"alerts": "issued_by", "letters": "created_by", "plan_milestones": "title", "plan_reports": "text",
        "dustfall_values": "source"}
#: the old rule (lantian.reports.demo.is_demo): these words anywhere in the text, synthetic in any case
WORDS = ("演示数据", "示例", "合成")


def upgrade() -> None:
    for table, column in TEXT.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("synthetic", sa.Boolean, nullable=False, server_default=sa.false()))
        t = sa.table(table, sa.column(column, sa.Text), sa.column("synthetic", sa.Boolean))
        said = sa.or_(*[t.c[column].contains(w, autoescape=True) for w in WORDS],
                      sa.func.lower(t.c[column]).contains("synthetic"))
        op.get_bind().execute(sa.update(t).where(said).values(synthetic=True))


def downgrade() -> None:
    for table in TEXT:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("synthetic")
