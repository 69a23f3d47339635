"""The ``grunt-archive backup`` command: a SQLite archive, whole, into a new file."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import click

from grunt_archive.cli import db_option, resolve_db
from grunt_archive.wording import counted

MEGABYTE = 1_000_000


@click.command()
@partial(db_option, archive="a SQLite file (for PostgreSQL: pg_dump, or `copy --to FILE`)")
@click.option(
    "--to", "destination", required=True, metavar="PATH",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The backup file to write; it must not exist yet (see --replace).",
)  # fmt: skip
@click.option(
    "--replace", is_flag=True,
    help="Replace the earlier backup at PATH, once the new one is complete (only a grunt-archive"
    " archive is ever replaced).",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print a one-line JSON summary.")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors.")
def backup(
    db_path: Path | str | None, destination: Path, replace: bool, as_json: bool, quiet: bool
) -> None:
    """Write a whole, consistent copy of the archive to a new file, even while a sync runs.

    Copying the archive file with cp while a sync writes (or without its -wal
    file) can give a damaged or stale copy. The backup is written under a
    temporary name, read back and checked, and only then given its name: an
    interrupted backup leaves nothing, and --replace keeps the older backup
    until the new one is complete. The backup is an archive like any other
    (serve it, sync into it, or copy it back). Exits 2 for a destination that
    exists (without --replace) or is the archive itself, or a PostgreSQL archive
    (use pg_dump, or copy --to FILE); 6 when the archive cannot be read or the
    backup cannot be written, with nothing left behind.

    Example: grunt-archive backup --to ~/backups/halo-$(date +%F).db
    """
    from grunt_archive.backup import back_up
    from grunt_archive.progress import TerminalProgress

    progress = None if (quiet or as_json) else TerminalProgress(unit="MB")

    def on_progress(written: int, expected: int) -> None:
        if progress is None:
            return
        if progress.total is None:
            progress.start(destination.name, None)
        progress.total = max(expected // MEGABYTE, 1)
        progress.advance(written // MEGABYTE - progress.done)
        if written == expected:  # the last call: the copy is written, and is read back now
            progress.finish()
            progress.note("Reading the backup back…")

    done = back_up(resolve_db(db_path), destination, replace=replace, on_progress=on_progress)
    if as_json:
        click.echo(json.dumps(done.to_json()))
    elif not quiet:
        click.echo(
            f"Backed up {counted(done.matches, 'match')} ({_size(done.bytes)}) to {done.path}"
            f" in {done.seconds:.1f}s."
        )


def _size(size: int) -> str:
    if size >= 1e9:
        return f"{size / 1e9:,.2f} GB"
    return f"{size / 1e6:,.1f} MB" if size >= 1e6 else f"{size / 1e3:,.0f} KB"
