"""Alembic migrations of lantian's relational tables; run with :func:`lantian.db.upgrade` (no alembic.ini)."""
