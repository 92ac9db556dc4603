"""``szcg import …`` / ``szcg export places``: a city's own places, components and standards.

Imports are all-or-nothing: a refused file prints one line per bad feature or line and
changes nothing. Long imports show a progress bar (on stderr).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from engine.errors import ImportRefused
from web.cli.core import _deps, cli_admin, friendly, main


@contextmanager
def progress_bars() -> Iterator[Callable[[str, int, int], None]]:
    """A ``progress(label, done, total)`` callback drawing one click progress bar per label."""
    state: dict[str, Any] = {"label": None, "bar": None, "done": 0}

    def update(label: str, done: int, total: int) -> None:
        if label != state["label"]:
            if state["bar"] is not None:
                state["bar"].render_finish()
            state.update(label=label, done=0, bar=click.progressbar(length=max(total, 1), label=label, file=sys.stderr))
        state["bar"].update(done - state["done"])
        state["done"] = done

    try:
        yield update
    finally:
        if state["bar"] is not None:
            state["bar"].render_finish()


def refusals(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Print every refused feature or line, one per line, then exit 1."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ImportRefused as exc:
            click.echo(f"refused, nothing imported: {len(exc.problems)} problem(s)", err=True)
            for p in exc.problems:
                code = f" [{p['code']}]" if p.get("code") else ""
                click.echo(f"  {p['where']}{code}: {p['reason']}", err=True)
            sys.exit(1)

    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    return wrapper


@main.group("import")
def import_group() -> None:
    """Import a city's places, components, classes or filing standard (all or nothing)."""


FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@import_group.command("places")
@click.argument("file", type=FILE)
@click.option("--level", type=click.Choice(["district", "street", "community", "grid"]), required=True)
@click.option("--replace", is_flag=True, help="the file becomes the whole level (missing places are deleted)")
@click.option("--drop-lower", is_flag=True, help="with --replace: delete every lower level first")
@friendly
@refusals
def import_places(file: Path, level: str, replace: bool, drop_lower: bool) -> None:
    """Import FILE (GeoJSON polygons with properties code, name; grids also area_class, beat_code, inspector)."""
    from engine.places.place_import import import_places as run
    from engine.places.place_import import read_geojson

    if drop_lower and not replace:
        raise click.UsageError("--drop-lower needs --replace")
    with progress_bars() as progress:
        result = run(_deps(), cli_admin(), read_geojson(file), level, replace=replace, drop_lower=drop_lower,
                     file=file.name, progress=progress)
    dropped = ", ".join(f"{n} {lvl}" for lvl, n in result.dropped_lower.items())
    click.echo(f"{level}: {result.inserted} added, {result.updated} updated, {result.deleted} deleted"
               + (f"; dropped {dropped}" if dropped else "")
               + (f"; {result.components_relocated} components re-located" if result.components_relocated else ""))


@import_group.command("components")
@click.argument("file", type=FILE)
@click.option("--replace", is_flag=True, help="empty the registry first (default: add new, update known codes)")
@click.option("--crs", type=click.Choice(["wgs84", "gcj02"]), default="wgs84", show_default=True)
@friendly
@refusals
def import_components(file: Path, replace: bool, crs: str) -> None:
    """Import FILE: GeoJSON Point features or CSV with columns code, lon, lat [, category_code, name,
    owner_department, state]. Codes are 16-digit identifiers; points must lie in the code's district."""
    from engine.places import components

    rows = components.read_components_file(file)
    with progress_bars() as progress:
        result = components.import_components(_deps(), cli_admin(), rows, file=file.name, replace=replace, crs=crs,
                                              progress=progress)
    click.echo(f"components: {result.inserted} added, {result.updated} updated, {result.deleted} deleted")


@import_group.command("categories")
@click.argument("file", type=FILE)
@friendly
@refusals
def import_categories(file: Path) -> None:
    """Import classes (columns kind, major_code, major_name, minor_code, minor_name [, note]); 4-digit
    minor codes are CJ/T 214-2007, 5-digit GB/T 47678.5-2026. Known classes are updated."""
    from engine.standards import catalog

    count = catalog.import_categories(_deps(), cli_admin(), file)
    click.echo(f"categories: {count} classes loaded")


@import_group.command("filing-conditions")
@click.argument("file", type=FILE)
@friendly
@refusals
def import_filing_conditions(file: Path) -> None:
    """Import a filing standard in the layout of engine/standards/data/case_standards.csv; each class in the
    file gets exactly the file's conditions (codes <category_code>-<n>)."""
    from engine.standards import filing

    count = filing.import_conditions(_deps(), cli_admin(), file)
    click.echo(f"filing conditions: {count} loaded")


@main.group("export")
def export_group() -> None:
    """Export reference data."""


@export_group.command("places")
@click.option("--level", type=click.Choice(["district", "street", "community", "grid"]), required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="file to write (default: standard output)")
@friendly
def export_places(level: str, output: Path | None) -> None:
    """Write one level as GeoJSON (what `szcg import places` reads back)."""
    from engine.places.place_import import export_places as run

    text = json.dumps(run(_deps(), level), ensure_ascii=False)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
