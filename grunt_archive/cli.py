"""The `grunt-archive` command: parses options, calls one library function, reports.

Exit codes (see `errors.py`): 0 done, 1 unexpected error, 2 bad usage,
3 partial (some matches pending), 4 sign-in, 5 already running, 6 archive
unusable, 7 Halo service failure, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from grunt_archive.commands import LAZY_COMMANDS
from grunt_archive.errors import (
    AlreadyRunningError,
    ArchiveError,
    GruntArchiveError,
    PartialSyncError,
)
from grunt_archive.param_types import ArchiveLocation, FiniteRange, Interface
from grunt_archive.usage import OneLineUsageGroup, usage_line

if TYPE_CHECKING:
    from grunt_archive.runner import ClientSettings

# What `--db` names; `serve` (Datasette) says it reads SQLite alone.
POSTGRESQL_TOO = "a SQLite file, or a postgresql://user:password@host:port/dbname URL"
# Set in the context's meta by a command whose --json promises a summary of every run.
JSON_SUMMARY = "grunt_archive.json_summary"


def _sqlite_refusal(error: Exception) -> str | None:
    """Return SQLite's reason when ``error`` is SQLAlchemy's OperationalError, else None."""
    # Only a command that has imported SQLAlchemy can raise its errors, so the CLI need
    # not import it: it stays light for the commands that never open an archive.
    exc = sys.modules.get("sqlalchemy.exc")
    if exc is not None and isinstance(error, exc.OperationalError):
        # One line: libpq's words for a server that went away span three.
        return " ".join(str(error.orig).split())
    return None


class ArchiveGroup(OneLineUsageGroup):
    """The top-level group: our errors as one line and an exit code; commands loaded lazily."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse the command line; note a sync's promise of a JSON summary before its flags."""
        if args[:1] == ["sync"] and "--json" in args[1:]:
            # Promised before the flags are parsed: a wrong one, or a Ctrl-C while the
            # run starts, still leaves the timer's log its summary.
            ctx.meta[JSON_SUMMARY] = True
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Return every command name, the lazy ones included, sorted."""
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Return the command, importing its module first if it is a lazy one."""
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            module, attribute = LAZY_COMMANDS[cmd_name][0].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands with their one-line help, importing none of the lazy ones."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            command = self.commands.get(name)
            if command is None:
                # A stand-in that shortens the kept help exactly as the command itself would.
                command = click.Command(name, help=LAZY_COMMANDS[name][1])
            if not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; report `GruntArchiveError`, Ctrl-C and SIGTERM without a traceback."""
        from grunt_archive.terminate import stop_on_terminate  # not for the group's --help

        with stop_on_terminate() as stop:
            try:
                return super().invoke(ctx)
            except GruntArchiveError as error:
                _stopped(ctx, "error", error.exit_code, str(error))
                click.echo(f"Error: {error}", err=True)
                ctx.exit(error.exit_code)
            except KeyboardInterrupt as interrupt:
                # A sync adds what it saved as a note (`sync.sync`); SIGTERM comes here too.
                saved = "; ".join(getattr(interrupt, "__notes__", []))
                line = f"{stop.word}: {saved}." if saved else f"{stop.word}."
                _stopped(ctx, stop.word.lower(), stop.exit_code, line)
                click.echo(line, err=True)
                ctx.exit(stop.exit_code)
            except Exception as error:
                reason = _sqlite_refusal(error)
                if reason is None:
                    raise
                # SQLite refusing a read or write (locked, full, read-only) is an archive problem.
                click.echo(f"Error: the archive cannot be used: {reason}", err=True)
                ctx.exit(ArchiveError.exit_code)

    def usage_failed(self, ctx: click.Context, error: click.UsageError) -> None:
        """Print the JSON summary a run promised (exit 2) before its one line goes to stderr."""
        _stopped(ctx, "error", error.exit_code, usage_line(error).removeprefix("Error: "))


def _stopped(ctx: click.Context, outcome: str, exit_code: int, line: str) -> None:
    """Print the JSON summary of a run stopped by an error or a signal, if it promised one."""
    if ctx.meta.get(JSON_SUMMARY):  # a timer reading the summary gets one for every run
        click.echo(json.dumps({"outcome": outcome, "exit_code": exit_code, "error": line}))


def db_option(command: Callable[..., Any], archive: str = POSTGRESQL_TOO) -> Callable[..., Any]:
    """Add ``--db PATH|URL`` (default ``$GRUNT_ARCHIVE_DB``, else the user data directory)."""
    return click.option(
        "--db",
        "db_path",
        type=ArchiveLocation(),
        default=None,
        help=f"Archive: {archive}. Default: $GRUNT_ARCHIVE_DB, else halo.db in the user data"
        " directory.",
    )(command)


def resolve_db(db_path: Path | str | None, *, create: bool = False) -> Path | str:
    """Return the archive's path or URL; ``create``: make the default data directory if missing.

    Only the commands that make an archive (``sync``, ``db upgrade``, ``demo``) create
    it: one that reads finds no archive there, and says so, leaving the disk as it was.

    Raises:
        ArchiveError: the data directory cannot be made (a file in its place, a
            read-only disk).

    """
    if db_path is not None:
        return db_path
    from grunt_archive.db import default_db_path

    path = default_db_path()
    if create and "GRUNT_ARCHIVE_DB" not in os.environ and isinstance(path, Path):
        # Only the platform's own data directory is ours to create.
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            from grunt_archive.errors import ArchiveError

            reason = error.strerror or type(error).__name__
            raise ArchiveError(f"cannot make the data directory {path.parent}: {reason}") from None
    return path


def sqlite_only(location: Path | str, command: str) -> Path:
    """Return ``location`` if it is a SQLite path; refuse a PostgreSQL URL (exit 2).

    Datasette reads SQLite files only, so ``serve`` and ``demo`` do too.
    """
    if isinstance(location, Path):
        return location
    from grunt_archive.errors import UsageError
    from grunt_archive.location import archive_name

    raise UsageError(
        f"{command} needs a SQLite archive, and {archive_name(location)} is PostgreSQL:"
        " copy it into a SQLite file first (grunt-archive copy --to FILE)"
    )


def player_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Return ``--player ID`` (repeatable, into ``players``), each value checked as it is parsed."""
    return click.option(
        "--player", "players", multiple=True, metavar="ID", help=help_text,
        callback=lambda _ctx, _param, value: checked_players(value),
    )  # fmt: skip


