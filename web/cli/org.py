"""``szcg departments …`` and more ``szcg users …``: the organisation from the shell (audited)."""

from __future__ import annotations

import click

from web.cli.core import _deps, cli_admin, friendly, main, users


@main.group()
def departments() -> None:
    """Departments (专业部门), their level, district and responsible classes."""


@departments.command("list")
@friendly
def departments_list() -> None:
    """List every department with its classes."""
    from engine.people import organisation

    for d in organisation.list_departments(_deps(), cli_admin()):
        where = d["district_code"] or "city"
        state = "" if d["active"] else " (inactive)"
        classes = ",".join(d["category_codes"]) or "-"
        click.echo(f"{d['code']:<24} {where:<7} {d['name']}{state}  classes: {classes}")


@departments.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--level", type=click.Choice(["city", "district"]), required=True)
@click.option("--district", "district_code", default=None, help="6-digit district code (district level)")
@click.option("--category", "categories", multiple=True, help="a class it handles, e.g. 10101 (repeatable)")
@friendly
def departments_add(code: str, name: str, level: str, district_code: str | None, categories: tuple[str, ...]) -> None:
    """Add department CODE called NAME."""
    from engine.people import organisation

    organisation.create_department(_deps(), cli_admin(), code=code, name=name, level=level,
                                   district_code=district_code, category_codes=list(categories))
    click.echo(f"added department {code}")


@departments.command("update")
@click.argument("code")
@click.option("--name", default=None)
@click.option("--category", "categories", multiple=True, help="replaces its classes (repeatable)")
@click.option("--active/--inactive", default=None)
@friendly
def departments_update(code: str, name: str | None, categories: tuple[str, ...], active: bool | None) -> None:
    """Rename, (de)activate or set the classes of department CODE."""
    from engine.people import organisation

    changes: dict[str, object] = {}
    if name is not None:
        changes["name"] = name
    if categories:
        changes["category_codes"] = list(categories)
    if active is not None:
        changes["active"] = active
    organisation.update_department(_deps(), cli_admin(), code, changes)
    click.echo(f"updated department {code}")


@users.command("grant")
@click.argument("username")
@click.argument("role")
@friendly
def users_grant(username: str, role: str) -> None:
    """Grant ROLE (role, role@district:650102 or role@department:water) to USERNAME."""
    from engine.people import organisation

    organisation.grant_role(_deps(), cli_admin(), username, role)
    click.echo(f"{username}: granted {role}")


@users.command("revoke")
@click.argument("username")
@click.argument("role")
@friendly
def users_revoke(username: str, role: str) -> None:
    """Revoke ROLE (with exactly that scope) from USERNAME."""
    from engine.people import organisation

    organisation.revoke_role(_deps(), cli_admin(), username, role)
    click.echo(f"{username}: revoked {role}")


@users.command("assign")
@click.argument("username")
@click.option("--grid", "grid_code", default=None, help="a 14-digit grid code")
@click.option("--beat", "beat_code", default=None, help="a beat (every grid of it)")
@friendly
def users_assign(username: str, grid_code: str | None, beat_code: str | None) -> None:
    """Make inspector USERNAME responsible for a grid or a whole beat."""
    from engine.people import organisation

    count = organisation.assign_inspector(_deps(), cli_admin(), username, grid_code=grid_code, beat_code=beat_code)
    click.echo(f"{username} is the inspector of {count} grid(s)")
