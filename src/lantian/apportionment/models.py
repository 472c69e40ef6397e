"""PMF runs as records: the input files (kept in the workspace, named by their SHA-256), the
settings, the ESAT version, the outputs (Q values, profiles, contributions, error estimates) and
the factor names the analyst confirmed."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lantian.db import Base, UTCDateTime


class PmfRun(Base):
    __tablename__ = "pmf_runs"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(255))
    conc_file: Mapped[str] = mapped_column(sa.String(255))            # the name it was given as
    conc_sha256: Mapped[str] = mapped_column(sa.String(64))
    unc_file: Mapped[str] = mapped_column(sa.String(255))
    unc_sha256: Mapped[str] = mapped_column(sa.String(64))
    folder: Mapped[str] = mapped_column(sa.String(255))               # WORKSPACE-relative: inputs and result
    settings: Mapped[str] = mapped_column(sa.Text)                    # JSON
    esat_version: Mapped[str] = mapped_column(sa.String(32))
    samples: Mapped[int] = mapped_column(sa.Integer)
    species: Mapped[int] = mapped_column(sa.Integer)
    factors: Mapped[int] = mapped_column(sa.Integer)
    q_robust: Mapped[str] = mapped_column(sa.String(32))
    q_true: Mapped[str] = mapped_column(sa.String(32))
    q_expected: Mapped[str] = mapped_column(sa.String(32))
    output: Mapped[str] = mapped_column(sa.Text)                      # JSON: the run's results
    names: Mapped[str] = mapped_column(sa.Text)                       # JSON: per factor suggested/confirmed name
    created_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
