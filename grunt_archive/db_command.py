"""The ``grunt-archive db`` commands: the archive's migrations."""

from __future__ import annotations

from pathlib import Path

import click

from grunt_archive.cli import db_option, resolve_db


@click.group()
def db() -> None:
    """Alembic migrations of the archive.

    Example: grunt-archive db upgrade --db halo.db
    """


@db.command("upgrade")
@db_option
def db_upgrade(db_path: Path | str | None) -> None:
    """Apply pending migrations (sync does this by itself).

    Example: grunt-archive db upgrade
    """
    from grunt_archive.runner import run_upgrade
    from grunt_archive.upgrading import on_stderr

    # A long migration says what it does first, on stderr (stdout: the revision line).
    before, after = run_upgrade(resolve_db(db_path, create=True), on_stderr)
    # A new archive had no revision: "empty", as `db current` says, not Python's None.
    was = "" if before == after else f" (was {before or 'empty'})"
    click.echo(f"Archive at revision {after}{was}.")


@db.command("current")
@db_option
def db_current(db_path: Path | str | None) -> None:
    """Print the archive's migration revision and the newest one this program knows.

    Example: grunt-archive db current
    """
    from grunt_archive.runner import archive_revision

    current, head = archive_revision(resolve_db(db_path))
    click.echo(f"{current or 'empty'} (head: {head})")
