"""Sign-in lockout and the audit hash chain (issue 21 §2).

- ``users.failed_logins`` and ``users.locked_until``: consecutive failed sign-ins and the lock they
  lead to ([accounts] lockout_failures, lockout_minutes in lantian.toml);
- ``audit_log.prev_hash`` and ``audit_log.hash``: each entry chained to the one before
  (:mod:`lantian.audit`); the entries already there get theirs here, in id order;
- PostgreSQL refuses TRUNCATE of the audit log; SQLite refuses an insert that reuses an entry's id
  (``INSERT OR REPLACE`` would otherwise overwrite it).

Revision ID: 0020
Revises: 0021 (forecast)
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from lantian.audit import HASHED, entry_hash
from lantian.db import UTCDateTime

revision: str = "0020"
down_revision: Union[str, Sequence[str], None] = "0021"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

REFUSE = "SELECT RAISE(ABORT, 'the audit log is append-only')"


def _chain_existing(bind) -> None:
    """Hash the entries already in the log, oldest first (the triggers are off meanwhile)."""
    log = sa.table("audit_log", sa.column("id", sa.Integer), sa.column("at", UTCDateTime()),
                   *[sa.column(k, sa.Text) for k in HASHED if k != "at"],
                   sa.column("prev_hash", sa.String), sa.column("hash", sa.String))
    cols = [log.c.id] + [log.c[k] for k in HASHED]
    prev, last_id = "", 0
    while True:
        rows = bind.execute(sa.select(*cols).where(log.c.id > last_id).order_by(log.c.id).limit(5000)).all()
        if not rows:
            return
        updates = []
        for row in rows:
            h = entry_hash(prev, dict(zip(HASHED, row[1:])))
            updates.append({"k": row[0], "p": prev, "h": h})
            prev, last_id = h, row[0]
        bind.execute(sa.update(log).where(log.c.id == sa.bindparam("k"))
                     .values(prev_hash=sa.bindparam("p"), hash=sa.bindparam("h")), updates)


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    if bind.dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{verb.lower()}")
    else:
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(64), nullable=True))
    _chain_existing(bind)
    if bind.dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log BEGIN {REFUSE}; END")
        op.execute("CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log "
                   f"WHEN NEW.id IN (SELECT id FROM audit_log) BEGIN {REFUSE}; END")
    else:
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
        op.execute("CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
                   "FOR EACH STATEMENT EXECUTE FUNCTION lantian_audit_append_only()")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_replace")
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{verb.lower()}")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
    if bind.dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log BEGIN {REFUSE}; END")
    else:
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_logins")
