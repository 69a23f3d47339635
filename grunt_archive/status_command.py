"""The ``grunt-archive status`` command: what the archive holds, and how its last sync went."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from grunt_archive.cli import db_option, resolve_db
from grunt_archive.normalize.films import GONE, MALFORMED, READ, UNREADABLE
from grunt_archive.players import display_name
from grunt_archive.times import to_the_minute
from grunt_archive.wording import counted

if TYPE_CHECKING:  # the store loads only when the command runs
    from grunt_archive.store.status import ArchiveStatus, LastRun

# `films.status` as a person reads it, in this order.
FILM_WORDS = {
    READ: "read",
    GONE: "expired before they were fetched",
    UNREADABLE: "unreadable (kept for a later release to read)",
    MALFORMED: "malformed",
}
# Players the text lists, those with the most matches first: a clan tracks hundreds.
SHOWN_PLAYERS = 25
SHOWN_ERROR = 200  # characters of a failed run's error the text shows (the JSON has it whole)


@click.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the status as one JSON object.")
def status(db_path: Path | str | None, as_json: bool) -> None:
    """Say what the archive holds and how its last sync went; change nothing.

    One line per tracked player (gamertag, matches archived, the oldest and
    newest, when last synced; the 25 with the most matches), then the latest
    sync run (outcome, when, new matches), what waits for the next run
    (pending matches and lookups) and the films kept. It never migrates the
    archive: an older one is exit 6.
    It exits 0 whatever the last run's outcome; `pending` exits 3 when a match
    is pending.

    Example: grunt-archive status --json
    """
    from grunt_archive.runner import run_status

    found = run_status(resolve_db(db_path))
    if as_json:
        click.echo(json.dumps(found.to_json()))
    else:
        for line in lines(found):
            click.echo(line)


def lines(found: ArchiveStatus) -> list[str]:
    """Return the status as a person reads it: gamertags, counts in words, times to the minute."""
    shown = [
        f"Archive: {counted(found.matches, 'match')},"
        f" {counted(len(found.players), 'tracked player')}"
    ]
    for player in found.players[:SHOWN_PLAYERS]:
        span = (
            f", {_day(player.oldest_start_time)} to {_day(player.newest_start_time)}"
            if player.matches
            else ""
        )
        walked = "" if player.history_complete else " (history not walked to its start yet)"
        shown.append(
            f"  {display_name(player.name)}: {counted(player.matches, 'match')}{span},"
            f" last synced {_minute(player.last_synced_at)}{walked}"
        )
    if len(found.players) > SHOWN_PLAYERS:
        more = counted(len(found.players) - SHOWN_PLAYERS, "more tracked player")
        shown.append(f"  … and {more}, with fewer matches (--json lists every one)")
    shown.append(_run_line(found.last_run, found.last_ok_at))
    shown += _other_run_lines(found.other_runs)
    shown.append(
        f"Waiting for the next sync: {counted(found.pending_matches, 'pending match')},"
        f" {counted(found.pending_lookups, 'pending lookup')}"
        + (
            f" ({counted(found.given_up_matches, 'match')} and"
            f" {counted(found.given_up_lookups, 'lookup')} given up on)"
            if found.given_up_matches or found.given_up_lookups
            else ""
        )
    )
    order = [kind for kind in FILM_WORDS if kind in found.films]
    order += sorted(kind for kind in found.films if kind not in FILM_WORDS)
    films = ", ".join(
        f"{found.films[kind]:,} {FILM_WORDS.get(kind, display_name(kind))}" for kind in order
    )
    shown.append(f"Films: {films or 'none'}")
    if found.copies_cut_short:
        copies = (
            "a copy into this archive stopped before its end"
            if found.copies_cut_short == 1
            else f"{found.copies_cut_short:,} copies into this archive stopped before their end"
        )
        shown.append(
            f"Unfinished: {copies}, so some of what was copied is missing: run the same"
            " `grunt-archive copy` again (it adds only what is missing)"
        )
    return shown


def _run_line(run: LastRun | None, last_ok_at: str | None) -> str:
    """Return the line of the latest sync run, and when one last ended ok if it did not."""
    if run is None:
        return "Last sync: none yet"
    if run.outcome == "running":
        saved = "" if run.matches_added is None else counted(run.matches_added, "new match")
        if run.alive is False:
            return (
                f"Last sync: began {_minute(run.started_at)} and stopped without finishing"
                f"{f', {saved} saved' if saved else ''} (killed outright, the machine went"
                " down, or its end could not be written: a full disk; its log says which):"
                " the next sync marks it interrupted"
            )
        line = f"Last sync: running since {_minute(run.started_at)}"
        line += f", {saved} so far" if saved else ""
        return line if run.alive else f"{line} (or killed outright)"
    added = (
        "? new matches" if run.matches_added is None else counted(run.matches_added, "new match")
    )
    line = f"Last sync: {run.outcome}, {_minute(run.started_at)}, {added}, {run.pending:,} pending"
    if run.error:
        error = display_name(run.error) or "?"
        line += f": {error if len(error) <= SHOWN_ERROR else error[: SHOWN_ERROR - 1] + '…'}"
    if run.outcome != "ok":
        line += f" (last ok: {_minute(last_ok_at)})" if last_ok_at else " (none ok yet)"
    return line


def _other_run_lines(runs: list[LastRun]) -> list[str]:
    """Return a line for the other runs still live (PostgreSQL's workers), one for the dead."""
    shown = []
    live = [run for run in runs if run.alive is not False]  # None: not known
    if live:
        saved = sum(run.matches_added or 0 for run in live)
        shown.append(
            f"Also running: {counted(len(live), 'other sync run')}, the first since"
            f" {_minute(live[0].started_at)}, {counted(saved, 'new match')} so far"
        )
    dead = [run for run in runs if run.alive is False]
    if dead:
        shown.append(
            f"Also stopped without finishing: {counted(len(dead), 'other sync run')}, the"
            f" first begun {_minute(dead[0].started_at)}: the next sync marks"
            f" {'it' if len(dead) == 1 else 'them'} interrupted"
        )
    return shown


def _minute(stamp: str | None) -> str:
    """Return a stored UTC time as ``2026-12-03 07:56 UTC`` (``never`` for none)."""
    if not stamp:
        return "never"
    try:
        return to_the_minute(stamp)
    except ValueError:  # kept as the service wrote it: shown as it is, made printable
        return display_name(stamp) or "?"


def _day(stamp: str | None) -> str:
    """Return a stored UTC time's day (``?`` for none)."""
    return _minute(stamp)[:10] if stamp else "?"