def checked_players(players: tuple[str, ...]) -> tuple[str, ...]:
    """Return the ``--player`` values once each parses, before any token or archive is looked at.

    Raises:
        UsageError: a value is not an xuid or a gamertag.

    """
    from grunt_archive.players import parse_player

    for text in players:
        parse_player(text)
    return players


@click.group(cls=ArchiveGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="grunt-archive")
def cli() -> None:
    """Keep a Halo Infinite player's whole match history in a SQLite archive you own.

    Example: grunt-archive sync --player "xuid(2533274800000001)"
    """


def api_base_callback(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
    """Check ``--api-base`` (``$GRUNT_ARCHIVE_API_BASE``) as it is parsed, before any archive."""
    from grunt_archive.base_url import checked_api_base

    return checked_api_base(value)


def api_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the options that say how to reach the Halo services (tokens, base URL, limits)."""
    options = [
        click.option(
            "--concurrency",
            type=click.IntRange(1, 64),
            default=4,
            show_default=True,
            help="Requests in flight at most.",
        ),
        click.option(
            "--rps",
            type=FiniteRange(min=0.1),
            default=5.0,
            show_default=True,
            help="Requests per second to each Halo host; a host that answers 429 "
            "is slowed below it for a while.",
        ),
        click.option(
            "--spartan-token",
            envvar="GRUNT_ARCHIVE_SPARTAN_TOKEN",
            metavar="TOKEN",
            help="Bring-your-own x-343-authorization-spartan token "
            "[env: GRUNT_ARCHIVE_SPARTAN_TOKEN].",
        ),
        click.option(
            "--clearance",
            envvar="GRUNT_ARCHIVE_CLEARANCE",
            metavar="ID",
            help="Bring-your-own 343-clearance id [env: GRUNT_ARCHIVE_CLEARANCE].",
        ),
        click.option(
            "--timeout",
            type=FiniteRange(min=0.1),
            default=30.0,
            show_default=True,
            help="Seconds a whole response may take, body included, before it is retried.",
        ),
        click.option(
            "--api-base",
            envvar="GRUNT_ARCHIVE_API_BASE",
            metavar="URL",
            callback=api_base_callback,
            help="Send every request here instead of the real hosts [env: GRUNT_ARCHIVE_API_BASE].",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def client_settings(
    concurrency: int,
    rps: float,
    spartan_token: str | None,
    clearance: str | None,
    timeout: float,
    api_base: str | None,
) -> ClientSettings:
    """Turn the `api_options` values into the library's client settings."""
    from grunt_archive.api import Tokens
    from grunt_archive.runner import ClientSettings

    tokens = Tokens(spartan_token, clearance) if spartan_token else None
    return ClientSettings(
        tokens=tokens, api_base=api_base, rps=rps, concurrency=concurrency, timeout=timeout
    )


@cli.command()
@db_option
@player_option(
    "xuid(…), a bare 16-digit xuid, or a gamertag. Repeatable. "
    "Default: every tracked player, else the signed-in player."
)
@click.option("--full", is_flag=True, help="Walk every history to its start again, fetching gaps.")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="Stop after N new matches.")
@click.option(
    "--matches-only",
    is_flag=True,
    help="Archive matches only: no service record, CSR or popularity snapshots.",
)
@click.option(
    "--no-films", is_flag=True, help="Fetch no theater film (manifest or highlight chunk)."
)
@click.option(
    "--films-backfill",
    is_flag=True,
    help="Also fetch the films of archived matches that have none, newest first, "
    "until the first that has expired.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a one-line JSON summary.")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors.")
