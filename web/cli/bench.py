"""``szcg bench`` — the benchmark (its sections are built by the benchmark issue)."""

from __future__ import annotations

import click

from web.cli.core import main


@main.command()
@click.option("--quick", is_flag=True, help="small N for a fast run")
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of a table")
@click.option("--database", default=None, help="also run against this database URL (PostgreSQL)")
def bench(quick: bool, as_json: bool, database: str | None) -> None:
    """Measure the engine against bare SpiffWorkflow, reads at scale and geocoding."""
    from bench import run_cli

    run_cli(quick=quick, as_json=as_json, database=database)
