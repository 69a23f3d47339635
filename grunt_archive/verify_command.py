"""The ``grunt-archive verify`` command: the archive against the service's own counts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from grunt_archive.cli import api_options, client_settings, db_option, player_option, resolve_db
from grunt_archive.errors import PartialSyncError
from grunt_archive.wording import counted


@click.command()
@db_option
@player_option(
    "A tracked player: xuid(…), a bare xuid or their gamertag. Repeatable."
    " Default: every tracked player."
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@api_options
def verify(db_path: Path | str | None, players: tuple[str, ...], as_json: bool, **api: Any) -> None:
    """Compare the archive with the service's match counts and list what is missing.

    Missing matches are marked pending, so the next sync fetches them first.
    Each player's latest matchmade service record is compared with the
    archive's sums (matches, wins, losses, ties, kills, deaths, assists), and
    every difference named. A match given up on (`pending give-up`) is
    listed as given up, neither missing nor pending again. A player whose
    account is gone (404) or whose history is private (403) is named as not
    verified, and the others are checked. Exits 3 when something is missing,
    differs (beyond what given-up matches explain) or was not verified.

    Example: grunt-archive verify --player "xuid(2533274800000001)"
    """
    from grunt_archive.runner import run_verify

    checks = run_verify(resolve_db(db_path), client_settings(**api), players)
    if as_json:
        click.echo(json.dumps([check.to_json() for check in checks]))
    else:
        width = max(len(check.label) for check in checks)
        for check in checks:
            if check.error:
                click.echo(f"{check.label} not verified: {check.error}")
            for c in check.lifecycles:
                gave = f"  given up {c.given_up}" if c.given_up else ""
                click.echo(
                    f"{check.label:{width}} {c.lifecycle:9} service {c.service:6}  archived "
                    f"{c.archived:6}  pending {c.pending:4}{gave}  missing {c.missing}"
                )
            for match_id in check.missing_match_ids:
                click.echo(f"{check.label} missing {match_id}")
            for match_id in check.given_up_match_ids:
                click.echo(f"{check.label} given up {match_id} (`grunt-archive pending retry`)")
        for check in (check for check in checks if not check.error):
            record = check.service_record
            click.echo(
                record.line()
                if record
                else f"{check.label} has no matchmade service record yet: run sync"
            )
    missing = [m for check in checks for m in check.missing_match_ids]
    unverified = [check.label for check in checks if check.error]
    uncounted = sum(c.missing for check in checks for c in check.lifecycles)
    said = []
    if missing:
        said.append(f"{counted(len(missing), 'match')} missing from the archive, now pending:"
                    " the next sync fetches them first")  # fmt: skip
    elif uncounted:
        # The walk found every listed match archived: the counts exceed the histories.
        said.append(f"the service counts {counted(uncounted, 'match')} more than its"
                    " history lists, and none is missing from the archive")  # fmt: skip
    if unverified:
        said.append(f"not verified: {', '.join(unverified)} (why: on its line; `error` in --json)")
    if said:
        raise PartialSyncError("; ".join(said), pending=missing)
    # A difference the matches given up on account for is said, not an exit 3 each night.
    differing = [c.label for c in checks if c.service_record and not c.service_record.agrees
                 and not c.service_record.given_up_explains]  # fmt: skip
    if differing:
        raise PartialSyncError(
            f"{counted(len(differing), 'player')}"
            f" {'differs' if len(differing) == 1 else 'differ'} from the service's matchmade"
            " totals: " + ", ".join(differing)
        )
