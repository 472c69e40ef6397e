"""证据附件 — the one evidence-file service every room uses.

A file is attached to a record (``entity``, ``entity_id``) of some room; it is visible to whoever
may see that record (the caller checks with its scope before calling), checked for type and
size, stored once by content under ``WORKSPACE/attachments/``, and audited.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from lantian import audit
from lantian.db import Base, UTCDateTime, now_utc
from lantian.errors import UsageError

#: extension → content type accepted as evidence
ALLOWED = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
           ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           ".csv": "text/csv", ".txt": "text/plain"}
#: what the first bytes of a file of that type look like (a renamed .exe is not a PDF)
MAGIC = {".pdf": [b"%PDF"], ".jpg": [b"\xff\xd8\xff"], ".jpeg": [b"\xff\xd8\xff"], ".png": [b"\x89PNG"],
         ".docx": [b"PK\x03\x04"], ".xlsx": [b"PK\x03\x04"]}
MAX_BYTES = 20 * 1024 * 1024


class Attachment(Base):
    __tablename__ = "attachments"
    __table_args__ = (sa.Index("ix_attachments_entity", "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(sa.String(64))
    entity_id: Mapped[str] = mapped_column(sa.String(128))
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(128))
    size: Mapped[int] = mapped_column(sa.Integer)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by: Mapped[str] = mapped_column(sa.String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    scope_unit: Mapped[str | None] = mapped_column(sa.String(32))


def too_large(filename: str, size: int, max_bytes: int = MAX_BYTES) -> str:
    """Said so that it is true: exact bytes beside MB (2**20 bytes), never "21.0 MB is over 21 MB"."""
    return (f"{filename}: 文件大小 {size:,} 字节（{size / 2**20:.2f} MB）超过上限 {max_bytes:,} 字节"
            f"（{max_bytes / 2**20:g} MB） (the file is {size:,} bytes, over the limit of {max_bytes:,} bytes)")


def check(filename: str, data: bytes, max_bytes: int = MAX_BYTES) -> str:
    """The content type of an acceptable evidence file, or a :class:`UsageError` saying what is wrong."""
    ext = Path(filename).suffix.lower()
    if ext not in ALLOWED:
        raise UsageError(f"{filename}: files of type {ext or '(none)'} are not accepted as evidence; "
                         f"accepted: {', '.join(sorted(ALLOWED))}")
    if not data:
        raise UsageError(f"{filename}: the file is empty")
    if len(data) > max_bytes:
        raise UsageError(too_large(filename, len(data), max_bytes))
    if ext in MAGIC and not any(data.startswith(m) for m in MAGIC[ext]):
        raise UsageError(f"{filename}: the content is not a {ext[1:].upper()} file")
    return ALLOWED[ext]


def store_path(root: Path, sha: str) -> Path:
    return root / "attachments" / sha[:2] / sha


def add(s: Session, root: Path, *, entity: str, entity_id: str, filename: str, data: bytes, actor: str,
        role: str | None = None, scope_unit: str | None = None) -> Attachment:
    content_type = check(filename, data)
    sha = hashlib.sha256(data).hexdigest()
    path = store_path(root, sha)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    row = Attachment(entity=entity, entity_id=str(entity_id), filename=Path(filename).name,
                     content_type=content_type, size=len(data), sha256=sha, uploaded_by=actor,
                     uploaded_at=now_utc(), scope_unit=scope_unit)
    s.add(row)
    s.flush()
    audit.record(s, actor=actor, role=role, action="upload", entity="attachment", entity_id=str(row.id),
                 after={"entity": entity, "entity_id": str(entity_id), "filename": row.filename,
                        "size": row.size, "sha256": sha}, scope_unit=scope_unit)
    return row


def of(s: Session, entity: str, entity_id: str) -> list[Attachment]:
    return list(s.scalars(sa.select(Attachment).where(Attachment.entity == entity,
                                                      Attachment.entity_id == str(entity_id))
                          .order_by(Attachment.id)))


def get(s: Session, attachment_id: int) -> Attachment | None:
    return s.get(Attachment, attachment_id)
