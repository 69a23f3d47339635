"""verify against the service's own totals: the matchmade service record and the archive's sums.

Against the simulator in process, whose service records add up its matches
by the service's rules: a synced world agrees on every field, a match lost
or a kill count edited is named field by field, matches that ended after the
record was taken are left out rather than reported, and the player page (and
its ``.json``) shows the last outcome and when they last agreed.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from grunt_archive import agreement, documents
from grunt_archive.db import open_archive
from grunt_archive.runner import run_verify
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store import matches, open_store, state
from grunt_archive.store.service_record_checks import FIELDS, matchmade_comparison
from grunt_archive.viewer import agreement as shown
from grunt_archive.wording import counted
from tests.conftest import FIXTURES, copy_archive, load_json
from tests.helpers import MATCH, MATCH_DOC, P2, execute, raw, rows, settings, sync, value, viewer

# A newest-first matchmade match of the player, and its figures as the service counts them.
MATCH_FIGURES = """
SELECT max(coalesce(p.present_at_completion, 0)), max(p.outcome), sum(p.kills), sum(p.deaths),
    sum(p.assists)
FROM match_players AS p JOIN matches AS m USING (match_id)
WHERE p.player_id = ? AND m.match_id = ? GROUP BY m.match_id
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A demo-like world: two players, PvP, Firefight, custom games, matches left early."""
    sim = Simulator(SimulatorConfig(seed=5, players=2, matches=80))
    db = tmp_path_factory.mktemp("totals") / "halo.db"
    report = sync(db, sim, *sim.player_ids, clearance="given")
    assert report.outcome == "ok", report
    return sim, db


def verify(sim: Simulator, db: Path) -> dict:
    """Run verify in process; return each player's check by player id."""
    return {c.player_id: c for c in run_verify(db, settings(sim.app, "given"))}


def page(db: Path, path: str):
    return asyncio.run(viewer(db).client.get(path))


