"""``szcg audit …``: check the tamper-evident timeline, seal and print the daily digests."""

from __future__ import annotations

import json
import sys
from datetime import date

import click

from engine.errors import BadRequest
from web.cli.core import _deps, friendly, main


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"--{name} must be a date YYYY-MM-DD, not {value!r}", fields={name: "invalid"}) from None


@main.group("audit")
def audit_group() -> None:
    """The case timeline's hash chains and daily digests."""


@audit_group.command("verify")
@click.option("--case", "case_no", default=None, help="check only this case (and the sealed days it moved on)")
@click.option("--day", default=None, help="check the cases that moved on this day (YYYY-MM-DD) and its seal")
@friendly
def audit_verify(case_no: str | None, day: str | None) -> None:
    """Recompute the chains and digests; exit 1 naming the first line or day that does not match."""
    from engine.audit.verify import verify

    result = verify(_deps(), case_no=case_no, day=_day(day, "day"))
    if result.ok:
        click.echo(f"ok: {result.cases} cases, {result.lines} timeline lines, {result.days} sealed days verified")
        return
    assert result.first is not None
    click.echo(f"MISMATCH {result.first.describe()}", err=True)
    if len(result.findings) > 1:
        click.echo(f"  and {len(result.findings) - 1} more", err=True)
    sys.exit(1)


@audit_group.command("seal")
@friendly
def audit_seal() -> None:
    """Seal every finished day not sealed yet (the scheduler does this after midnight)."""
    from engine.audit.digests import seal_due

    for d in seal_due(_deps()):
        click.echo(f"{d.day}  {d.digest}  ({d.cases} cases, {d.lines} lines)")


@audit_group.command("digests")
@click.option("--from", "start", default=None, help="first day YYYY-MM-DD")
@click.option("--to", "end", default=None, help="last day YYYY-MM-DD")
@click.option("--json", "as_json", is_flag=True, help="one JSON object a line, to publish or notarize")
@friendly
def audit_digests(start: str | None, end: str | None, as_json: bool) -> None:
    """Print the sealed daily digests, oldest first."""
    from engine.audit.digests import listing

    for d in listing(_deps(), start=_day(start, "from"), end=_day(end, "to")):
        click.echo(json.dumps(d.to_dict(), ensure_ascii=False) if as_json else
                   f"{d.day}  {d.digest}  ({d.cases} cases, {d.lines} lines)")


@main.group("privacy")
def privacy_group() -> None:
    """Reporters' personal data: retention and who viewed it."""


@privacy_group.command("clear")
@friendly
def privacy_clear() -> None:
    """Clear the names and phones of cases finished longer ago than personal_data_retention_days."""
    from engine.audit.personal_data import clear_expired

    days = _deps().settings.raw.get("personal_data_retention_days")
    if days is None:
        click.echo("personal_data_retention_days is not set: personal data is kept")
        return
    click.echo(f"cleared the personal data of {clear_expired(_deps())} cases finished more than {days} days ago")
