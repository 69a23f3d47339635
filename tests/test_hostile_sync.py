"""A hostile service through the whole sync: the spoilt match goes pending, the run goes on.

The simulator's `hostile` faults spoil one match's answer; the sync must
archive every other match, leave that one pending with a one-line reason,
end its `sync_runs` row, and exit 3 from the command line.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from grunt_archive.api import RetryPolicy, Tokens
from grunt_archive.cli import cli as command
from grunt_archive.db import archive
from grunt_archive.errors import MalformedResponseError, UsageError
from grunt_archive.runner import ClientSettings, run_sync, run_verify
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store import open_store
from grunt_archive.store.state import track_player
from grunt_archive.sync import SyncOptions
from tests.e2e import cli, simulator_process

FAST = RetryPolicy(
    attempts=3, base_wait=0.001, max_wait=0.01, not_found_attempts=2, not_found_wait=0.001
)
PENDING_KINDS = {
    "gzip": "corrupt gzip",
    "charset": "charset",
    "nested": "nested deeper",
    "bigint": "64 bits",
    "wide_int": "holds the integer 4611686018427387904, wider than the service's 32 bits",
    "huge": "larger than",
    "swapped": "the stats of another match",
    "bad_time": "not an ISO-8601 timestamp: '2024-02-30T",
    "edge_time": "not an ISO-8601 timestamp: '0001-01-01T00:30:00+01:00'",
    "text_number": "personal_score got the text 'lots' where a number belongs",
}


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


def hostile_sim(kind: str, matches: int = 30) -> Simulator:
    return Simulator(
        SimulatorConfig(seed=5, players=1, matches=matches, hostile=kind, hostile_matches=1)
    )


def sync(db: Path, sim: Simulator, timeout: float = 30.0):
    settings = ClientSettings(
        tokens=Tokens("v4=test-token", "clearance-id"),
        api_base="http://simulator",
        rps=None,
        concurrency=8,
        retry=FAST,
        transport=httpx.ASGITransport(app=sim.app),
        timeout=timeout,
    )
    return run_sync(db, settings, SyncOptions((sim.player_ids[0],), matches_only=True))


@pytest.mark.parametrize("kind", sorted(PENDING_KINDS))
def test_a_spoilt_match_is_pending_with_one_line_and_the_rest_archived(kind, db_path):
    sim = hostile_sim(kind)
    (bad,) = sim.hostile_match_ids
    history = set(sim.history(sim.player_ids[0]))
    report = sync(db_path, sim)
    assert report.outcome == "partial"
    assert report.pending == [bad]
    assert {r[0] for r in rows(db_path, "SELECT match_id FROM matches")} == history - {bad}
    ((reason,),) = rows(db_path, "SELECT reason FROM pending_matches")
    assert (
        {**PENDING_KINDS, "drip": "Timeout"}[kind] in reason
        and "\n" not in reason
        and len(reason) < 300
    )
    assert rows(db_path, "SELECT outcome, pending FROM sync_runs") == [("partial", 1)]


def test_non_finite_numbers_are_stored_as_null_and_query_prints_valid_json(db_path):
    sim = hostile_sim("nonfinite", matches=10)
    (odd,) = sim.hostile_match_ids
    report = sync(db_path, sim)
    assert report.outcome == "ok" and report.pending == []
    nulls = rows(
        db_path, f"SELECT count(*) FROM match_teams WHERE match_id = '{odd}' AND kda IS NULL"
    )
    assert nulls[0][0] >= 1
    # Even a float SQLite does hold as infinite prints as null.
    for fmt in ("--json", "--nl"):
        sql = "select 1e999 as inf, -1e999 as neg, 0.5 as half"
        result = CliRunner().invoke(command, ["query", "--db", str(db_path), sql, fmt])
        assert result.exit_code == 0, result.output
        lines = [result.output] if fmt == "--json" else result.output.splitlines()
        for line in lines:
            parsed = json.loads(line, parse_constant=lambda name: pytest.fail(name))
            assert parsed in (
                [{"inf": None, "neg": None, "half": 0.5}],
                {"inf": None, "neg": None, "half": 0.5},
            )


def test_a_body_dripped_a_byte_at_a_time_is_cut_off_by_the_timeout(db_path):
    sim = hostile_sim("drip", matches=10)
    (slow,) = sim.hostile_match_ids
    # The other matches answer: one match the service keeps failing on goes pending alone.
    report = sync(db_path, sim, timeout=0.3)
    assert report.outcome == "partial"
    assert [f["match_id"] for f in report.failures] == [slow]
    assert "Timeout" in report.failures[0]["error"]
    assert rows(db_path, "SELECT match_id FROM pending_matches") == [(slow,)]
    assert rows(db_path, "SELECT count(*) FROM matches") == [(9,)]


def test_hostile_settings_are_checked():
    with pytest.raises(UsageError):
        SimulatorConfig(hostile="polite")
    with pytest.raises(UsageError):
        SimulatorConfig(hostile_matches=-1)


def test_a_gamertag_holding_escapes_is_stored_and_reported_printable(db_path):
    sim = hostile_sim("gzip")  # one spoilt match beside: the run still names the player
    xuid = sim.player_ids[0][5:-1]
    sim.world.people[xuid] = "Ev\x1b]0;owned\x07il"
    report = sync(db_path, sim)
    assert report.gamertags == ["Ev\ufffd]0;owned\ufffdil"]  # what the CLI's summary prints
    assert rows(db_path, "SELECT DISTINCT gamertag FROM player_matches") == [(report.gamertags[0],)]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["gzip", "huge", "bigint", "swapped", "edge_time", "drip"])
def test_the_command_exits_3_with_one_line_for_a_spoilt_match(kind, tmp_path):
    db = tmp_path / "halo.db"
    with simulator_process(
        "--seed",
        "5",
        "--players",
        "1",
        "--matches",
        "30",
        "--hostile",
        kind,
        "--hostile-matches",
        "1",
    ) as sim:
        player = sim.players()[0]["player_id"]
        # A match dripped out slower than --timeout past every retry (20 attempts, each
        # waiting the whole timeout: the shortest the option takes): the others answer.
        timeout = ("--timeout", "0.1") if kind == "drip" else ()
        result = cli("sync", "--player", player, "--matches-only", *timeout, db=db,
                     api_base=sim.url)  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert rows(db, "SELECT count(*) FROM matches") == [(29,)]
    ((reason,),) = rows(db, "SELECT reason FROM pending_matches")
    assert {**PENDING_KINDS, "drip": "Timeout"}[kind] in reason
    assert f"({reason})" in result.stderr  # the one match pending is named with why
    assert rows(db, "SELECT outcome FROM sync_runs") == [("partial",)]


def _settings(sim: Simulator) -> ClientSettings:
    return ClientSettings(
        tokens=Tokens("v4=test-token", "clearance-id"),
        api_base="http://simulator",
        rps=None,
        concurrency=8,
        retry=FAST,
        transport=httpx.ASGITransport(app=sim.app),
        timeout=30.0,
    )


def test_a_far_future_start_time_in_the_history_hides_no_later_match(db_path):
    sim = hostile_sim("future")
    player = sim.player_ids[0]
    assert sync(db_path, sim).outcome == "ok"
    ((newest,),) = rows(db_path, "SELECT newest_start_time FROM tracked_players")
    assert newest < "9999"
    # More new matches than a page holds: a cursor at year 9999 stops after the first page.
    sim.play(player, 30)
    assert sync(db_path, sim).outcome == "ok"
    archived = {r[0] for r in rows(db_path, "SELECT match_id FROM matches")}
    assert archived == set(sim.history(player))


def test_pages_shorter_than_asked_are_walked_to_the_end(db_path):
    sim = hostile_sim("short_pages", matches=40)
    report = sync(db_path, sim)
    assert report.outcome == "ok"
    archived = {r[0] for r in rows(db_path, "SELECT match_id FROM matches")}
    assert archived == set(sim.history(sim.player_ids[0]))
    # The next run walks nothing it has walked: its history is complete.
    assert rows(db_path, "SELECT history_complete FROM tracked_players") == [(1,)]


def test_pages_listing_each_match_twice_skip_none(db_path):
    # 50 entries for a page of 25: the next page starts 25 on, not 50.
    sim = hostile_sim("repeated_entries", matches=60)
    report = sync(db_path, sim)
    assert report.outcome == "ok"
    archived = {r[0] for r in rows(db_path, "SELECT match_id FROM matches")}
    assert archived == set(sim.history(sim.player_ids[0])) and len(archived) == 60
    assert rows(db_path, "SELECT history_complete FROM tracked_players") == [(1,)]


def test_a_service_ignoring_start_ends_sync_and_verify_in_one_line(db_path):
    sim = hostile_sim("ignore_start", matches=60)
    player = sim.player_ids[0]
    report = sync(db_path, sim)
    assert report.outcome == "partial" and report.failed_players == [player]
    ((failure,),) = [[f for f in report.failures if "player_id" in f]]
    assert "ignores start" in failure["error"] and "\n" not in failure["error"]
    assert rows(db_path, "SELECT outcome FROM sync_runs") == [("partial",)]
    # Every match the one page it serves lists is archived.
    assert rows(db_path, "SELECT count(*) FROM matches") == [(25,)]
    with pytest.raises(MalformedResponseError, match="ignores start"):
        run_verify(db_path, _settings(sim), (player,))
    # Its gamertag known by now, the next run's one line names the player by it.
    again = sync(db_path, sim)
    named = f"{sim.gamertag(player)} ({player})"
    assert [f["player"] for f in again.failures if "player_id" in f] == [named]
    assert f"{named} not synced: " in again.partial_summary()


def test_a_profile_without_an_xuid_tracks_no_one_and_the_next_run_works(db_path):
    hostile = Simulator(SimulatorConfig(seed=5, players=1, matches=5, hostile="no_xuid"))
    with pytest.raises(MalformedResponseError, match="no usable xuid") as raised:
        run_sync(db_path, _settings(hostile), SyncOptions(matches_only=True))
    assert "\n" not in str(raised.value)
    assert rows(db_path, "SELECT player_id FROM tracked_players") == []
    assert rows(db_path, "SELECT count(*) FROM players WHERE player_id LIKE '%None%'") == [(0,)]
    # A gamertag lookup answering no xuid is refused the same way.
    gamertag = hostile.gamertag(hostile.player_ids[0])
    with pytest.raises(MalformedResponseError, match="no usable xuid"):
        run_sync(db_path, _settings(hostile), SyncOptions((gamertag,), matches_only=True))
    assert rows(db_path, "SELECT player_id FROM tracked_players") == []
    sound = Simulator(SimulatorConfig(seed=5, players=1, matches=5))
    report = run_sync(db_path, _settings(sound), SyncOptions(matches_only=True))
    assert report.outcome == "ok" and report.players == sound.player_ids[:1]


def test_a_tracked_player_the_service_does_not_know_is_named_and_the_others_synced(db_path):
    sim = Simulator(SimulatorConfig(seed=5, players=1, matches=5))
    ghost = "xuid(2533274899999999)"
    player = sim.player_ids[0]
    report = run_sync(db_path, _settings(sim), SyncOptions((ghost, player), matches_only=True))
    assert report.outcome == "partial" and report.failed_players == [ghost]
    assert rows(db_path, "SELECT count(*) FROM matches") == [(5,)]
    assert [f["player_id"] for f in report.failures if "player_id" in f] == [ghost]
    # Asked for the first time (a typo, say), the unknown xuid is not kept tracked: the
    # nightly run after syncs the others, whole.
    (failure,) = [f for f in report.failures if f.get("player_id") == ghost]
    assert failure["error"].endswith(f"; {ghost} is not tracked")
    assert rows(db_path, "SELECT player_id FROM tracked_players") == [(player,)]
    assert run_sync(db_path, _settings(sim), SyncOptions(matches_only=True)).outcome == "ok"


def test_a_typo_tracked_by_a_run_that_stopped_first_is_not_kept_either(db_path):
    # The run that tracked it was stopped (SIGTERM, SIGKILL) before it asked for its
    # history: every nightly run after failed on it (exit 3) until `untrack`.
    sim = Simulator(SimulatorConfig(seed=5, players=1, matches=5))
    ghost, player = "xuid(2533274899999999)", sim.player_ids[0]
    with archive(db_path) as engine, open_store(engine) as store:
        track_player(store, player)
        track_player(store, ghost)
    report = run_sync(db_path, _settings(sim), SyncOptions(matches_only=True))
    assert report.failed_players == [ghost] and report.failures[0]["error"].endswith(
        f"; {ghost} is not tracked"
    )
    assert rows(db_path, "SELECT player_id FROM tracked_players") == [(player,)]
    # One the archive holds matches of stays tracked: an account gone is said every run.
    with archive(db_path) as engine, open_store(engine) as store:
        track_player(store, ghost)
    with sqlite3.connect(db_path) as connection:
        connection.execute(
            "UPDATE tracked_players SET newest_start_time = '2024-01-01T00:00:00.000Z'"
            " WHERE player_id = ?",
            (ghost,),
        )
    report = run_sync(db_path, _settings(sim), SyncOptions(matches_only=True))
    assert report.failed_players == [ghost]
    assert rows(db_path, "SELECT player_id FROM tracked_players ORDER BY 1") == sorted(
        [(ghost,), (player,)]
    )
