"""Every input has a way in: the reduction list as one fact with the ledger (its members are the
enterprises whose ledger says 纳入应急减排清单 = 是; ``reduction_list`` keeps only an entry's 保障类
exemption and 一企一策 measures), county proposals to the list awaiting the office, where a target
came from, and what made a milestone (the document's deadline, the county clause, a rule's citation).

Revision ID: 0014
Revises: 0013
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: Union[str, Sequence[str], None] = "0013"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("plan_milestones") as batch:
        batch.add_column(sa.Column("origin", sa.String(16), nullable=True))
    with op.batch_alter_table("plan_tasks") as batch:
        batch.add_column(sa.Column("implementing", sa.Text, nullable=True))
    with op.batch_alter_table("targets") as batch:
        batch.add_column(sa.Column("source", sa.String(255), nullable=True))
    with op.batch_alter_table("emission_baselines") as batch:
        batch.alter_column("source", type_=sa.String(255), existing_type=sa.String(64), existing_nullable=False)
    op.create_table(
        "reduction_proposals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("county_code", sa.String(32), sa.ForeignKey("admin_units.code"), nullable=True),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("rows", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("submitted_by", sa.String(64), nullable=False),
        sa.Column("submitted_at", TS, nullable=False),
        sa.Column("reviewed_by", sa.String(64), nullable=True),
        sa.Column("reviewed_at", TS, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
    )
    op.create_index("ix_reduction_proposals_county", "reduction_proposals", ["county_code"])
    # one fact: every enterprise on the list says so in its ledger
    conn = op.get_bind()
    listed = [r[0] for r in conn.execute(sa.text("SELECT enterprise_id FROM reduction_list"))]
    have = {r[0] for r in conn.execute(sa.text("SELECT enterprise_id FROM enterprise_ledgers"))}
    for enterprise_id in listed:
        if enterprise_id in have:
            conn.execute(sa.text("UPDATE enterprise_ledgers SET emergency_list = :yes WHERE enterprise_id = :id"),
                         {"yes": True, "id": enterprise_id})
        else:
            conn.execute(sa.text("INSERT INTO enterprise_ledgers (enterprise_id, emergency_list, key_unit, "
                                 "updated_by, updated_at) VALUES (:id, :yes, :no, 'migration 0014', "
                                 "CURRENT_TIMESTAMP)"), {"id": enterprise_id, "yes": True, "no": False})


def downgrade() -> None:
    op.drop_index("ix_reduction_proposals_county", "reduction_proposals")
    op.drop_table("reduction_proposals")
    with op.batch_alter_table("emission_baselines") as batch:
        batch.alter_column("source", type_=sa.String(64), existing_type=sa.String(255), existing_nullable=False)
    with op.batch_alter_table("targets") as batch:
        batch.drop_column("source")
    with op.batch_alter_table("plan_tasks") as batch:
        batch.drop_column("implementing")
    with op.batch_alter_table("plan_milestones") as batch:
        batch.drop_column("origin")
