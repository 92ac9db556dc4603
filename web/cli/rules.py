"""``szcg rules …`` and ``szcg calendar …``: administrators' rules and time from the shell."""

from __future__ import annotations

import json
from pathlib import Path

import click

from web.cli.core import _deps, friendly, main


@main.group("rules")
def rules_group() -> None:
    """Decision tables (dispatch_routing, time_limits): versions, upload, dry run, activation."""


@rules_group.command("list")
@click.argument("key")
def rules_list(key: str) -> None:
    """List the versions of table KEY."""
    from engine.rules import tables

    for v in tables.list_versions(_deps(), key):
        click.echo(f"v{v['version']:<4} {v['status']:<8} {v['uploaded_at']}  {v['uploaded_by']:<12} {v['note'] or ''}")


def _read(dmn: Path, examples: Path | None) -> tuple[str, list]:
    ex_path = examples or dmn.with_name(dmn.stem + ".examples.json")
    data = json.loads(ex_path.read_text(encoding="utf-8")) if ex_path.exists() else []
    return dmn.read_text(encoding="utf-8"), data


@rules_group.command("upload")
@click.argument("key")
@click.argument("dmn", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--examples", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "actor", default="admin")
@click.option("--note", default=None)
@friendly
def rules_upload(key: str, dmn: Path, examples: Path | None, actor: str, note: str | None) -> None:
    """Check and store a new version of table KEY as a draft."""
    from engine.rules import tables

    xml, data = _read(dmn, examples)
    result = tables.upload(_deps(), key, xml, data, actor=actor, note=note)
    click.echo(("stored" if result["created"] else "unchanged,") + f" {key} v{result['version']} ({result['status']})")


@rules_group.command("dry-run")
@click.argument("key")
@click.argument("dmn", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--days", default=30, show_default=True)
@click.option("--by", "actor", default="admin")
@friendly
def rules_dry_run(key: str, dmn: Path, days: int, actor: str) -> None:
    """Compare a candidate table with the active one on the cases of the last DAYS."""
    from engine.rules import tables

    xml, data = _read(dmn, None)
    result = tables.dry_run(_deps(), key, xml, data, days=days, actor=actor)
    click.echo(f"{result['changed']} of {result['cases']} cases of the last {days} days would decide differently")
    for row in result["sample"][:20]:
        click.echo(f"  {row['case_no']}: {row['before']} → {row['after']}")


@rules_group.command("what-if")
@click.argument("key")
@click.argument("dmn", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--examples", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@click.option("--days", default=30, show_default=True)
@click.option("--by", "actor", default="admin")
@friendly
def rules_what_if(key: str, dmn: Path, examples: Path | None, days: int, actor: str) -> None:
    """Replay a candidate time-limits table over the last DAYS: on-time rates before → after."""
    from datetime import timedelta

    from engine.time import whatif

    xml, data = _read(dmn, examples)
    until = _deps().clock.now()
    result = whatif.replay_limits(_deps(), key, xml, data, since=until - timedelta(days=days), until=until, actor=actor)
    click.echo(f"{result['tasks']} stage tasks of the last {days} days: on time {result['on_time_before']} → "
               f"{result['on_time_after']} ({result['changed']} verdicts change)")
    for row in result["by_stage"]:
        click.echo(f"  {row['stage']:<12} {row['tasks']:>7}  {row['on_time_before']:.1%} → {row['on_time_after']:.1%}")


@rules_group.command("activate")
@click.argument("key")
@click.argument("version", type=int)
@click.option("--by", "actor", default="admin")
@click.option("--rollback", is_flag=True, help="record it as a rollback to an earlier version")
@friendly
def rules_activate(key: str, version: int, actor: str, rollback: bool) -> None:
    """Make VERSION of table KEY the one the next decisions use."""
    from engine.rules import tables

    tables.activate(_deps(), key, version, actor=actor, rollback=rollback)
    click.echo(f"{key} v{version} is active")


@main.group("calendar")
def calendar_group() -> None:
    """The working calendar: years' holiday schedules and local days."""


@calendar_group.command("load-year")
@click.argument("year", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "actor", default="admin")
@friendly
def calendar_load_year(year: int, file: Path, actor: str) -> None:
    """Load YEAR's holidays and make-up working days (lines: date,kind,name)."""
    from engine.time import city_calendar

    loaded = city_calendar.load_year(_deps(), year, file.read_text(encoding="utf-8"), actor=actor)
    click.echo(f"{loaded.year}: {loaded.holidays} holidays, {loaded.workdays} make-up working days")


@calendar_group.command("local-days")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@friendly
def calendar_local_days(file: Path) -> None:
    """Add local days (肉孜节, 古尔邦节, closures; lines: date,kind,name)."""
    from engine.time import city_calendar

    click.echo(f"{city_calendar.load_local_days(_deps(), file.read_text(encoding='utf-8'))} local days loaded")


@calendar_group.command("status")
def calendar_status() -> None:
    """Loaded years, local days, and years whose schedule is still missing."""
    from engine.time import city_calendar

    status = city_calendar.calendar_status(_deps())
    click.echo(f"loaded years: {', '.join(str(y['year']) for y in status['loaded_years']) or 'none'}")
    click.echo(f"local days: {len(status['local_days'])}")
    if status["missing_years"]:
        click.echo(f"WARNING: no holiday schedule for {', '.join(map(str, status['missing_years']))}: "
                   "deadlines there count weekends only (provisional)")
