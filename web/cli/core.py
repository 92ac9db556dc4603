"""The ``szcg`` command group and its core commands: database, deployment, demo data, serving, scheduler,
users; and what every area's commands share (the dependencies, friendly errors, the shell administrator)."""


from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from engine.config import load_settings
from engine.deps import Deps, build_deps
from engine.errors import DeployError, SzcgError
from engine.people.accounts import Actor, Grant


def _deps() -> Deps:
    ctx = click.get_current_context()
    obj = ctx.ensure_object(dict)
    if "deps" not in obj:
        obj["deps"] = build_deps(load_settings())
    return obj["deps"]


def friendly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Print domain errors as one line (and deploy problems one per line) instead of a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except DeployError as exc:
            click.echo("deployment refused:", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            sys.exit(1)
        except SzcgError as exc:
            click.echo(f"error: {exc.message}", err=True)
            for field, message in exc.fields.items():
                click.echo(f"  {field}: {message}", err=True)
            sys.exit(1)

    return wrapper


def cli_admin() -> Actor:
    """The shell user, audited as ``cli:<login>``: whoever runs szcg on the server is its administrator."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    return Actor(id=None, username=f"cli:{login}", display_name=f"command line ({login})", grants=(Grant("admin"),))


@click.group()
def main() -> None:
    """szcg — digital city management (数字城管) on BPMN."""


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@friendly
def db_upgrade(revision: str) -> None:
    """Create or upgrade the database schema."""
    from engine.store import migrate

    deps = _deps()
    if deps.engine.url.get_backend_name() == "sqlite" and deps.engine.url.database:
        Path(deps.engine.url.database).parent.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(deps.engine, revision)
    click.echo(f"database at revision {migrate.current(deps.engine)}")


@db.command("check")
@friendly
def db_check() -> None:
    """Fail if the models and the migrations disagree."""
    from engine.store import migrate

    migrate.check(_deps().engine)
    click.echo("models and migrations agree")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--by", "actor", default=None, help="who deploys (recorded with the version)")
@friendly
def deploy(paths: tuple[Path, ...], actor: str | None) -> None:
    """Check and deploy BPMN processes and forms (default: ./workflows and ./forms).

    PATHS are a workflows folder and optionally a forms folder.
    """
    from engine.processes.definitions import deploy_dirs

    workflow_dir = paths[0] if paths else None
    forms_dir = paths[1] if len(paths) > 1 else (paths[0].parent / "forms" if paths else None)
    for result in deploy_dirs(_deps(), workflow_dir, forms_dir, actor=actor):
        state = "deployed as new version" if result.created else "unchanged, version"
        click.echo(f"{result.key}: {state} {result.version} ({result.sha256[:12]})")


@main.command()
@friendly
def demo() -> None:
    """Load the demo city and organisation (idempotent) and print the demo accounts."""
    from demo.city import load_demo

    summary = load_demo(_deps(), progress=lambda msg: click.echo(msg, err=True))
    click.echo(summary.render())


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--no-scheduler", is_flag=True, help="do not run the timer scheduler in this process")
def run(host: str, port: int, threads: int, no_scheduler: bool) -> None:
    """Serve the web app with waitress (and the scheduler, unless disabled)."""
    from waitress import serve

    from web import create_app

    deps = _deps()
    app = create_app(deps=deps)
    scheduler = None
    if deps.settings.scheduler_in_web and not no_scheduler:
        from engine.time.scheduler import start_background

        scheduler = start_background(deps)
    click.echo(f"szcg serving on http://{host}:{port}  (Ctrl-C to stop)")
    try:
        serve(app, host=host, port=port, threads=threads, ident="szcg")
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


@main.command()
def scheduler() -> None:
    """Run only the timer scheduler (for deployments with several web workers)."""
    from engine.logs import configure
    from engine.time.scheduler import run_blocking

    deps = _deps()
    configure(deps.settings.log_level, deps.settings.log_format)
    run_blocking(deps)


@main.group()
def users() -> None:
    """Manage users and their roles."""


@users.command("add")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default="", help="display name")
@click.option("--role", "roles", multiple=True, required=True,
              help="role, or role@district:650102, or role@department:water (repeatable)")
@friendly
def users_add(username: str, password: str, display_name: str, roles: tuple[str, ...]) -> None:
    """Add a user with one or more roles."""
    from engine.people.organisation import create_user

    create_user(_deps(), cli_admin(), username=username, password=password, display_name=display_name,
                roles=list(roles))
    click.echo(f"added {username}: {', '.join(roles)}")


@users.command("list")
def users_list() -> None:
    """List users with their roles and scopes."""
    from engine.people.accounts import list_users

    for user in list_users(_deps()):
        scopes = ", ".join(
            s["role"] + (f"@district:{s['district_code']}" if s["district_code"] else "")
            + (f"@department:{s['department_code']}" if s["department_code"] else "") for s in user["scopes"])
        click.echo(f"{user['username']:<28} {user['display_name']:<24} {scopes}")