def drop_match(db: Path, match_id: str) -> None:
    """Delete a match from every table that holds it, as if it had never been archived."""
    with sqlite3.connect(db) as connection:
        tables = [
            r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        for table in tables:
            columns = [c[1] for c in connection.execute(f"PRAGMA table_info({table})")]
            if "match_id" in columns and table != "matches":
                connection.execute(f"DELETE FROM {table} WHERE match_id = ?", (match_id,))
        connection.execute("DELETE FROM matches WHERE match_id = ?", (match_id,))


def test_a_synced_world_agrees_on_every_field(world, tmp_path):
    sim, db = world
    db = copy_archive(db, tmp_path / "copy.db")
    me = sim.player_ids[0]
    # The world holds what the definitions must get right, so agreeing means something.
    matchmade = (
        "FROM match_players AS p JOIN matches AS m USING (match_id)"
        f" WHERE p.player_id = '{me}' AND m.lifecycle_mode = 3"
    )
    assert value(db, f"SELECT count(*) {matchmade} AND p.outcome = 4") > 0  # left early
    assert value(db, f"SELECT count(*) {matchmade} AND NOT p.present_at_completion") > 0
    assert value(db, f"SELECT count(*) {matchmade} AND m.game_variant_category = 42") > 0
    assert value(db, "SELECT count(*) FROM matches WHERE lifecycle_mode != 3") > 0  # custom

    checks = verify(sim, db)
    assert set(checks) == set(sim.player_ids)
    for player_id, check in checks.items():
        record = check.service_record
        assert record is not None and record.agrees, record
        assert record.differences == {} and record.pending == 0 and record.later == 0
        assert record.line().startswith(
            value(db, "SELECT gamertag FROM players WHERE player_id = ?", player_id)
        )
        assert "agrees with the service's matchmade record" in record.line()
    # The compared figures are real ones: the service's record is far from empty.
    kills, completed = rows(
        db,
        "SELECT kills, matches_completed FROM service_record_snapshots WHERE player_id = ?"
        " AND scope = 'matchmade' ORDER BY taken_at DESC LIMIT 1",
        me,
    )[0]
    assert kills > 100 and completed > 10
    stored = rows(
        db, "SELECT player_id, agrees, differences, scope, pending FROM service_record_checks"
    )
    assert sorted(stored) == sorted((p, 1, "{}", "matchmade", 0) for p in sim.player_ids)

    shown = page(db, f"/player/{me}.json").json()["service_record_check"]
    assert shown["agrees"] and shown["last_agreed_at"] == shown["checked_at"]
    html = page(db, f"/player/{me}").text
    assert (
        "agreed with Halo Waypoint&#39;s totals on" in html
        or "agreed with Halo Waypoint's totals on" in html
    )


def test_a_lost_match_is_named_field_by_field_and_pending(world, tmp_path):
    sim, db = world
    db = copy_archive(db, tmp_path / "copy.db")
    me = sim.player_ids[0]
    verify(sim, db)  # they agree first: the page can say when
    # A matchmade PvP win or loss the player finished, with kills: it moves several fields.
    lost = value(
        db,
        "SELECT m.match_id FROM match_players AS p JOIN matches AS m USING (match_id)"
        " WHERE p.player_id = ? AND m.lifecycle_mode = 3 AND p.outcome IN (2, 3)"
        " AND p.present_at_completion AND p.kills > 0 AND p.deaths > 0 AND p.assists > 0"
        " ORDER BY m.start_time LIMIT 1",
        me,
    )
    present, outcome, kills, deaths, assists = rows(db, MATCH_FIGURES, me, lost)[0]
    assert present
    drop_match(db, lost)

    record = verify(sim, db)[me].service_record
    assert not record.agrees
    expected = {"matches": 1, "kills": kills, "deaths": deaths, "assists": assists,
                "wins" if outcome == 2 else "losses": 1}  # fmt: skip
    assert {k: d["service"] - d["archive"] for k, d in record.differences.items()} == expected
    assert set(record.differences) <= set(FIELDS)
    assert record.pending == 1  # the count check found it missing and marked it pending
    line = record.line()
    assert (
        f"kills {record.differences['kills']['archive']} archived" in line
        and f"({-kills:+d})" in line
    )
    assert "1 match pending" in line

    stored = json.loads(
        value(
            db,
            "SELECT differences FROM service_record_checks WHERE player_id = ? AND NOT agrees",
            me,
        )
    )
    assert stored == record.differences
    shown = page(db, f"/player/{me}.json").json()["service_record_check"]
    assert not shown["agrees"] and shown["differences"] == record.differences
    assert shown["last_agreed_at"] is not None and shown["last_agreed_at"] < shown["checked_at"]
    html = page(db, f"/player/{me}").text
    assert "differed from Halo Waypoint" in html and "Last agreed on" in html
    assert f"kills {record.differences['kills']['archive']} archived" in html

    # The next sync fetches it, and they agree again.
    sync(db, sim, *sim.player_ids, clearance="given")
    assert verify(sim, db)[me].service_record.agrees


def test_an_edited_kill_count_is_the_one_difference(world, tmp_path):
    sim, db = world
    db = copy_archive(db, tmp_path / "copy.db")
    me = sim.player_ids[1]
    match_id, team_id = rows(
        db,
        "SELECT m.match_id, p.team_id FROM match_players AS p JOIN matches AS m"
        " USING (match_id) WHERE p.player_id = ? AND m.lifecycle_mode = 3 LIMIT 1",
        me,
    )[0]
    with sqlite3.connect(db) as connection:
        connection.execute(
            "UPDATE match_players SET kills = kills + 3 WHERE match_id = ? AND player_id = ?"
            " AND team_id = ?",
            (match_id, me, team_id),
        )
    checks = verify(sim, db)
    record = checks[me].service_record
    service = record.differences["kills"]["service"]
    assert record.differences == {"kills": {"service": service, "archive": service + 3}}
    assert record.pending == 0 and checks[me].complete  # nothing missing: the numbers differ
    assert checks[sim.player_ids[0]].service_record.agrees  # the other player is untouched
    html = page(db, f"/player/{me}").text
    assert "differed from Halo Waypoint" in html and "They have not agreed yet" in html


def test_matches_that_ended_after_the_record_are_left_out_not_reported(world, tmp_path):
    sim, db = world
    db = copy_archive(db, tmp_path / "copy.db")
    me = sim.player_ids[0]
    taken = value(
        db,
        "SELECT max(taken_at) FROM service_record_snapshots WHERE player_id = ?"
        " AND scope = 'matchmade'",
        me,
    )
    sim.play(me, 3)
    report = sync(db, sim, *sim.player_ids, clearance="given", matches_only=True)
    assert report.outcome == "ok"
    new = [r[0] for r in rows(db, "SELECT match_id FROM matches ORDER BY start_time DESC LIMIT 3")]
    # The simulator's clock stops in 2025, the archive's is today's: play them after the record
    # was taken, as a player's next matches would be.
    with sqlite3.connect(db) as connection:
        connection.executemany(
            "UPDATE matches SET start_time = '2099-01-01T00:00:00.000Z',"
            " end_time = '2099-01-01T00:10:00.000Z' WHERE match_id = ?",
            [(m,) for m in new],
        )
    later = value(
        db,
        "SELECT count(DISTINCT match_id) FROM match_players JOIN matches USING (match_id)"
        f" WHERE player_id = ? AND lifecycle_mode = 3 AND match_id IN {tuple(new)}",
        me,
    )
    assert later > 0, "the new matches include matchmade ones of the player"
    record = verify(sim, db)[me].service_record
    assert record.agrees, record.differences
    assert record.later == later and record.counted_until >= taken
    assert f"{counted(later, 'later match')} not in that record yet" in record.line()


def test_a_player_without_a_service_record_is_said_so_and_nothing_is_kept(world, tmp_path):
    sim, db = world
    db = copy_archive(db, tmp_path / "copy.db")
    me = sim.player_ids[0]
    with sqlite3.connect(db) as connection:
        for table in [r[0] for r in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'service_record_%'"
                " AND name != 'service_record_checks'")]:  # fmt: skip
            connection.execute(f"DELETE FROM {table} WHERE player_id = ?", (me,))
    checks = verify(sim, db)
    assert (
        checks[me].service_record is None and checks[me].to_json()["service_record_check"] is None
    )
    assert value(db, "SELECT count(*) FROM service_record_checks WHERE player_id = ?", me) == 0
    assert "Not yet checked against Halo Waypoint" in page(db, f"/player/{me}").text


