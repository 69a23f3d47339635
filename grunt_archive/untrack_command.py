"""The ``grunt-archive untrack`` command: stop tracking a player, keep their matches."""

from __future__ import annotations

from pathlib import Path

import click

from grunt_archive.cli import db_option, resolve_db


@click.command()
@db_option
@click.option(
    "--player",
    required=True,
    metavar="ID",
    help="xuid(…), a bare 16-digit xuid, or the gamertag of a tracked player.",
)
def untrack(db_path: Path | str | None, player: str) -> None:
    """Stop tracking a player: later syncs skip them; their archived matches stay.

    Exits 2 when the archive tracks no such player.

    Example: grunt-archive untrack --player "xuid(2533274800000001)"
    """
    from grunt_archive.runner import run_untrack

    named = run_untrack(resolve_db(db_path), player)
    click.echo(f"Stopped tracking {named}; their archived matches stay.")
