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
    "--to", "destination", metavar="PATH",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The backup file to write; it must not exist yet (see --replace).",
)  # fmt: skip
@click.option(
    "--into", "directory", metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Instead of --to: write a new backup named by the time, as halo-2026-12-03T041500Z.db"
    " (UTC), into DIR (made if only its last part is missing).",
)  # fmt: skip
@click.option(
    "--keep", type=click.IntRange(min=1), metavar="N",
    help="With --into: then delete the oldest backups of this archive in DIR until N are left"
    " (only files named as --into names them; never one in use).",
)  # fmt: skip
@click.option(
    "--replace", is_flag=True,
    help="Replace the earlier backup at PATH, once the new one is complete (only a grunt-archive"
    " archive is ever replaced).",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print a one-line JSON summary.")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors.")
def backup(
    db_path: Path | str | None,
    destination: Path | None,
    directory: Path | None,
    keep: int | None,
    replace: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Write a whole, consistent copy of the archive to a new file, even while a sync runs.

    Copying the archive file with cp while a sync writes (or without its -wal
    file) can give a damaged or stale copy. The backup is written under a
    temporary name, read back and checked, and only then given its name: an
    interrupted backup leaves nothing, and --replace keeps the older backup
    until the new one is complete. The backup is an archive like any other
    (serve it, sync into it, or copy it back). For a nightly or weekly backup,
    --into DIR --keep N writes a file named by the time and keeps the N newest.
    Exits 2 for a destination that exists (without --replace) or is the archive
    itself, or a PostgreSQL archive (use pg_dump, or copy --to FILE); 6 when the
    archive cannot be read or the backup cannot be written, with nothing left
    behind.

    Example: grunt-archive backup --into ~/backups --keep 8
    """
    from grunt_archive.backup import back_up
    from grunt_archive.backup_rotation import back_up_into
    from grunt_archive.progress import TerminalProgress

    _check_usage(destination, directory, keep, replace)
    progress = None if (quiet or as_json) else TerminalProgress(unit="MB")

    def on_progress(written: int, expected: int) -> None:
        if progress is None:
            return
        if progress.total is None:
            progress.start(destination.name if destination else "backup", None)
        progress.total = max(expected // MEGABYTE, 1)
        progress.advance(written // MEGABYTE - progress.done)
        if written == expected:  # the last call: the copy is written, and is read back now
            progress.finish()
            progress.note("Reading the backup back…")

    source = resolve_db(db_path)
    if directory is None:
        assert destination is not None  # _check_usage
        done = back_up(source, destination, replace=replace, on_progress=on_progress)
        summary = done.to_json()
        removed: list[Path] = []
        left_alone: list[tuple[Path, str]] = []
    else:
        rotation = back_up_into(source, directory, keep=keep, on_progress=on_progress)
        done, removed, left_alone = rotation.backup, rotation.removed, rotation.left_alone
        summary = rotation.to_json()
    if as_json:
        click.echo(json.dumps(summary))
        return
    if not quiet:
        click.echo(
            f"Backed up {counted(done.matches, 'match')} ({_size(done.bytes)}) to {done.path}"
            f" in {done.seconds:.1f}s."
        )
        if removed:
            names = ", ".join(path.name for path in removed)
            click.echo(f"Removed {counted(len(removed), 'older backup')}: {names}.")
    for path, why in left_alone:  # said even with --quiet: the directory keeps growing
        click.echo(f"Left {path} alone, past --keep {keep}: {why}.", err=True)


def _check_usage(
    destination: Path | None, directory: Path | None, keep: int | None, replace: bool
) -> None:
    if (destination is None) == (directory is None):
        raise click.UsageError("give the backup's file with --to PATH, or a directory with --into")
    if keep is not None and directory is None:
        raise click.UsageError("--keep needs --into DIR: it counts the dated backups there")
    if replace and directory is not None:
        raise click.UsageError("--replace goes with --to: --into always writes a new file")


def _size(size: int) -> str:
    if size >= 1e9:
        return f"{size / 1e9:,.2f} GB"
    return f"{size / 1e6:,.1f} MB" if size >= 1e6 else f"{size / 1e3:,.0f} KB"
