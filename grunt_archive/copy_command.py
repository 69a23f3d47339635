"""The ``grunt-archive copy`` command: an archive into another, SQLite or PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import click

from grunt_archive.cli import db_option, player_option, resolve_db
from grunt_archive.param_types import ArchiveLocation
from grunt_archive.wording import counted


@click.command()
@db_option
@click.option(
    "--to", "destination", type=ArchiveLocation(), required=True, metavar="PATH|URL",
    help="Where to copy: a SQLite file (created if missing) or a postgresql:// URL.",
)  # fmt: skip
@player_option("Copy only this player's slice: their matches and all those refer to. Repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print a one-line JSON summary.")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors.")
def copy(
    db_path: Path | str | None,
    destination: Path | str,
    players: tuple[str, ...],
    as_json: bool,
    quiet: bool,
) -> None:
    """Copy the archive into another (SQLite or PostgreSQL, either way); adds only what is missing.

    The destination is created or migrated first; running the copy again adds
    nothing new. Exits 2 for a player the source lacks, 5 while another command
    writes to a SQLite destination or another copy to a PostgreSQL one (nothing
    written), 6 when either archive cannot be opened or the destination is a
    newer grunt-archive's.

    Example: grunt-archive copy --db postgresql://grunt@db.example/halo --to club.db
    """
    from grunt_archive.progress import TerminalProgress
    from grunt_archive.runner import run_copy

    progress = None if (quiet or as_json) else TerminalProgress(unit="rows")
    report = run_copy(resolve_db(db_path), destination, players, progress)
    if as_json:
        click.echo(json.dumps(report.to_json()))
    elif not quiet:
        click.echo(
            f"Copied {counted(report.rows_added, 'new row')} of {report.rows_read} read into"
            f" {report.destination} in {report.seconds:.1f}s."
        )
