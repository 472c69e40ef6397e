"""Station networks (站点类别): every station and every version names its network.

Revision ID: 0013
Revises: 0016

``network`` on ``stations`` and ``station_versions``: ``national`` 国控, ``provincial`` 省控,
``city`` 市控, ``county`` 县控, ``township`` 乡镇, ``sensor`` 微站. The registries made before this
revision were CNEMC station lists — the national network — so their rows become ``national``.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: Union[str, Sequence[str], None] = "0016"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

CHECK = "network IN ('national', 'provincial', 'city', 'county', 'township', 'sensor')"


def upgrade() -> None:
    for table in ("stations", "station_versions"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("network", sa.String(16), nullable=False, server_default="national"))
            batch.create_check_constraint("network", CHECK)


def downgrade() -> None:
    for table in ("stations", "station_versions"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_network"), type_="check")
            batch.drop_column("network")