def test_the_page_words_a_difference_as_verify_does():
    found = {"service": 812, "archive": 800}
    assert shown.describe("kills", found) == agreement.describe("kills", found)
    assert agreement.describe("kills", found) == "kills 800 archived, 812 by the service (-12)"


def test_a_tracked_player_who_switched_teams_counts_once_with_both_teams_kills(tmp_path):
    # The simulator never moves a tracked player between teams; a recorded match does.
    doc = load_json(FIXTURES / MATCH_DOC)
    entry = next(p for p in doc["Players"] if p["PlayerId"] == P2)
    assert len(entry["PlayerTeamStats"]) == 2 and doc["MatchInfo"]["LifecycleMode"] == 3
    cores = [team["Stats"]["CoreStats"] for team in entry["PlayerTeamStats"]]
    outcome = entry["Outcome"]
    expected = {
        "matches": int(entry["ParticipationInfo"]["PresentAtCompletion"]),
        "wins": int(outcome == 2),
        "losses": int(outcome == 3),
        "ties": int(outcome == 1),
        **{name.lower(): sum(c[name] for c in cores) for name in ("Kills", "Deaths", "Assists")},
    }
    engine = open_archive(tmp_path / "switch.db")
    with open_store(engine) as store:
        state.track_player(store, P2, "Switcher")
        matches.save_match(store, raw(documents.MATCH_STATS, MATCH, doc), doc)
    with sqlite3.connect(tmp_path / "switch.db") as connection:
        connection.execute(
            "INSERT INTO service_record_snapshots (player_id, scope, taken_at, lifecycle,"
            " content_hash, matches_completed, wins, losses, ties, kills, deaths, assists)"
            " VALUES (?, 'matchmade', '2099-01-01T00:00:00.000Z', 'matchmade', 'x',"
            " ?, ?, ?, ?, ?, ?, ?)",
            (P2, *expected.values()),
        )
    with open_store(engine) as store:
        comparison = matchmade_comparison(store, P2, "matchmade")
    engine.dispose()
    assert expected["matches"] == 1 and expected["kills"] > cores[0]["Kills"]
    assert comparison is not None and comparison.service == expected
    assert comparison.archive == expected and comparison.later == 0


