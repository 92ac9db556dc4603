"""``szcg backup`` / ``szcg restore``: the database and the photos in one archive, checked on the way back.

The archive is a plain tar (photos are compressed already) holding ``manifest.json``, the database —
``database.sqlite`` made with SQLite's online backup API (a consistent copy while szcg keeps running) or
``database.dump`` from ``pg_dump --format=custom`` (one consistent snapshot) — and every file under
``upload_dir`` as ``uploads/…``. The manifest lists each member's SHA-256, so a damaged archive is refused
before anything is written. A restore goes only into a database without cases unless forced; afterwards
``szcg audit verify`` shows the timeline chains intact.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url

from engine.deps import Deps
from engine.errors import Conflict, Invalid
from engine.store import migrate
from engine.store.models import Case, CaseEvent

FORMAT = 1
SQLITE_MEMBER, PG_MEMBER = "database.sqlite", "database.dump"


@dataclass(frozen=True)
class Manifest:
    format: int
    created_at: str
    dialect: str
    revision: str | None
    cases: int
    timeline_lines: int
    files: dict[str, str] = field(default_factory=dict)  # member name -> SHA-256

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _libpq_url(deps: Deps) -> str:
    """The database URL as pg_dump and pg_restore read it (no SQLAlchemy driver name)."""
    return make_url(deps.settings.database_url_resolved).set(drivername="postgresql").render_as_string(
        hide_password=False)


def _dump_database(deps: Deps, work: Path) -> Path:
    if deps.engine.dialect.name == "sqlite":
        target = work / SQLITE_MEMBER
        raw = deps.engine.raw_connection()
        try:
            destination = sqlite3.connect(target)
            with destination:
                raw.driver_connection.backup(destination)  # type: ignore[union-attr]
            destination.close()
        finally:
            raw.close()
        return target
    target = work / PG_MEMBER
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target),
          "--dbname", _libpq_url(deps)], "pg_dump")
    return target


def _run(command: list[str], name: str) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise Conflict(f"{name} is not installed (apt-get install postgresql-client)") from None
    if done.returncode != 0:
        raise Conflict(f"{name} failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")


def backup(deps: Deps, archive: Path) -> Manifest:
    """Write the database and the uploads to ``archive`` (a new tar file); return its manifest."""
    if archive.exists():
        raise Invalid(f"{archive} exists already; name a new file", fields={"output": "exists"})
    with deps.uow() as uow:
        cases = uow.session.scalar(select(func.count()).select_from(Case)) or 0
        lines = uow.session.scalar(select(func.count()).select_from(CaseEvent)) or 0
    uploads = deps.settings.path("upload_dir")
    with tempfile.TemporaryDirectory(prefix="szcg-backup-") as tmp:
        database = _dump_database(deps, Path(tmp))
        members = {database.name: database}
        if uploads.exists():
            members.update({f"uploads/{p.relative_to(uploads).as_posix()}": p
                            for p in sorted(uploads.rglob("*")) if p.is_file() and not p.name.startswith(".up-")})
        manifest = Manifest(FORMAT, deps.clock.now().isoformat(), deps.engine.dialect.name,
                            migrate.current(deps.engine), int(cases), int(lines),
                            {name: _sha256(path) for name, path in members.items()})
        archive.parent.mkdir(parents=True, exist_ok=True)
        partial = archive.with_name(archive.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            body = json.dumps(manifest.to_dict(), ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
            for name, path in members.items():
                tar.add(path, arcname=name, recursive=False)
        partial.replace(archive)  # a crash mid-backup never leaves a file that looks complete
    return manifest


def _read_manifest(tar: tarfile.TarFile) -> Manifest:
    try:
        member = tar.extractfile("manifest.json")
        data = json.loads(member.read()) if member else None
        return Manifest(**data)
    except (KeyError, TypeError, ValueError):
        raise Invalid("not a szcg backup: manifest.json is missing or unreadable", fields={"archive": "invalid"}) \
            from None


def _extract_checked(tar: tarfile.TarFile, manifest: Manifest, work: Path) -> None:
    """Extract the listed members (only those, as plain files) and check each one's SHA-256."""
    names = {m.name: m for m in tar.getmembers() if m.isfile()}
    for name, expected in manifest.files.items():
        member = names.get(name)
        parts = Path(name).parts
        if member is None or name.startswith("/") or ".." in parts:
            raise Invalid(f"the backup is incomplete or unsafe: {name}", fields={"archive": name})
        target = work / name
        target.parent.mkdir(parents=True, exist_ok=True)
        source = tar.extractfile(member)
        assert source is not None
        with target.open("wb") as out:
            shutil.copyfileobj(source, out)
        if _sha256(target) != expected:
            raise Invalid(f"the backup is damaged: {name} does not match its checksum", fields={"archive": name})


def _cases_in_target(deps: Deps) -> int:
    if "cases" not in inspect(deps.engine).get_table_names():
        return 0
    with deps.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Case)) or 0)


def restore(deps: Deps, archive: Path, *, force: bool = False) -> Manifest:
    """Put the archive's database and uploads in place of this configuration's (empty) database.

    :raises Invalid: not a backup, damaged, or of the other database kind. :raises Conflict: the
    database holds cases (unless ``force``), or pg_restore failed.
    """
    with tarfile.open(archive, "r") as tar, tempfile.TemporaryDirectory(prefix="szcg-restore-") as tmp:
        manifest = _read_manifest(tar)
        if manifest.dialect != deps.engine.dialect.name:
            raise Invalid(f"the backup is of a {manifest.dialect} database, this one is {deps.engine.dialect.name}",
                          fields={"archive": "other database kind"})
        present = _cases_in_target(deps)
        if present and not force:
            raise Conflict(f"the database already holds {present} cases; restore into an empty database "
                           "(or --force to replace it)")
        work = Path(tmp)
        _extract_checked(tar, manifest, work)
        _load_database(deps, work)
        uploads = deps.settings.path("upload_dir")
        if (work / "uploads").exists():
            shutil.copytree(work / "uploads", uploads, dirs_exist_ok=True)
    return manifest


def _load_database(deps: Deps, work: Path) -> None:
    if deps.engine.dialect.name == "sqlite":
        source = sqlite3.connect(work / SQLITE_MEMBER)
        raw = deps.engine.raw_connection()
        try:
            source.backup(raw.driver_connection)  # type: ignore[arg-type]
        finally:
            raw.close()
            source.close()
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--exit-on-error",
              "--single-transaction", "--dbname", _libpq_url(deps), str(work / PG_MEMBER)], "pg_restore")
    deps.engine.dispose()  # pooled connections may hold the old schema's cached state