@api_options
def sync(
    db_path: Path | str | None,
    players: tuple[str, ...],
    full: bool,
    limit: int | None,
    matches_only: bool,
    no_films: bool,
    films_backfill: bool,
    as_json: bool,
    quiet: bool,
    **api: Any,
) -> None:
    """Archive every match the archive does not have yet, newest first.

    The first run walks each player's whole history; later runs stop at the
    first page of matches already archived. An interrupted run resumes where
    it stopped. Exits 3 when some matches stay pending for the next run, or a
    player's history cannot be walked (named; the others are synced).

    Example: grunt-archive sync --player "xuid(2533274800000001)" --json
    """
    from grunt_archive.progress import TerminalProgress
    from grunt_archive.runner import run_sync
    from grunt_archive.sync import SyncOptions
    from grunt_archive.wording import counted, listed

    progress = None if (quiet or as_json) else TerminalProgress()
    if no_films and films_backfill:
        raise click.UsageError("--no-films and --films-backfill contradict each other")
    options = SyncOptions(
        players, full, limit, matches_only, films=not no_films, films_backfill=films_backfill
    )
    meta = click.get_current_context().meta
    meta[JSON_SUMMARY] = as_json
    report = run_sync(resolve_db(db_path, create=True), client_settings(**api), options, progress)
    if as_json:
        click.echo(json.dumps(report.to_json()))
        meta[JSON_SUMMARY] = False  # the summary is out: a partial run's error needs no other
    elif not quiet:
        click.echo(
            f"Archived {counted(report.matches_added, 'new match')} for "
            f"{listed(report.gamertags or report.players, 'player')} in {report.seconds:.1f}s"
            f" with {counted(report.requests, 'request')}."
        )
        for note in report.renamed_notes():  # on stderr, with the errors a timer's log keeps
            click.echo(f"Note: {note}", err=True)
        if report.claimed_elsewhere and report.outcome != "claimed":
            click.echo("Skipped, another worker syncs them: " + ", ".join(report.claimed_elsewhere))
    if report.outcome == "claimed":
        raise AlreadyRunningError(
            "every player asked for is being synced by another worker: "
            + ", ".join(report.claimed_elsewhere)
        )
    if report.outcome == "partial":
        # A match the service never serves would say this every night: say how to stop it.
        hint = (
            " (`grunt-archive pending give-up MATCH_ID` stops retrying one)"
            if report.pending
            else ""
        )
        raise PartialSyncError(report.partial_summary() + hint, pending=report.pending)


