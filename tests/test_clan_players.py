"""A clan's archive when one player among many goes wrong on the service's side.

End to end: the CLI in process against a served simulator, whose knobs make one
tracked player private (403 on their matches), gone (404 everywhere) or renamed.
The run goes on for the others, ends with the documented code, names the player by
gamertag in one line, loses and duplicates nothing, and the front page says so.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from grunt_archive.cli import cli
from grunt_archive.documents import PROFILE_USERS
from grunt_archive.simulator import Simulator, SimulatorConfig, running_simulator
from tests.helpers import execute, raw_bodies, rows


def run(sim: Simulator, db: Path, *args: str) -> Result:
    """Run ``grunt-archive ARGS --db DB`` against ``sim``, served on a free port."""
    # The default --rps (5 a host) is polite to the real service; at it a sync of these
    # 24 matches waited ~10 s on its rate limits, for a simulator that needs no politeness.
    limits = ("--rps", "1000") if args[0] in ("sync", "verify") else ()
    with running_simulator(sim) as (url, _):
        env = {
            "GRUNT_ARCHIVE_API_BASE": url,
            "GRUNT_ARCHIVE_SPARTAN_TOKEN": "v4=clan-token",
            "GRUNT_ARCHIVE_RETRY_SCALE": "0.001",
            "GRUNT_ARCHIVE_AUTH_FILE": str(db.parent / "never-signed-in" / "auth.json"),
        }
        return CliRunner().invoke(cli, [args[0], "--db", str(db), *args[1:], *limits], env=env)


def sync(sim: Simulator, db: Path, *players: str) -> Result:
    return run(sim, db, "sync", "--json", "--no-films", *(f"--player={p}" for p in players))


def summary(result: Result) -> dict:
    return json.loads(result.stdout)


def one_line(result: Result) -> str:
    """The run's error: one line on stderr, no traceback."""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    return result.stderr


def archived(db: Path) -> set[str]:
    return {match_id for (match_id,) in rows(db, "SELECT match_id FROM matches")}


def histories(sim: Simulator, players: list[str]) -> set[str]:
    return {match_id for player in players for match_id in sim.history(player)}


def front_page_line(db: Path) -> tuple[str, bool]:
    """The front page's sync line as a reader sees it, and whether it stands out."""
    import asyncio
    import re
    from html import unescape

    from grunt_archive.serve import datasette_for

    html = asyncio.run(datasette_for(db).client.get("/")).text
    found = re.search(r'<p class="sync-status([^"]*)"[^>]*>(.*?)</p>', html, re.S)
    assert found, "no sync line on the front page"
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(2))).split())
    return text, "warn" in found.group(1)


@pytest.fixture
def clan() -> SimulatorConfig:
    return SimulatorConfig(seed=41, players=3, matches=8)


def test_a_private_player_is_named_and_the_others_synced(tmp_path, clan):
    sim = Simulator(clan)
    db = tmp_path / "clan.db"
    first, private, third = sim.player_ids
    assert sync(sim, db, *sim.player_ids).exit_code == 0
    # The middle player hides their matches from now on; everyone plays on.
    sim.private_players = frozenset({1})
    for player in sim.player_ids:
        sim.play(player, 2)
    result = sync(sim, db)
    assert result.exit_code == 3, result.output
    named = f"{sim.gamertag(private)} ({private})"
    report = summary(result)
    assert report["outcome"] == "partial" and report["failed_players"] == [private]
    (failure,) = report["failures"]
    assert failure["player"] == named and "HTTP 403" in failure["error"]
    assert "privacy" in failure["error"] and "Spartan token" not in failure["error"]
    assert one_line(result).startswith(f"Error: {named} not synced: ")
    # The others are whole, nothing twice; the private player stays tracked, their cursor kept.
    assert histories(sim, [first, third]) <= archived(db)
    assert rows(db, "SELECT count(*), count(DISTINCT match_id) FROM matches")[0][0] == len(
        archived(db)
    )
    assert {p for (p,) in rows(db, "SELECT player_id FROM tracked_players")} == set(sim.player_ids)
    text, warn = front_page_line(db)
    assert "partial" in text and f"1 player not synced: {named}: " in text, text
    assert warn
    # Public again: the next run archives what they played meanwhile, and the line is plain.
    sim.private_players = frozenset()
    assert sync(sim, db).exit_code == 0
    assert histories(sim, sim.player_ids) <= archived(db)
    text, warn = front_page_line(db)
    assert "ok, " in text and "not synced" not in text and not warn


