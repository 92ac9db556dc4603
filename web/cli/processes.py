"""``szcg processes``: deployed versions with their running cases, and migrating running cases."""

from __future__ import annotations

import sys

import click

from web.cli.core import _deps, cli_admin, friendly, main


@main.group()
def processes() -> None:
    """Deployed processes: versions and the migration of running cases."""


@processes.command("versions")
@click.argument("key")
@friendly
def versions(key: str) -> None:
    """List KEY's versions with the number of running cases on each."""
    from engine.cases import migration

    for v in migration.versions(_deps(), key):
        click.echo(f"v{v['version']:<4} {v['running_cases']:>7} running  deployed {v['deployed_at']} "
                   f"by {v['deployed_by'] or '-'}  {v['sha256'][:12]}")


@processes.command("migrate")
@click.argument("key")
@click.option("--to", "to_version", type=int, required=True, help="the target version")
@click.option("--from", "from_version", type=int, default=None, help="only cases on this version")
@click.option("--case", "case_nos", multiple=True, help="only these cases (repeatable)")
@click.option("--dry-run", is_flag=True, help="say for each case whether it is safe, change nothing")
@friendly
def migrate(key: str, to_version: int, from_version: int | None, case_nos: tuple[str, ...], dry_run: bool) -> None:
    """Move KEY's running cases to version --to: safe cases one transaction each, unsafe ones stay with
    their reason. Safe to run again."""
    from engine.cases import migration

    run = migration.dry_run if dry_run else migration.migrate_cases
    with click.progressbar(length=1, label="cases", file=sys.stderr) as bar:
        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        report = run(_deps(), cli_admin(), key, to_version, from_version=from_version,
                     case_nos=list(case_nos) or None, progress=progress)
    for case in report.cases:
        verdict = "migrated" if case.migrated else ("safe" if case.safe else "stays")
        why = f"  ({'; '.join(case.reasons)})" if case.reasons else ""
        click.echo(f"{case.case_no}  v{case.from_version} → v{case.to_version}  {verdict}{why}")
    summary = report.to_dict()
    click.echo(f"{summary['total']} cases: {summary['safe']} safe, {summary['migrated']} migrated", err=True)
