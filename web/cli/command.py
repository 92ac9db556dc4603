"""``szcg video …`` and ``szcg cameras …``: the video subsystem from the shell (audited)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from web.cli.core import _deps, cli_admin, friendly, main


@main.group()
def video() -> None:
    """Video-AI platforms (视频智能识别) and their events."""


@video.command("add-key")
@click.argument("name")
@friendly
def video_add_key(name: str) -> None:
    """Create the API key of platform NAME (printed once; send it as X-Api-Key)."""
    from engine.command import video as use_cases

    click.echo(use_cases.add_key(_deps(), cli_admin(), name))


@video.command("counts")
@friendly
def video_counts() -> None:
    """Events per outcome: reported, folded into a report, dropped below the threshold."""
    from engine.command import video as use_cases

    for outcome, n in sorted(use_cases.event_counts(_deps()).items()):
        click.echo(f"{outcome:<10} {n}")


@main.group()
def cameras() -> None:
    """The camera registry (视频监控)."""


@cameras.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="empty the registry first")
@friendly
def cameras_import(path: Path, replace: bool) -> None:
    """Import cameras from a CSV or GeoJSON file (all or nothing)."""
    from engine.command import cameras as use_cases

    text = path.read_text(encoding="utf-8-sig")
    rows = (use_cases.rows_from_geojson(json.loads(text)) if path.suffix.lower() in (".json", ".geojson")
            else use_cases.rows_from_csv(text))
    count = use_cases.import_cameras(_deps(), cli_admin(), rows, file=path.name, replace=replace)
    click.echo(f"{count} cameras imported")