def test_a_403_on_every_players_matches_is_still_a_sign_in_failure(tmp_path, clan):
    # Nothing of halostats answered: that token may be refused, not a private player's choice.
    everyone = tuple(Simulator(clan).player_ids)
    sim = Simulator(replace(clan, private_players=everyone))
    db = tmp_path / "clan.db"
    result = sync(sim, db, *sim.player_ids)
    assert result.exit_code == 4, result.output
    assert "HTTP 403" in one_line(result) and "auth login" in result.stderr
    assert summary(result)["exit_code"] == 4


def test_a_player_whose_account_is_gone_is_named_until_untracked(tmp_path, clan):
    sim = Simulator(clan)
    db = tmp_path / "clan.db"
    first, gone, third = sim.player_ids
    assert sync(sim, db, *sim.player_ids).exit_code == 0
    sim.gone_players = frozenset({1})
    sim.play(first, 2)
    result = sync(sim, db)
    assert result.exit_code == 3, result.output
    named = f"{sim.gamertag(gone)} ({gone})"
    (failure,) = summary(result)["failures"]
    assert failure["player"] == named and "account that is gone" in failure["error"]
    assert one_line(result).startswith(f"Error: {named} not synced: ")
    assert histories(sim, [first, third]) <= archived(db)
    # Tracked for years, they stay tracked (a typo of this run would not be): say so up front.
    assert {p for (p,) in rows(db, "SELECT player_id FROM tracked_players")} == set(sim.player_ids)
    text, warn = front_page_line(db)
    assert f"partial, 2 matches added; 1 player not synced: {named}: halostats knows no " in text
    assert warn
    # The operator untracks them by the gamertag the archive shows; the nights are clean again.
    assert run(sim, db, "untrack", "--player", sim.gamertag(gone)).exit_code == 0
    assert sync(sim, db).exit_code == 0
    text, warn = front_page_line(db)
    assert "ok, 0 matches added." in text and not warn


def test_a_tracked_players_old_gamertag_still_syncs_them_and_says_so(tmp_path, clan):
    sim = Simulator(clan)
    db = tmp_path / "clan.db"
    renamed, *others = sim.player_ids
    old = sim.gamertag(renamed)
    typed = [sim.gamertag(p) for p in sim.player_ids]  # the cron job's list, by gamertag
    assert sync(sim, db, *typed).exit_code == 0
    sim.rename(renamed, "Fresh Name7")
    new = sim.play(renamed, 3)
    report = summary(sync(sim, db, *typed))
    assert report["outcome"] == "ok" and set(new) <= archived(db)
    assert report["renamed"] == [{"player": old, "player_id": renamed, "gamertag": "Fresh Name7"}]
    # The archive shows the new gamertag now, on every derived row; no second player.
    named = "SELECT DISTINCT gamertag FROM {} WHERE player_id = ?"
    for table in ("players", "player_matches"):
        assert rows(db, named.format(table), renamed) == [("Fresh Name7",)], table
    assert {p for (p,) in rows(db, "SELECT player_id FROM tracked_players")} == set(sim.player_ids)
    # The answer that named them is kept raw, as every lookup's answer is.
    assert any("Fresh Name7" in body for body in raw_bodies(db, PROFILE_USERS.name).values())
    # Without --json the note is one line on stderr, for the timer's log.
    sim.rename(renamed, "Third Name")
    result = run(
        sim, db, "sync", "--no-films", "--player=Fresh Name7", *(f"--player={p}" for p in others)
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "Note: no Halo player has the gamertag 'Fresh Name7' any more: synced "
        f"{renamed}, whom this archive tracks under it, now 'Third Name'; name them by their "
        "xuid in --player\n"
    )
    # A gamertag the archive no longer knows is exit 2, saying how such a player is named.
    result = sync(sim, db, old, *others)
    assert result.exit_code == 2 and f"{old!r}" in one_line(result)
    assert "changed gamertag" in result.stderr


