"""Giving up on a match the service never serves: `grunt-archive pending`, end to end.

A match whose stats always come back unusable stays pending, and every sync
exits 3 for it. `pending` lists it (by gamertag, with its reason); `pending
give-up` makes later syncs (a `--full` one too) leave it alone and end `ok`,
`verify` count it as given up rather than missing, `copy` and `reparse` keep the
mark; `pending retry` undoes it.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grunt_archive.agreement import RecordCheck
from grunt_archive.cli import cli as command
from grunt_archive.db import open_archive
from grunt_archive.errors import UsageError
from grunt_archive.runner import run_pending_list, run_pending_mark, run_reparse, run_verify
from grunt_archive.serve import datasette_for
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store import lookups, open_store, pending, state
from grunt_archive.store.copy import copy_archive as run_copy
from tests.conftest import copy_archive
from tests.e2e import cli, simulator_process
from tests.helpers import recording, rows, settings, sync, value

GIVEN_UP = "SELECT given_up_at, given_up_reason FROM pending_matches WHERE match_id = ?"


def invoke(*args: str) -> Any:
    return CliRunner().invoke(command, list(args))


@pytest.fixture(scope="module")
def spoilt(tmp_path_factory):
    """A synced archive whose one matchmade match always answers a body that is not JSON."""
    sim = Simulator(SimulatorConfig(seed=5, players=1, matches=30, malformed_matches=1))
    (bad,) = sim.malformed_match_ids
    assert sim.stats_document(bad)["MatchInfo"]["LifecycleMode"] == 3  # in the service record
    db = tmp_path_factory.mktemp("pending") / "halo.db"
    report = sync(db, sim, sim.player_ids[0], clearance="given")
    assert report.outcome == "partial" and report.pending == [bad], report
    return sim, db, bad


def fetched(db: Path, sim: Simulator, **options: Any) -> tuple[Any, list[str]]:
    """Sync in process; return the report and the stats paths the sync asked for."""
    paths: list[str] = []
    report = sync(db, sim, app=recording(sim.app, paths), clearance="given", **options)
    return report, [p for p in paths if p.endswith("/stats") and "/matches/" in p]


def test_give_up_then_retry_through_sync_verify_and_the_viewer(spoilt, tmp_path):
    sim, db, bad = spoilt
    db = copy_archive(db, tmp_path / "copy.db")
    me = sim.player_ids[0]
    gamertag = value(db, "SELECT gamertag FROM players WHERE player_id = ?", me)

    listed = invoke("pending", "--db", str(db))
    assert listed.exit_code == 3, listed.output
    line = next(line for line in listed.output.splitlines() if bad in line)
    assert gamertag in line and me not in line and "not JSON" in line and "attempts 1" in line
    data = json.loads(invoke("pending", "--db", str(db), "--json").output.splitlines()[0])
    assert [(m["match_id"], m["gamertag"]) for m in data["pending"]] == [(bad, gamertag)]
    assert data["given_up"] == []
    # It lists without writing: nothing about the row changed.
    assert rows(db, GIVEN_UP, bad) == [(None, None)]

    gave = invoke("pending", "give-up", "--db", str(db), bad, "--reason", "never served")
    assert gave.exit_code == 0, gave.output
    (given_at, why), = rows(db, GIVEN_UP, bad)  # fmt: skip
    assert given_at and why == "never served"

    report, stats = fetched(db, sim)
    assert report.outcome == "ok" and report.pending == [] and stats == []
    assert report.to_json()["given_up"] == [bad]
    full, stats = fetched(db, sim, full=True)
    assert full.outcome == "ok" and full.given_up == [bad] and stats == []
    assert rows(db, GIVEN_UP, bad) == [(given_at, "never served")]
    listed = invoke("pending", "--db", str(db), "--json")
    assert listed.exit_code == 0, listed.output
    data = json.loads(listed.output)
    assert data["pending"] == [] and [m["match_id"] for m in data["given_up"]] == [bad]

    (check,) = run_verify(db, settings(sim.app, "given"))
    assert check.complete and check.missing_match_ids == [] and check.given_up_match_ids == [bad]
    (matchmade,) = [c for c in check.lifecycles if c.lifecycle == "matchmade"]
    assert (matchmade.pending, matchmade.given_up, matchmade.missing) == (0, 1, 0)
    record = check.service_record
    assert record is not None and not record.agrees and record.given_up_explains
    assert record.pending == 0 and record.given_up == 1
    assert "1 match given up on, which no sync fetches" in record.line()
    # Verify's walk met it unarchived and left it as it was: given up, not missing.
    assert rows(db, GIVEN_UP, bad) == [(given_at, "never served")]
    assert "not JSON" in value(db, "SELECT reason FROM pending_matches WHERE match_id = ?", bad)

    page = asyncio.run(datasette_for(db).client.get(f"/player/{me}.json")).json()
    assert page["service_record_check"]["given_up"] == 1
    assert page["service_record_check"]["pending"] == 0
    html = asyncio.run(datasette_for(db).client.get(f"/player/{me}")).text
    assert "1 match given up on, which no sync fetches" in html and "pending, which" not in html

    retried = invoke("pending", "retry", "--db", str(db), bad.upper())
    assert retried.exit_code == 0, retried.output
    assert rows(db, GIVEN_UP, bad) == [(None, None)]
    report, stats = fetched(db, sim)
    assert report.outcome == "partial" and report.pending == [bad] and report.given_up == []
    assert stats == [f"/hi/matches/{bad}/stats"]


def test_a_reason_is_listed_as_one_printable_line_and_kept_whole(spoilt, tmp_path):
    # A window title escape, a bell, a newline and a carriage return, then 1,000 more.
    _, db, bad = spoilt
    db = copy_archive(db, tmp_path / "copy.db")
    reason = "abc\x1b]0;title\x07\nsecond line\r\tX" + "y" * 1000
    assert invoke("pending", "give-up", "--db", str(db), bad, "--reason", reason).exit_code == 0
    listed = invoke("pending", "--db", str(db)).output
    (line,) = [line for line in listed.splitlines() if bad in line]
    shown = line.split(" (", 1)[1]
    assert shown.startswith(
        "abc\ufffd]0;title\ufffd\ufffdsecond line\ufffd\ufffdX"
    ) and shown.endswith("…)]")
    assert len(shown) == len("…)]") - 1 + 200 and all(c.isprintable() for c in line)
    given_up = json.loads(invoke("pending", "--db", str(db), "--json").output)["given_up"]
    assert [m["given_up_reason"] for m in given_up] == [reason]


def test_a_bad_or_unknown_match_id_is_exit_2_and_changes_nothing(spoilt, tmp_path):
    _, db, bad = spoilt
    db = copy_archive(db, tmp_path / "copy.db")
    unknown = "00000000-0000-0000-0000-000000000000"
    for args, words in [
        (("give-up", bad, unknown), f"match {unknown} is not pending"),
        (("give-up", "not-a-match\x1b[2J"), "is not a match id"),
        (("retry", ""), "is not a match id"),
        (("give-up",), "Missing argument"),
    ]:
        result = invoke("pending", *args[:1], "--db", str(db), *args[1:])
        assert result.exit_code == 2, (args, result.output)
        assert words in result.output and "Traceback" not in result.output
        assert "\x1b" not in result.output
        assert rows(db, GIVEN_UP, bad) == [(None, None)]  # all or none: bad was not given up


def test_the_store_marks_keeps_and_clears_a_give_up(fresh_archive):
    engine = open_archive(fresh_archive)
    try:
        with open_store(engine) as store:
            state.mark_pending(
                store, "m-1", "xuid(2533274800000001)", "2024-01-02T00:00:00.000Z", "404"
            )
            state.mark_pending(store, "m-2", None, "2024-01-01T00:00:00.000Z", "503")
            assert pending.give_up(store, ["m-1", "m-9"], "why") == ["m-9"]
            assert pending.given_up_ids(store) == []  # all or none
            assert pending.give_up(store, ["m-1"], "why") == []
            assert pending.given_up_ids(store) == ["m-1"]
            assert [m for m, _, _ in state.pending_matches(store)] == ["m-2"]
            everything = state.pending_matches(store, given_up=True)
            assert [m for m, _, _ in everything] == ["m-1", "m-2"]
            # A walk or verify marking it pending again counts the attempt, keeps the give-up.
            state.mark_pending(
                store, "m-1", "xuid(2533274800000001)", "2024-01-02T00:00:00.000Z", "404 again"
            )
            matches, lookups = pending.listing(store)
            first = matches[0]
            assert (first.match_id, first.reason, first.attempts) == ("m-1", "404 again", 2)
            assert first.given_up_at and first.given_up_reason == "why" and lookups == []
            assert [m.match_id for m in pending.listing(store, ["xuid(2533274800000001)"])[0]] == [
                "m-1"
            ]
            # Giving up again keeps the first mark.
            pending.give_up(store, ["m-1"], "other")
            assert pending.listing(store)[0][0].given_up_reason == "why"
            assert pending.retry(store, ["m-1", "m-9"]) == ["m-9"]
            assert pending.given_up_ids(store) == ["m-1"]
            assert pending.retry(store, ["m-1"]) == []
            assert pending.given_up_ids(store) == []
            assert [m for m, _, _ in state.pending_matches(store)] == ["m-1", "m-2"]
    finally:
        engine.dispose()
    # The commands' entry points, on either backend (a pending id that is no GUID is taken).
    assert run_pending_mark(fresh_archive, ("m-2",), "gone", give_up=True) == ["m-2"]
    matches, _ = run_pending_list(fresh_archive, ("xuid(2533274800000001)",))
    assert [(m.match_id, m.given_up_at) for m in matches] == [("m-1", None)]
    matches, _ = run_pending_list(fresh_archive)
    assert [m.given_up_reason for m in matches] == [None, "gone"]
    with pytest.raises(UsageError, match="is not a match id"):
        run_pending_mark(fresh_archive, ("m-3",), None, give_up=False)


def test_copy_carries_a_give_up_both_ways_and_reparse_keeps_it(spoilt, archive_location, tmp_path):
    sim, db, bad = spoilt
    source = copy_archive(db, tmp_path / "source.db")
    run_copy(source, archive_location)  # the destination holds it pending
    assert invoke("pending", "give-up", "--db", str(source), bad, "--reason", "x").exit_code == 0
    run_copy(source, archive_location)  # a row it has: the give-up still carries
    (given_at, why), = rows(archive_location, GIVEN_UP, bad)  # fmt: skip
    assert given_at == rows(source, GIVEN_UP, bad)[0][0] and why == "x"
    back = tmp_path / "back.db"
    run_copy(archive_location, back)
    assert rows(back, GIVEN_UP, bad) == [(given_at, "x")]
    # A give-up the destination holds stays when the source has the match plain pending.
    assert invoke("pending", "retry", "--db", str(source), bad).exit_code == 0
    run_copy(source, back)
    assert rows(back, GIVEN_UP, bad) == [(given_at, "x")]

    run_reparse(back)
    assert rows(back, GIVEN_UP, bad) == [(given_at, "x")]
    report = sync(back, sim, clearance="given")
    assert report.outcome == "ok" and report.given_up == [bad]


def test_a_difference_only_given_up_matches_can_explain():
    def check(differences: dict, given_up: int) -> RecordCheck:
        return RecordCheck(
            "xuid(2533274800000001)", "Tag", "t", "t", "t", differences, 0, 0, given_up=given_up
        )

    short = {"matches": {"service": 10, "archive": 9}, "kills": {"service": 50, "archive": 40}}
    assert check(short, 1).given_up_explains
    assert not check(short, 0).given_up_explains  # nothing given up: a real difference
    ahead = {**short, "deaths": {"service": 5, "archive": 7}}
    assert not check(ahead, 1).given_up_explains  # the archive holds more than the service
    two = {"matches": {"service": 10, "archive": 8}}
    assert not check(two, 1).given_up_explains and check(two, 2).given_up_explains
    assert not check({}, 1).given_up_explains  # agrees: nothing to explain
    pending = RecordCheck("xuid(2533274800000001)", "Tag", "t", "t", "t", short, 1, 0, given_up=1)
    assert not pending.given_up_explains  # a pending match may be what is missing


def test_verify_walking_for_a_lost_match_leaves_the_given_up_one_given_up(spoilt, tmp_path):
    sim, db, bad = spoilt
    db = copy_archive(db, tmp_path / "copy.db")
    assert invoke("pending", "give-up", "--db", str(db), bad).exit_code == 0
    lost = value(db, "SELECT match_id FROM matches ORDER BY start_time LIMIT 1")
    with sqlite3.connect(db) as connection:  # every row of it, as if never archived
        tables = [
            r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        for table in sorted(tables, key=lambda t: t == "matches"):
            columns = [c[1] for c in connection.execute(f"PRAGMA table_info({table})")]
            if "match_id" in columns:
                connection.execute(f"DELETE FROM {table} WHERE match_id = ?", (lost,))
    (check,) = run_verify(db, settings(sim.app, "given"))  # walks the history: one is missing
    assert check.missing_match_ids == [lost] and check.given_up_match_ids == [bad]
    assert not check.service_record.given_up_explains  # the lost match is more than given up
    reason, attempts = rows(
        db, "SELECT reason, attempts FROM pending_matches WHERE match_id = ?", bad
    )[0]
    assert "not JSON" in reason and attempts == 1
    assert rows(db, GIVEN_UP, bad)[0][0] is not None


@pytest.mark.slow
def test_the_nightly_run_stops_exiting_3_once_the_match_is_given_up(db_path):
    with simulator_process("--seed", "5", "--players", "1", "--matches", "30",
                           "--malformed-matches", "1") as sim:  # fmt: skip
        first = cli("sync", "--json", db=db_path, api_base=sim.url)
        assert first.returncode == 3, first.stderr
        (bad,) = json.loads(first.stdout)["pending"]
        assert bad in first.stderr and "not JSON" in first.stderr
        assert "`grunt-archive pending give-up MATCH_ID` stops retrying one" in first.stderr

        listed = cli("pending", db=db_path)
        assert listed.returncode == 3 and bad in listed.stdout, listed.stderr
        assert "pending give-up" in listed.stderr  # the error line says how to stop it
        gave = cli("pending", "give-up", bad, "--reason", "never served", db=db_path)
        assert gave.returncode == 0, gave.stderr

        again = cli("sync", "--json", db=db_path, api_base=sim.url)
        assert again.returncode == 0, again.stderr
        summary = json.loads(again.stdout)
        assert summary["outcome"] == "ok" and summary["pending"] == []
        assert summary["given_up"] == [bad]
        checked = cli("verify", db=db_path, api_base=sim.url)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert f"given up {bad}" in checked.stdout and f"missing {bad}" not in checked.stdout
        assert "pending    0  given up 1  missing 0" in checked.stdout  # matchmade

        assert cli("pending", "retry", bad, db=db_path).returncode == 0
        retried = cli("sync", "--json", db=db_path, api_base=sim.url)
        assert retried.returncode == 3 and json.loads(retried.stdout)["pending"] == [bad]


def test_lookups_are_listed_pending_or_given_up_and_never_make_it_exit_3(spoilt, tmp_path):
    _, db, bad = spoilt
    db = copy_archive(db, tmp_path / "copy.db")
    assert invoke("pending", "give-up", "--db", str(db), bad).exit_code == 0
    engine = open_archive(db)
    try:
        with open_store(engine) as store:
            lookups.mark_pending(store, "match_skill", "m-1", "skill 404")
            lookups.mark_pending(store, "asset", "map:a:v", "asset gone", give_up=True)
    finally:
        engine.dispose()
    listed = invoke("pending", "--db", str(db), "--json")
    assert listed.exit_code == 0, listed.output  # a lookup never makes a sync partial
    data = json.loads(listed.output)
    assert [(x["kind"], x["key"], x["attempts"]) for x in data["lookups"]] == [
        ("match_skill", "m-1", 1)
    ]
    assert [(x["key"], x["given_up"]) for x in data["lookups_given_up"]] == [("map:a:v", True)]
    text = invoke("pending", "--db", str(db)).output
    assert "Pending lookups: 1\n  match_skill m-1  skill 404  [attempts 1" in text
    assert "Lookups given up after 5 attempts: 1\n  asset map:a:v  asset gone" in text
    # --player keeps the lookups of that player's matches: m-1 is none of theirs.
    me = value(db, "SELECT player_id FROM tracked_players")
    mine = json.loads(invoke("pending", "--db", str(db), "--json", "--player", me).output)
    assert mine["lookups"] == [] and [m["match_id"] for m in mine["given_up"]] == [bad]


def test_db_given_before_the_subcommand_is_the_archive_it_changes(spoilt, tmp_path, monkeypatch):
    _, db, bad = spoilt
    db = copy_archive(db, tmp_path / "copy.db")
    other = copy_archive(db, tmp_path / "other.db")
    # Were the --db before the name dropped, the default archive would be this one.
    monkeypatch.setenv("GRUNT_ARCHIVE_DB", str(other))

    gave = invoke("pending", "--db", str(db), "give-up", bad, "--reason", "never served")
    assert gave.exit_code == 0, gave.output
    assert rows(db, GIVEN_UP, bad)[0][1] == "never served"
    assert rows(other, GIVEN_UP, bad) == [(None, None)]

    both = invoke("pending", "--db", str(db), "retry", "--db", str(other), bad)
    assert both.exit_code == 2
    assert both.stderr == (
        "Error: --db is given before and after retry, naming two archives: give it once\n"
    )
    assert rows(db, GIVEN_UP, bad)[0][1] == "never served"  # nothing changed
    same = invoke("pending", "--db", str(db), "retry", "--db", str(db), bad)
    assert same.exit_code == 0, same.output
    assert rows(db, GIVEN_UP, bad) == [(None, None)]


def test_a_player_given_before_give_up_or_retry_is_refused_not_ignored(spoilt, tmp_path):
    sim, db, bad = spoilt
    db = copy_archive(db, tmp_path / "copy.db")
    for subcommand in ("give-up", "retry"):
        result = invoke("pending", "--db", str(db), "--player", sim.player_ids[0], subcommand, bad)
        assert result.exit_code == 2
        assert (
            result.stderr
            == f"Error: --player picks what pending lists; {subcommand} takes match ids\n"
        )
    assert rows(db, GIVEN_UP, bad) == [(None, None)]  # nothing changed


def test_json_before_give_up_or_retry_prints_what_changed_as_json(spoilt, tmp_path):
    _, db, bad = spoilt
    db = copy_archive(db, tmp_path / "copy.db")

    gave = invoke("pending", "--db", str(db), "--json", "give-up", bad, "--reason", "gone")
    assert gave.exit_code == 0, gave.output
    # One JSON line, under the key `pending --json` now lists the match under.
    assert json.loads(gave.stdout) == {"given_up": [bad], "reason": "gone"}
    listed = json.loads(invoke("pending", "--db", str(db), "--json").stdout)
    assert [m["match_id"] for m in listed["given_up"]] == [bad]

    retried = invoke("pending", "--json", "retry", "--db", str(db), bad.upper())
    assert retried.exit_code == 0, retried.output
    assert json.loads(retried.stdout) == {"pending": [bad]}  # the id as stored
    assert rows(db, GIVEN_UP, bad) == [(None, None)]
    plain = invoke("pending", "give-up", "--db", str(db), bad)
    assert plain.stdout == f"Gave up on 1 match: {bad}.\n"  # no --json: the plain line


def test_a_shared_match_given_up_is_given_up_for_every_player_verify_checks(tmp_path):
    # The match is pending under one tracked player only: for the other one who played
    # it, verify must count it given up too, not pending "which the next sync fetches".
    sim = Simulator(SimulatorConfig(seed=81, players=2, matches=40, malformed_matches=2))
    shared = [m for m in sim.malformed_match_ids if len(sim.world.matches[m].tracked) == 2]
    assert len(shared) == 1 and sim.stats_document(shared[0])["MatchInfo"]["LifecycleMode"] == 3
    db = tmp_path / "halo.db"
    report = sync(db, sim, *sim.player_ids, clearance="given")
    assert sorted(report.pending) == sorted(sim.malformed_match_ids), report
    gave = invoke("pending", "give-up", "--db", str(db), *sorted(sim.malformed_match_ids))
    assert gave.exit_code == 0, gave.output
    checks = run_verify(db, settings(sim.app, "given"))
    for check in checks:
        assert shared[0] in check.given_up_match_ids, check.player_id
        assert not check.missing_match_ids
        assert all(c.pending == 0 and c.missing == 0 for c in check.lifecycles), check.lifecycles
        record = check.service_record
        assert record.pending == 0, record.line()
        assert record.agrees or record.given_up_explains, record.line()


def _lose(db: Path, lifecycle_mode: int, offset: int) -> str:
    """Delete every row of a match of ``lifecycle_mode``, as if it had never been archived."""
    with sqlite3.connect(db) as connection:
        (lost,) = connection.execute(
            "SELECT match_id FROM matches WHERE lifecycle_mode = ?"
            " ORDER BY start_time DESC LIMIT 1 OFFSET ?",
            (lifecycle_mode, offset),
        ).fetchone()
        tables = [
            r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        for table in sorted(tables, key=lambda t: t == "matches"):
            columns = [c[1] for c in connection.execute(f"PRAGMA table_info({table})")]
            if "match_id" in columns and table != "pending_matches":
                connection.execute(f"DELETE FROM {table} WHERE match_id = ?", (lost,))
    return lost


def test_a_custom_match_given_up_does_not_hide_a_lost_matchmade_one_from_verify(tmp_path):
    # Pending and given-up matches carry no lifecycle: counted against the matchmade gap,
    # a given-up custom match made verify skip the matchmade walk, night after night.
    sim = Simulator(SimulatorConfig(seed=161, players=1, matches=40))
    db = tmp_path / "halo.db"
    assert sync(db, sim, sim.player_ids[0], clearance="given").outcome == "ok"
    custom = _lose(db, 1, 0)
    (check,) = run_verify(db, settings(sim.app, "given"))
    assert check.missing_match_ids == [custom]
    assert invoke("pending", "give-up", "--db", str(db), custom).exit_code == 0
    lost = _lose(db, 3, 25)  # deep in the history: no head walk meets it again
    (check,) = run_verify(db, settings(sim.app, "given"))
    assert check.missing_match_ids == [lost], check.lifecycles
    assert check.given_up_match_ids == [custom]
    assert rows(db, GIVEN_UP, lost) == [(None, None)]  # pending: the next sync fetches it
    by_name = {c.lifecycle: c for c in check.lifecycles}
    assert (by_name["matchmade"].given_up, by_name["matchmade"].missing) == (0, 1)
    assert (by_name["custom"].given_up, by_name["custom"].missing) == (1, 0)


def test_player_lists_a_shared_match_pending_under_the_other_tracked_player(tmp_path):
    # pending_matches keeps one player a match: the one whose walk met it first. A match
    # both tracked players played was missing from `pending --player` of the other one.
    sim = Simulator(SimulatorConfig(seed=81, players=2, matches=40, malformed_matches=2))
    db = tmp_path / "halo.db"
    assert sync(db, sim, *sim.player_ids, clearance="given").outcome == "partial"
    (shared,) = [m for m in sim.malformed_match_ids if len(sim.world.matches[m].tracked) == 2]
    owner = value(db, "SELECT player_id FROM pending_matches WHERE match_id = ?", shared)
    (other,) = [p for p in sim.player_ids if p != owner]
    own = {row[0] for row in rows(db, "SELECT match_id FROM pending_matches WHERE player_id = ?",
                                  other)}  # fmt: skip
    listed = invoke("pending", "--db", str(db), "--json", "--player", other)
    assert listed.exit_code == 3, listed.output
    found = {m["match_id"]: m for m in json.loads(listed.stdout)["pending"]}
    assert set(found) == own | {shared}
    assert found[shared]["player_id"] == owner  # still said to be pending under its owner
    assert found[shared]["shared_with"] == [{"player_id": other, "gamertag": sim.gamertag(other)}]
    assert all(found[m]["shared_with"] == [] for m in own)
    text = invoke("pending", "--db", str(db), "--player", sim.gamertag(other)).stdout
    assert f"  {shared}  {sim.gamertag(owner)}, shared with {sim.gamertag(other)}  " in text
    # The owner's own listing is as before: theirs, no one else's.
    mine = json.loads(invoke("pending", "--db", str(db), "--json", "--player", owner).stdout)
    assert shared in {m["match_id"] for m in mine["pending"]}
    assert all(m["player_id"] == owner and not m["shared_with"] for m in mine["pending"])
    # Given up, it is listed under given_up for the other player too.
    assert invoke("pending", "give-up", "--db", str(db), shared).exit_code == 0
    after = json.loads(invoke("pending", "--db", str(db), "--json", "--player", other).stdout)
    assert [m["match_id"] for m in after["given_up"]] == [shared]