def test_a_shared_match_pending_under_the_other_player_is_pending_for_both(tmp_path):
    # Two tracked players share a match whose stats went pending under the one who met it
    # first: for the other, it is pending too, not missing with nothing to name. (A world
    # of its own: the module's world has played on.)
    sim = Simulator(SimulatorConfig(seed=5, players=2, matches=30))
    db = tmp_path / "halo.db"
    assert sync(db, sim, *sim.player_ids, clearance="given").outcome == "ok"
    me, friend = sim.player_ids
    shared = rows(
        db,
        "SELECT a.match_id FROM match_players a JOIN match_players b USING (match_id)"
        " JOIN matches m USING (match_id)"
        " WHERE a.player_id = ? AND b.player_id = ? AND m.lifecycle_mode = 3"
        " ORDER BY m.start_time DESC LIMIT 1",
        me,
        friend,
    )[0][0]
    drop_match(db, shared)
    with sqlite3.connect(db) as connection:
        connection.execute(
            "INSERT INTO pending_matches (match_id, player_id, reason, attempts, first_seen_at)"
            " VALUES (?, ?, 'stats 404', 1, '2026-12-01T00:00:00Z')",
            (shared, friend),
        )
    checks = verify(sim, db)
    for player in (me, friend):
        check = checks[player]
        assert check.complete and check.missing_match_ids == [], player
        (matchmade,) = [c for c in check.lifecycles if c.lifecycle == "matchmade"]
        assert (matchmade.service - matchmade.archived, matchmade.pending) == (1, 1), player
        # The service record's comparison counts it among the player's pending matches too.
        assert check.service_record is not None and check.service_record.pending == 1, player
        assert "1 match pending, which the next sync fetches" in check.service_record.line()
    assert rows(db, "SELECT match_id, player_id FROM pending_matches") == [(shared, friend)]


@pytest.mark.slow
def test_a_difference_on_postgresql_is_kept_in_whole_numbers_as_on_sqlite(postgres_cluster):
    # PostgreSQL sums BIGINT columns into NUMERIC: a difference must still be recorded.
    sim = Simulator(SimulatorConfig(seed=5, players=1, matches=20))
    url = postgres_cluster.new_archive()
    assert sync(url, sim, *sim.player_ids, clearance="given").outcome == "ok"
    me = sim.player_ids[0]
    match_id, team_id = rows(
        url,
        "SELECT m.match_id, p.team_id FROM match_players AS p JOIN matches AS m"
        " USING (match_id) WHERE p.player_id = ? AND m.lifecycle_mode = 3"
        " ORDER BY m.match_id LIMIT 1",
        me,
    )[0]
    execute(
        url,
        f"UPDATE match_players SET kills = kills + 3 WHERE match_id = '{match_id}'"
        f" AND player_id = '{me}' AND team_id = {team_id}",
    )
    record = run_verify(url, settings(sim.app, "given"))[0].service_record
    service = record.differences["kills"]["service"]
    assert record.differences == {"kills": {"service": service, "archive": service + 3}}
    assert type(record.differences["kills"]["archive"]) is int
    (kept,) = rows(url, "SELECT differences FROM service_record_checks WHERE player_id = ?", me)
    assert json.loads(kept[0]) == record.differences
