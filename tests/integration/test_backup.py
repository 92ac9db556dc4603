"""``szcg backup`` → destroy → ``szcg restore``: every case, photo and timeline line back, the chain intact."""

from __future__ import annotations

import io
import tarfile
import uuid
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import inspect, select, text

from engine.audit import digests
from engine.cases import attachments
from engine.deps import build_deps
from engine.store.models import Case, CaseEvent
from engine.store.ui_models import Attachment
from tests.conftest import _admin_engine, _pg_url, base_settings
from tests.factories import actor, report, straight_through
from tests.pages.conftest import jpeg
from web.cli import main


def _snapshot(deps):
    with deps.uow() as uow:
        s = uow.session
        return {"cases": sorted(s.scalars(select(Case.case_no))),
                "lines": sorted(s.execute(select(CaseEvent.case_id, CaseEvent.seq, CaseEvent.hash)).all()),
                "photos": sorted(s.scalars(select(Attachment.sha256))),
                "digests": [d.digest for d in digests.listing(deps)]}


def _empty_target(deps, backend, tmp_path):
    """A new, empty database for the restore (the old one stays as it was destroyed)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.db'}", None
    name = f"szcg_r_{uuid.uuid4().hex[:10]}"
    with _admin_engine().connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return _pg_url(name), name


def test_backup_destroy_restore_finds_every_case_photo_and_an_intact_chain(deps, clock, backend, tmp_path):
    first = report(deps)
    straight_through(deps, first.case_no)
    second = report(deps)
    attachments.add_attachments(deps, actor(deps, "operator"), second.case_no,
                                [attachments.Upload(jpeg(color="blue"))], "before")
    clock.advance(days=2)
    digests.seal_due(deps)
    before = _snapshot(deps)
    assert before["photos"] and before["digests"]

    archive = tmp_path / "city.tar"
    out = CliRunner().invoke(main, ["backup", "-o", str(archive)], obj={"deps": deps})
    assert out.exit_code == 0, out.output
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names and any(n.startswith("uploads/original/") for n in names)

    # Destroy: the database is gone (a new empty one is configured) and so are the photos.
    uploads = deps.settings.path("upload_dir")
    for path in sorted(uploads.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    url, pg_name = _empty_target(deps, backend, tmp_path)
    target = build_deps(base_settings(tmp_path, url), clock=clock)
    try:
        out = CliRunner().invoke(main, ["restore", str(archive)], obj={"deps": target})
        assert out.exit_code == 0, out.output
        assert "timeline verified" in out.output
        assert _snapshot(target) == before
        sha = before["photos"][0]
        assert attachments.file_path(target.settings, sha, "original").exists()
        # A second restore over the cases now present is refused, naming the way out.
        again = CliRunner().invoke(main, ["restore", str(archive)], obj={"deps": target})
        assert again.exit_code == 1 and "--force" in again.output
    finally:
        target.engine.dispose()
        if pg_name:
            with _admin_engine().connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


def test_a_damaged_archive_is_refused_before_anything_is_written(deps, backend, tmp_path):
    report(deps)
    archive = tmp_path / "b.tar"
    CliRunner().invoke(main, ["backup", "-o", str(archive)], obj={"deps": deps}, catch_exceptions=False)
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            if member.name.startswith("database."):
                data = data[:-10] + b"0123456789"
            member.size = len(data) if data is not None else 0
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    url, pg_name = _empty_target(deps, backend, tmp_path)
    target = build_deps(base_settings(tmp_path, url), clock=deps.clock)
    try:
        out = CliRunner().invoke(main, ["restore", str(damaged)], obj={"deps": target})
        assert out.exit_code == 1 and "does not match its checksum" in out.output
        assert "cases" not in inspect(target.engine).get_table_names()
    finally:
        target.engine.dispose()
        if pg_name:
            with _admin_engine().connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


def test_backup_never_overwrites_and_restore_refuses_a_file_that_is_not_a_backup(deps, tmp_path):
    archive = tmp_path / "x.tar"
    archive.write_bytes(b"")
    out = CliRunner().invoke(main, ["backup", "-o", str(archive)], obj={"deps": deps})
    assert out.exit_code == 1 and "exists already" in out.output
    with tarfile.open(tmp_path / "other.tar", "w") as tar:
        tar.add(Path(__file__), arcname="notes.txt")
    out = CliRunner().invoke(main, ["restore", str(tmp_path / "other.tar")], obj={"deps": deps})
    assert out.exit_code == 1 and "not a szcg backup" in out.output
