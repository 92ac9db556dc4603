"""``szcg bench`` — the benchmark (its sections are built by the benchmark issue)."""

from __future__ import annotations

import click

from web.cli.core import main


@main.command()
@click.option("--quick", is_flag=True, help="small N for a fast run")
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of a table")
@click.option("--database", default=None, help="also run against this database URL (PostgreSQL)")
@click.option("--only", default=None, metavar="SECTION[,SECTION…]",
              help="run only these sections (e.g. lifecycle; the reads and the scheduler bring the history)")
def bench(quick: bool, as_json: bool, database: str | None, only: str | None) -> None:
    """Measure the engine against bare SpiffWorkflow, reads at scale and geocoding."""
    from bench import SECTIONS, run_cli

    chosen = None
    if only:
        chosen = frozenset(name.strip() for name in only.split(",") if name.strip())
        unknown = sorted(chosen - set(SECTIONS))
        if unknown:
            raise click.BadParameter(f"unknown: {', '.join(unknown)}; known: {', '.join(SECTIONS)}", param_hint="--only")
    run_cli(quick=quick, as_json=as_json, database=database, only=chosen)
