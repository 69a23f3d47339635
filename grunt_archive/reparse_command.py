"""The ``grunt-archive reparse`` command: rebuild the tables from the raw responses."""

from __future__ import annotations

from pathlib import Path

import click

from grunt_archive.cli import db_option, resolve_db
from grunt_archive.errors import PartialSyncError
from grunt_archive.wording import counted


@click.command()
@db_option
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
def reparse(db_path: Path | str | None, quiet: bool) -> None:
    """Rebuild every normalized table from the stored raw responses, with no network.

    A stored document that no longer parses is named and left out (exit 3); a
    match left with no readable copy goes pending for the next sync.

    Example: grunt-archive reparse --db halo.db
    """
    from grunt_archive.documents import FILM_CHUNK
    from grunt_archive.progress import TerminalProgress
    from grunt_archive.runner import run_reparse

    progress = None if quiet else TerminalProgress()
    rebuilt, broken, lost = run_reparse(resolve_db(db_path), progress)
    if not quiet:
        click.echo(f"Rebuilt {counted(rebuilt, 'match')} from raw responses.")
    for key in broken:
        kind, _, match_id = key.partition(":")
        if kind == FILM_CHUNK.name and match_id in lost:  # the chunk is sound: its match is not
            why = "its match's stats no longer parse; the next sync fetches both again"
        else:
            why = "it no longer parses" + ("; pending, the next sync fetches it again"
                                           if key in lost else "")  # fmt: skip
        click.echo(f"Skipped raw document {key}: {why}.", err=True)
    if broken:
        raise PartialSyncError(
            f"{counted(len(broken), 'raw document')} no longer"
            f" {'parses' if len(broken) == 1 else 'parse'}, left out of the tables"
            + (f" ({counted(len(lost), 'match')} now pending for the next sync)" if lost else ""),
            pending=lost,
        )