def test_verify_names_a_private_and_a_gone_player_and_checks_the_others(tmp_path, clan):
    sim = Simulator(clan)
    db = tmp_path / "clan.db"
    first, private, gone = sim.player_ids
    assert sync(sim, db, *sim.player_ids).exit_code == 0
    sim.private_players, sim.gone_players = frozenset({1}), frozenset({2})
    sim.play(first, 2)  # not synced yet: verify finds them missing
    result = run(sim, db, "verify", "--json")
    assert result.exit_code == 3, result.output
    checks = {check["player_id"]: check for check in summary(result)}
    assert checks[first]["error"] is None and not checks[first]["complete"]
    assert len(checks[first]["missing_match_ids"]) == 2
    assert "HTTP 403" in checks[private]["error"] and "privacy" in checks[private]["error"]
    assert "account that is gone" in checks[gone]["error"]
    line = one_line(result)
    assert "2 matches missing" in line
    assert f"not verified: {sim.gamertag(private)}, {sim.gamertag(gone)}" in line
    # Without --json each is named on a line of its own; the missing are pending now.
    result = run(sim, db, "verify")
    assert result.exit_code == 3
    assert f"{sim.gamertag(private)} not verified: halostats refused" in result.stdout
    assert "missing from the archive" not in result.stderr  # marked pending by the first run
    assert sync(sim, db, first).exit_code == 0


def test_verify_refused_on_every_player_is_a_sign_in_failure(tmp_path, clan):
    everyone = tuple(Simulator(clan).player_ids)
    sim = Simulator(clan)
    db = tmp_path / "clan.db"
    assert sync(sim, db, *sim.player_ids).exit_code == 0
    sim.private_players = frozenset(range(len(everyone)))
    result = run(sim, db, "verify")
    assert result.exit_code == 4, result.output
    assert "HTTP 403" in one_line(result) and "auth login" in result.stderr


def test_a_renamed_member_synced_by_xuid_is_shown_by_the_new_name_after_their_next_match(
    tmp_path, clan
):
    # The nightly job syncs the tracked players (by xuid): nobody types the new name.
    sim = Simulator(clan)
    db = tmp_path / "clan.db"
    renamed, idle, _ = sim.player_ids
    assert sync(sim, db, *sim.player_ids).exit_code == 0
    # The names were looked up two days ago: well within the month a name is kept.
    two_days_ago = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    execute(db, f"UPDATE players SET gamertag_updated_at = '{two_days_ago}'")
    looked_up = "SELECT gamertag_updated_at FROM players WHERE player_id = ?"
    sim.rename(renamed, "Fresh Name7")
    sim.rename(idle, "Idle Rename")
    sim.play(renamed, 2)
    assert sync(sim, db).exit_code == 0
    named = "SELECT DISTINCT gamertag FROM {} WHERE player_id = ?"
    for table in ("players", "player_matches"):
        assert rows(db, named.format(table), renamed) == [("Fresh Name7",)], table
    # One who has not played since is not asked about before the month is out.
    assert rows(db, named.format("players"), idle) != [("Idle Rename",)]
    assert rows(db, looked_up, idle) == [(two_days_ago,)]
    # Looked up today: another match tonight asks nothing more of the profile host.
    sim.rename(renamed, "Third Name")
    sim.play(renamed, 1)
    assert sync(sim, db).exit_code == 0
    assert rows(db, named.format("players"), renamed) == [("Fresh Name7",)]
