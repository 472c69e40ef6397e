"""Backup and restore of a workspace while the server runs (issue 21 §5, docs/backup.md).

A backup is one tar file:

```
MANIFEST.json                 format, when, what: database kind and revision, the store's version,
                              every member's size and SHA-256, whether the signing key is inside
database/lantian.sqlite3      SQLite: a copy by SQLite's online backup API
database/lantian.pgdump       PostgreSQL: pg_dump --format=custom of the workspace's schema
workspace/lantian.toml        settings
workspace/measurements/…      the store's committed manifest.json, the part files it names,
                              imports.jsonl and changes/ — nothing uncommitted
workspace/attachments/…       evidence files, and every other file of the workspace (letters,
                              reports, documents, forecasts, journals)
workspace/secret.key          only with --include-secrets
```

Consistency: the store's committed files and the database are taken together under the store's
import lock — a measurement import running then finishes first (or waits), so the copy holds the store
either before or after it, never half, with the database of the same moment (SQLite's backup API and
pg_dump each read one consistent snapshot while the server keeps writing). Part files are immutable
once committed: they are hard-linked (copied where links are not possible) under the lock and read
into the archive after it. The archive is written beside its name and renamed when complete.

Restore refuses a non-empty target; it checks every member's checksum first, then writes the
workspace, the store and the database, and brings the database to the code's migration head.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from lantian.errors import UsageError
from lantian.workspace import Workspace
from lantian import db
from lantian.measurements.store import Store

FORMAT = "lantian-backup/1"
MANIFEST = "MANIFEST.json"
SECRET = "secret.key"
SQLITE_MEMBER = "database/lantian.sqlite3"
PG_MEMBER = "database/lantian.pgdump"
#: files and folders of a workspace that are not copied as files: the database (copied by its own
#: backup), the store (copied from its manifest), the key (only on request), work in progress
_SKIP_TOP = {"lantian.sqlite3", "lantian.sqlite3-wal", "lantian.sqlite3-shm", "lantian.sqlite3-journal",
             "measurements", SECRET}
_SKIP_PREFIX = (".backup-", ".staging-", ".manifest-", ".run-", ".tmp")


# ----------------------------------------------------------------------------------------- backup
@dataclass
class _Member:
    name: str          # path inside the archive
    path: Path         # where its bytes are now


def backup(ws: Workspace, out: str | Path, *, include_secrets: bool = False) -> dict:
    """Write a backup of ``ws`` to ``out``; the summary (also the archive's MANIFEST.json)."""
    out = Path(out)
    if not out.parent.is_dir():
        raise UsageError(f"{out.parent}: no such folder for the backup")
    if not ws.exists():
        raise UsageError(f"no lantian workspace at {ws.root}")
    if out.resolve().is_relative_to(ws.root.resolve()):
        raise UsageError(f"{out}: write the backup outside the workspace it copies")
    url = ws.database_url
    kind = sa.make_url(url).get_backend_name()
    _sweep_stale(ws.root)
    staging = ws.root / f".backup-{uuid.uuid4().hex[:12]}"
    staging.mkdir()
    try:
        store = Store(ws.measurements)
        members: list[_Member] = []
        with store._lock():                      # no measurement import commits meanwhile
            manifest = store.manifest()
            members += _store_snapshot(store, manifest, staging)
            database = _database_snapshot(url, kind, staging)
        members.append(database["member"])
        taken = len(members)                     # the store's and the database's: all must be there
        members += _workspace_files(ws, include_secrets)
        summary = {
            "format": FORMAT, "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "workspace": ws.root.resolve().name,
            "database": {"kind": kind, "member": database["member"].name, "revision": db.current_revision(url),
                         "schema": database.get("schema"), "tool": database["tool"],
                         "tables": database["tables"]},
            "store": {"version": manifest["version"], "partitions": sorted(manifest["partitions"])},
            "secrets_included": include_secrets,
            "files": {},
        }
        tmp = out.with_name(out.name + ".partial")
        with tarfile.open(tmp, "w") as tar:
            for i, m in enumerate(members):
                try:
                    summary["files"][m.name] = _add(tar, m)
                except FileNotFoundError:
                    if i < taken:
                        raise
                    summary.setdefault("vanished", []).append(m.name)   # deleted meanwhile (a temporary file)
            data = json.dumps(summary, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(dt.datetime.now().timestamp())
            tar.addfile(info, io.BytesIO(data))
        os.replace(tmp, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return summary


def _sweep_stale(root: Path, hours: int = 12) -> None:
    """The links of a backup that was killed (older than ``hours``: never one that is running)."""
    cutoff = dt.datetime.now().timestamp() - hours * 3600
    for old in root.glob(".backup-*"):
        if old.is_dir() and old.stat().st_mtime < cutoff:
            shutil.rmtree(old, ignore_errors=True)


def _store_snapshot(store, manifest: dict, staging: Path) -> list[_Member]:
    """The committed store: manifest.json and the files it names, the import log, the change files."""
    root = store.root
    names = [rel for rel in sorted(manifest["partitions"].values())]
    if (root / "changes").is_dir():
        names += [str(p.relative_to(root)) for p in sorted((root / "changes").glob("*.parquet"))]
    out = []
    for rel in names:
        out.append(_Member(f"workspace/measurements/{rel}", _link(root / rel, staging / "measurements" / rel)))
    for rel in ("manifest.json", "imports.jsonl"):   # rewritten / appended in place: copied
        if (root / rel).is_file():
            target = staging / "measurements" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / rel, target)
            out.append(_Member(f"workspace/measurements/{rel}", target))
    return out


def _link(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:                                  # another file system: copy
        shutil.copyfile(source, target)
    return target


def _database_snapshot(url: str, kind: str, staging: Path) -> dict:
    tables = _row_counts(url)
    if kind == "sqlite":
        path = staging / "lantian.sqlite3"
        database = Path(sa.make_url(url).database or "")
        if not database.is_file():
            raise UsageError(f"{database}: no database to back up")
        src = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        dst = sqlite3.connect(path)
        try:
            with dst:
                src.backup(dst)                      # SQLite's online backup API: one consistent copy
        finally:
            dst.close()
            src.close()
        return {"member": _Member(SQLITE_MEMBER, path), "tool": "sqlite3 online backup API", "tables": tables}
    if kind == "postgresql":
        path = staging / "lantian.pgdump"
        conn, schema = _libpq(url)
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--schema", schema,
              "--file", str(path), *conn["args"]], conn["env"], "pg_dump")
        return {"member": _Member(PG_MEMBER, path), "tool": _version("pg_dump"), "schema": schema, "tables": tables}
    raise UsageError(f"cannot back up a {kind} database (SQLite or PostgreSQL)")


def _row_counts(url: str) -> dict[str, int]:
    engine = db.engine_for(url)
    with engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        return {t: conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in sorted(names)}


def _workspace_files(ws: Workspace, include_secrets: bool) -> list[_Member]:
    out = []
    root = ws.root
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        top = rel.parts[0]
        if top in _SKIP_TOP or any(part.startswith(_SKIP_PREFIX) for part in rel.parts) or not path.is_file():
            continue
        out.append(_Member(f"workspace/{rel.as_posix()}", path))
    if include_secrets and (root / SECRET).is_file():
        out.append(_Member(f"workspace/{SECRET}", root / SECRET))
    return out


def _add(tar: tarfile.TarFile, m: _Member) -> dict:
    digest = hashlib.sha256()
    with open(m.path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    size = m.path.stat().st_size
    info = tarfile.TarInfo(m.name)
    info.size, info.mtime, info.mode = size, int(m.path.stat().st_mtime), 0o600
    with open(m.path, "rb") as fh:
        tar.addfile(info, _Exactly(fh, size))
    return {"size": size, "sha256": digest.hexdigest()}


class _Exactly(io.RawIOBase):
    """``size`` bytes of a file (a file appended to meanwhile is cut at the size hashed)."""

    def __init__(self, fh, size: int):
        self.fh, self.left = fh, size

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        data = self.fh.read(n)
        self.left -= len(data)
        return data


# ------------------------------------------------------------------------------- PostgreSQL tools
def _libpq(url: str) -> tuple[dict, str]:
    """pg_dump/pg_restore connection arguments (password through PGPASSWORD) and the schema."""
    u = sa.make_url(url)
    args = ["--host", u.host or "127.0.0.1", "--port", str(u.port or 5432), "--username", u.username or "postgres",
            "--dbname", u.database or "postgres"]
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = u.password
    options = u.query.get("options", "")
    options = options if isinstance(options, str) else " ".join(options)
    schema = "public"
    for part in options.split():
        if part.startswith("-csearch_path="):
            schema = part.split("=", 1)[1].split(",")[0].strip('"')
    return {"args": args, "env": env}, schema


def _run(cmd: list[str], env: dict, what: str) -> str:
    if shutil.which(cmd[0]) is None:
        raise UsageError(f"{what} is not installed: install the PostgreSQL client (apt install postgresql-client), "
                         "the same major version as the server")
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise UsageError(f"{what} failed: {done.stderr.strip()[:2000]}")
    return done.stdout


def _version(tool: str) -> str:
    try:
        return subprocess.run([tool, "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return tool


# ----------------------------------------------------------------------------------------- verify
def verify(path: str | Path) -> dict:
    """Check a backup: a lantian archive, every member listed with its size and SHA-256, nothing
    missing or extra. Returns its MANIFEST; a :class:`UsageError` naming the first problem."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    try:
        tar = tarfile.open(path, "r")
    except (tarfile.TarError, OSError) as exc:
        raise UsageError(f"{path}: not a lantian backup (not a tar file: {exc})") from None
    with tar:
        try:
            manifest = json.loads(tar.extractfile(MANIFEST).read())
        except (KeyError, ValueError, AttributeError):
            raise UsageError(f"{path}: not a lantian backup (no readable {MANIFEST})") from None
        if manifest.get("format") != FORMAT:
            raise UsageError(f"{path}: backup format {manifest.get('format')!r}, expected {FORMAT}")
        seen = set()
        for info in tar:
            if info.name == MANIFEST:
                continue
            expected = manifest["files"].get(info.name)
            if expected is None or not info.isfile():
                raise UsageError(f"{path}: {info.name} is not listed in the backup's manifest")
            digest = hashlib.sha256()
            fh = tar.extractfile(info)
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
            if info.size != expected["size"] or digest.hexdigest() != expected["sha256"]:
                raise UsageError(f"{path}: {info.name} is damaged (checksum differs from the manifest)")
            seen.add(info.name)
        missing = sorted(set(manifest["files"]) - seen)
        if missing:
            raise UsageError(f"{path}: {len(missing)} files missing from the archive, e.g. {missing[0]}")
    return manifest


# ---------------------------------------------------------------------------------------- restore
def restore(path: str | Path, target: str | Path, *, database_url: str | None = None) -> dict:
    """Restore the backup at ``path`` into the new workspace ``target`` (its database: ``database_url``,
    else the workspace's — $LANTIAN_DATABASE_URL or its own SQLite file). Checked first."""
    manifest = verify(path)
    root = Path(target)
    if root.exists() and any(root.iterdir()):
        raise UsageError(f"{root}: not empty — restore into a new workspace folder")
    ws = Workspace(root)
    url = database_url or ws.database_url
    kind = sa.make_url(url).get_backend_name()
    source = manifest["database"]["kind"]
    if kind != source:
        raise UsageError(f"this backup holds a {source} database and the target is {kind}: restore into "
                         f"{source} (unset or set LANTIAN_DATABASE_URL)")
    _empty_database(url, kind)
    made = not root.exists()
    root.mkdir(parents=True, exist_ok=True)
    try:
        _unpack(path, manifest, root, url, kind)
    except BaseException:                        # nothing half-restored: the folder goes, the database
        db.dispose_engines(url)                  # was restored in one transaction (or is a file in it)
        _clear(root, made)
        raise
    if (root / SECRET).is_file():
        (root / SECRET).chmod(0o600)
    db.dispose_engines(url)
    db.upgrade(url)
    return {"workspace": str(root), "database": kind, "tables": _row_counts(url),
            "store": manifest["store"], "secrets_included": manifest["secrets_included"],
            "files": len(manifest["files"])}


def _clear(root: Path, made: bool) -> None:
    if made:
        shutil.rmtree(root, ignore_errors=True)
        return
    for p in root.iterdir():                     # the folder was there (empty): leave it empty
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


def _unpack(path: Path, manifest: dict, root: Path, url: str, kind: str) -> None:
    with tarfile.open(path, "r") as tar:
        for info in tar:
            if info.name.startswith("workspace/"):
                rel = Path(info.name[len("workspace/"):])
                if rel.is_absolute() or ".." in rel.parts:
                    raise UsageError(f"{path}: unsafe member {info.name}")
                _write_member(tar, info, root / rel)
        (root / "measurements").mkdir(exist_ok=True)
        dump = tar.extractfile(manifest["database"]["member"])
        if kind == "sqlite":
            _write_stream(dump, Path(sa.make_url(url).database))
        else:
            local = root / f".backup-{uuid.uuid4().hex[:8]}.pgdump"
            _write_stream(dump, local)
            try:
                _pg_restore(local, url, manifest["database"]["schema"])
            finally:
                local.unlink(missing_ok=True)


def _write_member(tar: tarfile.TarFile, info: tarfile.TarInfo, target: Path) -> None:
    _write_stream(tar.extractfile(info), target)


def _write_stream(fh, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as out:
        shutil.copyfileobj(fh, out, 1 << 20)


def _empty_database(url: str, kind: str) -> None:
    if kind == "sqlite":
        path = Path(sa.make_url(url).database)
        if path.exists() and path.stat().st_size:
            raise UsageError(f"{path}: a database is already there — restore into a new workspace")
        return
    with db.engine_for(url).connect() as conn:
        tables = sa.inspect(conn).get_table_names()
    if tables:
        raise UsageError(f"the target database already has {len(tables)} tables: restore into an empty one")


def _pg_restore(dump: Path, url: str, schema: str) -> None:
    conn, target_schema = _libpq(url)
    if target_schema != schema:
        raise UsageError(f"the backup's tables are in schema {schema!r}, the target's search_path is "
                         f"{target_schema!r}: restore into a database whose schema has the backup's name")
    listing = _run(["pg_restore", "--list", str(dump)], conn["env"], "pg_restore")
    # the schema itself exists in the target (public, or made by the administrator): its tables only
    keep = [line for line in listing.splitlines() if " SCHEMA - " not in line and " COMMENT - SCHEMA " not in line]
    items = dump.with_suffix(".list")
    items.write_text("\n".join(keep) + "\n", encoding="utf-8")
    try:
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              "--use-list", str(items), *conn["args"], str(dump)], conn["env"], "pg_restore")
    finally:
        items.unlink(missing_ok=True)
