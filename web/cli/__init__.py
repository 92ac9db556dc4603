"""The ``szcg`` command: database, deployment, demo data, serving, scheduler, users.

Every command calls the same engine use cases as the API; errors print one clear line and
exit with status 1 (2 for usage errors, as click does).
"""

# Area command groups register themselves on `main` when imported.
from web.cli import audit, bench, command, ops, org, places, processes, rules  # noqa: F401
from web.cli.core import main

__all__ = ["main"]