@cli.command()
@partial(db_option, archive="a SQLite file (Datasette reads no PostgreSQL: `copy --to FILE` first)")
@click.option(
    "--host", type=Interface(), default="127.0.0.1", show_default=True,
    help="Interface to listen on.",
)  # fmt: skip
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8001, show_default=True,
    help="Port to listen on; 0 picks a free one.",
)  # fmt: skip
@click.option("--open", "open_browser", is_flag=True, help="Open the archive in a browser.")
def serve(db_path: Path | str | None, host: str, port: int, open_browser: bool) -> None:
    """Browse the archive in Datasette, read-only, on 127.0.0.1 by default.

    Example: grunt-archive serve --port 8001 --open
    """
    from grunt_archive.db import default_db_path
    from grunt_archive.serve import serve as serve_archive

    # Not `resolve_db`: serve never makes an archive, nor the directory of one.
    serve_archive(sqlite_only(db_path or default_db_path(), "serve"), host, port, open_browser)


@cli.command()
@db_option
@click.argument("sql")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header (default).")
@click.option("--json", "as_json", is_flag=True, help="A JSON array of objects.")
@click.option("--nl", "as_nl", is_flag=True, help="One JSON object per line.")
def query(db_path: Path | str | None, sql: str, as_csv: bool, as_json: bool, as_nl: bool) -> None:
    """Run SQL against the archive, read-only, and print the rows to stdout.

    Bad SQL (or SQL that tries to write) is a one-line error and exit 2, as are two
    formats at once.

    Example: grunt-archive query "select * from player_careers" --json
    """
    import sys

    from grunt_archive.query import run_query

    # Separate flags, not one option's values: with those the last given won silently.
    asked = [name for name, given in (("csv", as_csv), ("json", as_json), ("nl", as_nl)) if given]
    if len(asked) > 1:
        raise click.UsageError(f"--{asked[0]} and --{asked[1]} contradict each other: give one")
    run_query(resolve_db(db_path), sql, sys.stdout, asked[0] if asked else "csv")


@cli.command()
@click.option(
    "--db",
    "db_path",
    type=ArchiveLocation(),
    default=None,
    help="Demo archive (a SQLite file). Default: demo.db beside the default archive "
    "(the directory of $GRUNT_ARCHIVE_DB, else the user data directory).",
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8001, show_default=True,
    help="Port to serve the demo on; 0 picks a free one.",
)  # fmt: skip
@click.option(
    "--matches",
    type=click.IntRange(1, 5000),
    default=300,
    show_default=True,
    help="Matches in the simulated player's history.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the archive in a browser.")
def demo(db_path: Path | str | None, port: int, matches: int, open_browser: bool) -> None:
    """Simulate the Halo services, archive a demo player, and serve the result.

    The demo archive defaults to demo.db beside the default archive: in the
    directory of $GRUNT_ARCHIVE_DB when it is set, else in the user data
    directory. The port is checked before anything is simulated.

    Example: grunt-archive demo --open
    """
    from grunt_archive.demo import run_demo

    path = sqlite_only(db_path or resolve_db(None, create=True), "demo")
    if db_path is None:
        path = path.with_name("demo.db")
    run_demo(path, port=port, matches=matches, open_browser=open_browser)
