"""``szcg backup`` and ``szcg restore``: the database and the photos, in one checked archive."""

from __future__ import annotations

from pathlib import Path

import click

from web.cli.core import _deps, friendly, main


@main.command("backup")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="the archive to write (default: szcg-backup-<time>.tar in the current folder)")
@friendly
def backup_command(output: Path | None) -> None:
    """Back up the database (online) and every upload into one tar archive."""
    from engine.ops.backup import backup
    from engine.time.clock import BEIJING

    deps = _deps()
    output = output or Path(f"szcg-backup-{deps.clock.now().astimezone(BEIJING):%Y%m%d-%H%M%S}.tar")
    manifest = backup(deps, output)
    click.echo(f"backed up {manifest.cases} cases, {manifest.timeline_lines} timeline lines and "
               f"{len(manifest.files) - 1} files ({manifest.dialect}, migration {manifest.revision}) to {output}")


@main.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="replace a database that already holds cases")
@friendly
def restore_command(archive: Path, force: bool) -> None:
    """Restore a backup into this configuration's database and upload folder, then verify the timeline."""
    from engine.audit.verify import verify
    from engine.ops.backup import restore

    deps = _deps()
    manifest = restore(deps, archive, force=force)
    click.echo(f"restored {manifest.cases} cases and {len(manifest.files) - 1} files from {archive}")
    result = verify(deps)
    if not result.ok:
        assert result.first is not None
        raise click.ClickException(f"the restored timeline does not verify: {result.first.describe()}")
    click.echo(f"timeline verified: {result.cases} cases, {result.lines} lines, {result.days} sealed days")
