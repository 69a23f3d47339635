"""The ``grunt-archive pending`` commands: what is pending, and giving up on a match.

A match the service never serves would stay pending for good and make every
sync exit 3; ``pending give-up`` stops syncs from fetching it (the row stays,
marked), and ``pending retry`` undoes that.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from grunt_archive.cli import db_option, player_option, resolve_db
from grunt_archive.errors import PartialSyncError, UsageError
from grunt_archive.players import display_name
from grunt_archive.wording import counted

if TYPE_CHECKING:  # the store loads only when a subcommand runs
    from grunt_archive.store.pending import PendingLookup, PendingMatchRow

SHOWN_REASON = 200  # characters of a reason the listing shows (the JSON has it whole)


@click.group(invoke_without_command=True)
@db_option
@player_option(
    "Only the pending matches this player played (those pending under another player too),"
    " and the lookups of matches they played (xuid(…), a bare xuid or a gamertag). Repeatable."
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the lists as JSON; before give-up or retry, what it changed as JSON.",
)
@click.pass_context
def pending(
    ctx: click.Context, db_path: Path | str | None, players: tuple[str, ...], as_json: bool
) -> None:
    """List the matches and lookups left pending; give up on a match, or retry it.

    With no subcommand, lists every pending match (player by gamertag, start
    time, reason, attempts, first seen, last attempt), then the matches given
    up on, then the lookups (names, skill, films) pending and given up after
    5 attempts. It changes nothing. With --player, the matches that player
    played, a match pending under another tracked player (who met it first)
    too, listed as "OTHER, shared with PLAYER".
    Exits 3 when a match is pending (as sync then does), 0 otherwise: matches
    given up on and lookups never make a run partial.

    Example: grunt-archive pending --player "xuid(2533274800000001)"
    """
    if ctx.invoked_subcommand is not None:
        if players:  # a give-up or retry is of the match ids given, never of a player's
            raise UsageError(
                f"--player picks what pending lists; {ctx.invoked_subcommand} takes match ids"
            )
        return
    from grunt_archive.runner import run_pending_list

    matches, lookups = run_pending_list(resolve_db(db_path), players)
    waiting = [m for m in matches if not m.given_up_at]
    if as_json:
        click.echo(json.dumps({
            "pending": [m.to_json() for m in waiting],
            "given_up": [m.to_json() for m in matches if m.given_up_at],
            "lookups": [lookup.to_json() for lookup in lookups if not lookup.given_up],
            "lookups_given_up": [lookup.to_json() for lookup in lookups if lookup.given_up],
        }))  # fmt: skip
    else:
        _print(matches, lookups)
    if waiting:
        raise PartialSyncError(
            f"{counted(len(waiting), 'match')} pending: the next sync fetches"
            f" {'it' if len(waiting) == 1 else 'them'} first (`grunt-archive pending give-up"
            " MATCH_ID` stops that)",
            pending=[m.match_id for m in waiting],
        )


def _text(reason: str | None) -> str:
    """Return a reason as one printable line of at most `SHOWN_REASON` characters ("?" if none).

    A reason is free text (``--reason``, a service's error): an escape sequence or a line
    break in it would retitle the terminal or forge a line of the listing.
    """
    shown = display_name(reason) or "?"
    return shown if len(shown) <= SHOWN_REASON else shown[: SHOWN_REASON - 1] + "…"


def _print(matches: list[PendingMatchRow], lookups: list[PendingLookup]) -> None:
    """Print the pending matches, those given up on, and the lookups, one line each."""
    for given_up in (False, True):
        shown = [m for m in matches if bool(m.given_up_at) == given_up]
        title = "Given up on (no sync fetches them)" if given_up else "Pending matches"
        click.echo(f"{title}: {len(shown)}")
        for m in shown:
            gave = f"; given up {m.given_up_at}" if given_up else ""
            why = f" ({_text(m.given_up_reason)})" if given_up and m.given_up_reason else ""
            # The player named first is the one it is pending under; `--player` lists a
            # match another tracked player's walk met first with whoever asked played it.
            shared = ", ".join(display_name(tag) or pid for pid, tag in m.shared_with)
            who = f"{m.player}, shared with {shared}" if shared else m.player
            click.echo(
                f"  {m.match_id}  {who}  started {m.start_time or '?'}  {_text(m.reason)}"
                f"  [attempts {m.attempts}, first seen {m.first_seen_at},"
                f" last {m.last_attempt_at or '-'}{gave}{why}]"
            )
    for given_up in (False, True):
        shown = [lookup for lookup in lookups if lookup.given_up == given_up]
        title = "Lookups given up after 5 attempts" if given_up else "Pending lookups"
        click.echo(f"{title}: {len(shown)}")
        for lookup in shown:
            click.echo(
                f"  {lookup.kind} {lookup.key or '-'}  {_text(lookup.reason)}"
                f"  [attempts {lookup.attempts}, first seen {lookup.first_seen_at or '-'},"
                f" last {lookup.last_attempt_at or '-'}]"
            )


@pending.command("give-up")
@db_option
@click.argument("match_ids", nargs=-1, required=True, metavar="MATCH_ID...")
@click.option("--reason", default=None, metavar="TEXT", help="Why, kept with the match.")
@click.pass_context
def give_up(
    ctx: click.Context, db_path: Path | str | None, match_ids: tuple[str, ...], reason: str | None
) -> None:
    """Give up on pending matches: later syncs no longer fetch them nor exit 3 for them.

    Each stays in pending_matches, marked given up (never deleted); verify
    lists it as given up, not as missing. A match id that is not one, or
    that is not pending, is exit 2 and nothing changes. With --json before
    the subcommand, prints {"given_up": [match ids], "reason": TEXT or null}.

    Example: grunt-archive pending give-up 3e7a5aa7-7dff-490f-a741-2d6bed55d4a9 --reason gone
    """
    from grunt_archive.runner import run_pending_mark

    ids = run_pending_mark(_archive(ctx, db_path), match_ids, reason, give_up=True)
    if _group_json(ctx):  # the keys `pending --json` lists them under from now on
        click.echo(json.dumps({"given_up": ids, "reason": reason}))
    else:
        click.echo(f"Gave up on {counted(len(ids), 'match')}: {', '.join(ids)}.")


@pending.command("retry")
@db_option
@click.argument("match_ids", nargs=-1, required=True, metavar="MATCH_ID...")
@click.pass_context
def retry(ctx: click.Context, db_path: Path | str | None, match_ids: tuple[str, ...]) -> None:
    """Undo a give-up: the next sync fetches these pending matches first again.

    A match id that is not one, or that is not pending, is exit 2 and nothing changes.
    With --json before the subcommand, prints {"pending": [match ids]}.

    Example: grunt-archive pending retry 3e7a5aa7-7dff-490f-a741-2d6bed55d4a9
    """
    from grunt_archive.runner import run_pending_mark

    ids = run_pending_mark(_archive(ctx, db_path), match_ids, None, give_up=False)
    if _group_json(ctx):
        click.echo(json.dumps({"pending": ids}))
    else:
        click.echo(f"The next sync fetches {counted(len(ids), 'match')} first: {', '.join(ids)}.")


def _group_json(ctx: click.Context) -> bool:
    """Return whether ``--json`` was given before the subcommand's name (``pending --json``)."""
    return bool(ctx.parent is not None and ctx.parent.params.get("as_json"))


def _archive(ctx: click.Context, db_path: Path | str | None) -> Path | str:
    """Return the archive a subcommand changes: its ``--db``, or the one given before its name.

    ``pending --db X give-up ID`` must change X, never the default archive.

    Raises:
        UsageError: ``--db`` given before and after the subcommand, naming two archives.

    """
    before = ctx.parent.params.get("db_path") if ctx.parent is not None else None
    if db_path is not None and before is not None and db_path != before:
        # Neither is named: a PostgreSQL URL holds a password.
        raise UsageError(
            f"--db is given before and after {ctx.info_name}, naming two archives: give it once"
        )
    return resolve_db(db_path if db_path is not None else before)
