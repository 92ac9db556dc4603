"""The ``szcg`` command."""

import click


@click.group()
def main() -> None:
    """szcg — digital city management."""
