"""Career snapshots through the sync, against the simulator in-process: issue 8's "done when".

Several syncs separated by simulated play: each snapshot table gains one row
per real change and none for no change, the numbers equal the documents and
add up to the archived matches, ``--matches-only`` asks for none of it, and
``reparse`` rebuilds the tables exactly.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import urllib.parse
from pathlib import Path

import pytest
from datasette_dashboards import replace_opts_in_query

from grunt_archive.api.discovery import PATHS
from grunt_archive.db import archive
from grunt_archive.documents import MATCH_SKILL, SNAPSHOTS_STAGE, RawDocument, kinds_writing
from grunt_archive.normalize.service_record import parse_scope
from grunt_archive.rawbody import decode
from grunt_archive.runner import run_reparse
from grunt_archive.serve import datasette_for, load_metadata
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.simulator.data.assets import asset_document
from grunt_archive.simulator.data.service_record import service_record
from grunt_archive.store import open_store
from grunt_archive.store.career_snapshots import (
    mark_careers_checked,
    ranked_playlists,
    service_record_behind,
)
from grunt_archive.store.lookups import MAX_ATTEMPTS, save_match_skill
from grunt_archive.store.rebuild import cleared_tables
from tests.conftest import copy_archive
from tests.helpers import count, dump, failing, rows, slowed, sync, value

SR = "service_record_snapshots"
LIFECYCLE_MODES = {"matchmade": 3, "custom": 1, "local": 7}
SNAPSHOT_TABLES = [
    t for t in cleared_tables() if any(k.stage == SNAPSHOTS_STAGE for k in kinds_writing(t))
]


def latest_records(db: Path) -> dict[tuple[str, str], dict]:
    """Return the newest service record snapshot per (player, scope), as dicts."""
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        found = connection.execute(
            f"SELECT * FROM {SR} AS s WHERE taken_at = (SELECT max(taken_at) FROM {SR}"
            " WHERE player_id = s.player_id AND scope = s.scope)"
        ).fetchall()
    return {(row["player_id"], row["scope"]): dict(row) for row in found}


def newest_season(sim: Simulator, player_id: str) -> str:
    """The season of the player's newest matchmade match: the archive's current season."""
    newest = next(m for m in sim.history(player_id) if sim.world.matches[m].lifecycle == 3)
    return sim.stats_document(newest)["MatchInfo"]["SeasonId"]


def sim_documents(sim: Simulator) -> dict[tuple[str, str], dict]:
    """What the simulator answers now for every scope the archive asks about."""
    documents = {}
    for index, player_id in enumerate(sim.player_ids):
        season = newest_season(sim, player_id)
        for scope in ("matchmade", "custom", "local", f"matchmade?seasonid={season}"):
            lifecycle, filters = parse_scope(scope)
            documents[player_id, scope] = service_record(sim, index, lifecycle, filters)
    return documents


# The service's current CSR season: a playlist CSR asked without a season is of this one.
CURRENT_CSR_SEASON = "Csr/Seasons/CsrSeason9-1.json"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A world synced once, with the simulator's documents of that moment."""
    sim = Simulator(SimulatorConfig(seed=12, players=2, matches=50))  # placed this season
    db = tmp_path_factory.mktemp("snapshots") / "halo.db"
    report = sync(db, sim, *sim.player_ids, clearance="given")
    assert report.outcome == "ok" and report.enrichment_pending == []
    return sim, db


def snapshot_copy(db: Path, tmp_path: Path) -> Path:
    return copy_archive(db, tmp_path / "copy.db")


def test_first_sync_snapshots_every_scope_and_the_numbers_equal_the_documents(world):
    sim, db = world
    documents = sim_documents(sim)
    latest = latest_records(db)
    assert set(latest) == set(documents)  # the season of each one's newest matchmade match
    assert count(db, SR) == len(documents)
    for (player_id, scope), document in documents.items():
        row = latest[player_id, scope]
        assert row["matches_completed"] == document["MatchesCompleted"]
        assert (row["wins"], row["losses"], row["ties"]) == (
            document["Wins"], document["Losses"], document["Ties"]
        )  # fmt: skip
        assert row["kills"] == document["CoreStats"]["Kills"]
        assert row["average_kda"] == pytest.approx(document["CoreStats"]["AverageKDA"])
        # ...and they add up to the archived matches of that lifecycle (and season).
        lifecycle, filters = parse_scope(scope)
        season = f" AND m.season_id = '{newest_season(sim, player_id)}'" if filters else ""
        kills, deaths, played, matches = rows(
            db,
            "SELECT sum(p.kills), sum(p.deaths), sum(p.time_played_seconds),"
            " count(DISTINCT m.match_id) FROM match_players AS p JOIN matches AS m USING"
            f" (match_id) WHERE p.player_id = '{player_id}' AND m.lifecycle_mode ="
            f" {LIFECYCLE_MODES[lifecycle]}" + season,
        )[0]
        assert (row["kills"], row["deaths"]) == (kills or 0, deaths or 0)
        assert row["time_played_seconds"] == pytest.approx(played or 0.0, abs=1e-3)
        assert row["wins"] + row["losses"] + row["ties"] <= matches
    zones = rows(db, "SELECT count(*) FROM service_record_zones_stats WHERE zone_captures >= 0")
    assert zones[0][0] > 0  # the service record's own zone names


def test_csr_follows_the_skill_documents(world):
    _, db = world
    ranked = rows(db, "SELECT DISTINCT player_id, playlist_asset_id FROM csr_snapshots")
    assert ranked, "the world has ranked matches"
    for player_id, playlist in ranked:
        skill = rows(
            db,
            "SELECT s.post_match_csr, m.season_id FROM match_skill AS s JOIN matches AS m"
            f" USING (match_id) WHERE s.player_id = '{player_id}' AND m.playlist_asset_id ="
            f" '{playlist}' ORDER BY m.start_time DESC",
        )
        (current, season_max, best), *_ = rows(
            db,
            "SELECT current_csr, season_max_csr, all_time_max_csr FROM csr_snapshots WHERE"
            f" player_id = '{player_id}' AND playlist_asset_id = '{playlist}'"
            " ORDER BY taken_at DESC LIMIT 1",
        )
        in_season = [csr for csr, season in skill if season == CURRENT_CSR_SEASON]
        # No ranked match in this playlist this season: -1, as the services say.
        assert current == (in_season[0] if in_season else -1)
        assert season_max == max(in_season, default=-1)
        assert best == max(csr for csr, _ in skill)


def csr_coverage(sim: Simulator, db: Path) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """Return the (player, playlist) pairs of the CSR snapshots, and of the stored skill."""
    taken = rows(db, "SELECT DISTINCT player_id, playlist_asset_id FROM csr_snapshots")
    with archive(db) as engine, open_store(engine) as store:
        ranked = {(p, playlist) for p in sim.player_ids for playlist in ranked_playlists(store, p)}
    return set(taken), ranked


def test_csr_snapshots_cover_every_ranked_playlist_of_the_stored_skill(world):
    taken, ranked = csr_coverage(*world)
    assert taken == ranked and len(ranked) > 2


def test_csr_snapshots_wait_for_the_skill_results_that_land_late(tmp_path):
    # Each skill answer comes 0.3 s late: most land after the walks have ended. The
    # snapshots are taken at the run's end, once every lookup has landed, so none is
    # left out, and two syncs of one world take the same snapshots.
    sim = Simulator(SimulatorConfig(seed=11, players=2, matches=40))
    db = tmp_path / "halo.db"
    app = slowed(sim.app, r"/hi/matches/[^/]+/skill", 0.3)
    report = sync(db, sim, *sim.player_ids, app=app, clearance="given")
    assert report.outcome == "ok" and report.enrichment_pending == []
    taken, ranked = csr_coverage(sim, db)
    assert taken == ranked and len(ranked) > 2


def test_asset_popularity_covers_every_asset(world):
    _, db = world
    assets = rows(db, "SELECT count(DISTINCT asset_id) FROM assets")[0][0]
    assert count(db, "asset_stats_snapshots") == assets
    assert rows(db, "SELECT count(*) FROM asset_stats_snapshots WHERE plays_all_time IS NULL") == [
        (0,)
    ]


def test_a_new_asset_costs_one_request_when_its_latest_version_is_the_one_played(tmp_path):
    sim = Simulator(SimulatorConfig(seed=15, players=1, matches=60))
    db, plain = tmp_path / "halo.db", tmp_path / "plain.db"
    sync(db, sim, clearance="given")
    versions = rows(db, "SELECT asset_kind, asset_id, version_id FROM assets")
    latest = {
        asset_id: asset_document(PATHS[kind], asset_id, None)["VersionId"].lower()
        for kind, asset_id, _ in versions
    }
    older = [version for _, asset_id, version in versions if version != latest[asset_id]]
    assert 0 < len(older) < len(versions)  # both cases occur
    # One request per asset (its figures), and one more per older version played.
    assert sim.counts["discovery"] == len(latest) + len(older)
    assert count(db, "asset_stats_snapshots") == len(latest)
    # The names read from a latest version equal those read from the version's own path.
    sync(plain, sim, clearance="given", matches_only=True)
    columns = "asset_id, version_id, asset_kind, public_name, description, tags, map_asset_id"
    named = f"SELECT {columns} FROM assets ORDER BY asset_id, version_id"
    assert rows(db, named) == rows(plain, named)


def test_a_latest_version_that_does_not_parse_still_names_the_asset(tmp_path):
    sim = Simulator(SimulatorConfig(seed=16, players=1, matches=20))
    db = tmp_path / "halo.db"
    broken = failing(sim.app, r"/hi/maps/[0-9a-fA-F-]{36}$", status=200)  # an empty body
    report = sync(db, sim, app=broken, clearance="given")
    maps = [
        asset_id for (asset_id,) in rows(db, "SELECT asset_id FROM assets WHERE asset_kind = 'map'")
    ]
    assert maps and value(db, "SELECT count(*) FROM assets WHERE public_name IS NULL") == 0
    # The figures could not be taken: reported, and asked again by the next run.
    figures = sorted(k for k in report.enrichment_pending if k.startswith("asset_stats:map:"))
    assert figures == sorted(f"asset_stats:map:{asset_id}" for asset_id in set(maps))
    report = sync(db, sim, clearance="given")
    assert report.enrichment_pending == []
    assert value(db, "SELECT count(DISTINCT asset_id) FROM asset_stats_snapshots"
                 " WHERE asset_kind = 'map'") == len(set(maps))  # fmt: skip


def test_a_no_op_sync_asks_for_no_snapshot_and_stores_nothing(world, tmp_path):
    sim, db = world
    copy = snapshot_copy(db, tmp_path)
    before = dump(copy, SNAPSHOT_TABLES)
    sim.reset_counts()
    report = sync(copy, sim, clearance="given")
    assert report.matches_added == 0 and report.enrichment_pending == []
    # Careers move only with play, and popularity was taken less than a day ago.
    assert dict(sim.counts) == {"history": len(sim.player_ids)}
    assert dump(copy, SNAPSHOT_TABLES) == before


def test_a_run_catches_up_the_snapshots_an_earlier_run_left_behind(world, tmp_path):
    # The service records were last asked before the newest archived match began, as
    # when a run stopped before its snapshots, or ran --matches-only after new play.
    sim, db = world
    copy = snapshot_copy(db, tmp_path)
    player = sim.player_ids[0]
    long_ago = "2001-01-01T00:00:00.000Z"
    with sqlite3.connect(copy) as connection:
        connection.execute(f"UPDATE {SR} SET taken_at = ? WHERE player_id = ?", (long_ago, player))
        connection.execute(
            "UPDATE snapshot_checks SET checked_at = ? WHERE kind = 'service_record' AND key = ?",
            (long_ago, player),
        )
    sim.reset_counts()
    report = sync(copy, sim, clearance="given")
    assert report.matches_added == 0 and report.enrichment_pending == []
    # That player's careers are asked again, once per scope; the other's are not.
    scopes = value(copy, f"SELECT count(DISTINCT scope) FROM {SR} WHERE player_id = ?", player)
    assert sim.counts["service_record"] == scopes > 0
    checked = "SELECT checked_at FROM snapshot_checks WHERE kind = 'service_record' AND key = ?"
    assert value(copy, checked, player) > long_ago
    # The answers did not change (no new row), yet the next run knows they are current.
    sim.reset_counts()
    sync(copy, sim, clearance="given")
    assert dict(sim.counts) == {"history": len(sim.player_ids)}


def forget_a_ranked_playlist(db: Path, player: str) -> tuple[str, list[tuple[str, str]]]:
    """Leave ``db`` as if the skill of one of ``player``'s ranked playlists had landed only
    after their snapshots were taken: no skill rows of its matches, no CSR snapshot of it.

    Returns the playlist and its matches' stored skill documents (id, body).
    """
    playlist = value(db, "SELECT min(playlist_asset_id) FROM csr_snapshots WHERE player_id = ?",
                     player)  # fmt: skip
    matches = [mid for (mid,) in rows(
        db, "SELECT DISTINCT s.match_id FROM match_skill AS s JOIN matches AS m USING (match_id)"
        " WHERE s.player_id = ? AND m.playlist_asset_id = ?", player, playlist
    )]  # fmt: skip
    marks = ", ".join("?" for _ in matches)
    documents = [(key, decode(body, encoding)) for key, body, encoding in rows(
        db, f"SELECT key, body, encoding FROM raw_responses WHERE kind = ? AND key IN ({marks})",
        MATCH_SKILL.name, *matches
    )]  # fmt: skip
    with sqlite3.connect(db) as connection:
        connection.execute(f"DELETE FROM match_skill WHERE match_id IN ({marks})", matches)
        connection.execute(
            "DELETE FROM csr_snapshots WHERE player_id = ? AND playlist_asset_id = ?",
            (player, playlist),
        )
    assert playlist and len(documents) == len(matches) > 0
    return playlist, documents


def test_skill_that_lands_after_the_snapshots_has_them_taken_again(world, tmp_path):
    # Several workers: the worker that stored a shared match looks up its skill, which can
    # land after another worker took its player's snapshots, showing a playlist ranked
    # that the CSR snapshots lack. The player's careers are then behind: the next run
    # (any worker's) takes them again, and that playlist's CSR with them.
    sim, db = world
    copy = snapshot_copy(db, tmp_path)
    player = sim.player_ids[0]
    playlist, documents = forget_a_ranked_playlist(copy, player)
    with archive(copy) as engine, open_store(engine) as store:
        assert not service_record_behind(store, player)
        for match_id, body in documents:
            raw = RawDocument(MATCH_SKILL.name, match_id, f"/hi/matches/{match_id}/skill",
                              "2030-01-01T00:00:00.000Z", body)  # fmt: skip
            save_match_skill(store, raw, json.loads(body))
        assert service_record_behind(store, player)
        assert not service_record_behind(store, sim.player_ids[1])
    sim.reset_counts()
    report = sync(copy, sim, clearance="given")
    assert report.matches_added == 0 and report.enrichment_pending == []
    assert sim.counts["csr"] >= 1
    taken = "SELECT count(*) FROM csr_snapshots WHERE player_id = ? AND playlist_asset_id = ?"
    assert value(copy, taken, player, playlist) == 1
    sim.reset_counts()
    sync(copy, sim, clearance="given")
    assert dict(sim.counts) == {"history": len(sim.player_ids)}


def test_skill_that_lands_while_the_snapshots_are_taken_leaves_them_behind(world, tmp_path):
    # The snapshots asked for the CSR of the ranked playlists read at their start; a
    # skill result stored before they are marked current shows one more.
    sim, db = world
    copy = snapshot_copy(db, tmp_path)
    player = sim.player_ids[0]
    asked = "2030-01-01T00:00:00.000Z"
    with archive(copy) as engine, open_store(engine) as store:
        playlists = ranked_playlists(store, player)
        mark_careers_checked(store, player, playlists[1:], asked)
        assert service_record_behind(store, player)
        mark_careers_checked(store, player, playlists, asked)
        assert not service_record_behind(store, player)


def test_new_play_asks_once_per_scope_and_playlist(tmp_path):
    sim = Simulator(SimulatorConfig(seed=11, players=2, matches=50))
    copy = tmp_path / "halo.db"
    sync(copy, sim, *sim.player_ids, clearance="given")
    player = sim.player_ids[0]
    scopes = rows(copy, f"SELECT count(DISTINCT scope) FROM {SR} WHERE player_id = '{player}'")[0][
        0
    ]
    sim.play(player, 1)
    sim.reset_counts()
    sync(copy, sim, player, clearance="given")
    playlists = rows(
        copy,
        f"SELECT count(DISTINCT playlist_asset_id) FROM csr_snapshots WHERE player_id = '{player}'",
    )[0][0]
    assert sim.counts["service_record"] == scopes
    assert sim.counts["csr"] == playlists


def test_matches_only_asks_for_no_snapshot(world, tmp_path):
    sim, db = world
    copy = snapshot_copy(db, tmp_path)
    before = dump(copy, SNAPSHOT_TABLES)
    sim.reset_counts()
    sync(copy, sim, clearance="given", matches_only=True)
    assert dict(sim.counts) == {"history": len(sim.player_ids)}
    assert dump(copy, SNAPSHOT_TABLES) == before


def test_play_between_syncs_adds_one_row_per_real_change(tmp_path):
    sim = Simulator(SimulatorConfig(seed=12, players=2, matches=40))
    db = tmp_path / "halo.db"
    sync(db, sim, *sim.player_ids, clearance="given")
    seen = {key: [doc] for key, doc in sim_documents(sim).items()}
    for player, games in ((0, 4), (1, 3), (0, 6)):
        sim.play(sim.player_ids[player], games)
        sync(db, sim, clearance="given")
        for key, doc in sim_documents(sim).items():
            if doc != seen[key][-1]:
                seen[key].append(doc)
        # One row per distinct document in a row, none for a repeat.
        for (player_id, scope), docs in seen.items():
            stored = rows(
                db,
                f"SELECT matches_completed, kills FROM {SR} WHERE player_id = '{player_id}'"
                f" AND scope = '{scope}' ORDER BY taken_at",
            )
            assert stored == [(d["MatchesCompleted"], d["CoreStats"]["Kills"]) for d in docs]
    assert any(len(docs) > 1 for docs in seen.values())
    assert any(len(docs) == 1 for docs in seen.values())  # local play is rare: unchanged
    csr_rows = rows(
        db, "SELECT player_id, count(*), count(DISTINCT content_hash) FROM csr_snapshots GROUP BY 1"
    )
    assert all(n == distinct for _, n, distinct in csr_rows)


def test_popularity_is_refreshed_once_a_day_and_grows_with_play(tmp_path):
    sim = Simulator(SimulatorConfig(seed=13, players=1, matches=30))
    player = sim.player_ids[0]
    db = tmp_path / "halo.db"
    sync(db, sim, player, clearance="given")
    first = dict(rows(db, "SELECT asset_id, plays_all_time FROM asset_stats_snapshots"))
    new = sim.play(player, 5)
    sync(db, sim, clearance="given")
    # Not a day yet: only assets the new matches brought in are looked at.
    assets = rows(db, "SELECT count(DISTINCT asset_id) FROM assets")[0][0]
    assert count(db, "asset_stats_snapshots") == assets >= len(first)
    # A day later, every asset is asked about once; only those the new matches used changed.
    rows_sql = "UPDATE snapshot_checks SET checked_at = '2000-01-01T00:00:00.000Z'"
    with sqlite3.connect(db) as connection:
        connection.execute(rows_sql + " WHERE kind = 'asset_stats'")
    sim.reset_counts()
    sync(db, sim, clearance="given")
    assert sim.counts["discovery"] == assets
    used: dict[str, int] = {}
    for match_id in new:
        info = sim.stats_document(match_id)["MatchInfo"]
        for ref in ("MapVariant", "UgcGameVariant", "Playlist", "PlaylistMapModePair"):
            if info.get(ref):
                used[info[ref]["AssetId"]] = used.get(info[ref]["AssetId"], 0) + 1
    grown = rows(
        db,
        "SELECT asset_id, max(plays_all_time) - min(plays_all_time) FROM asset_stats_snapshots"
        " GROUP BY asset_id HAVING count(*) > 1",
    )
    assert dict(grown) == {a: n for a, n in used.items() if a in first}


def test_reparse_rebuilds_the_snapshot_tables_exactly(tmp_path):
    sim = Simulator(SimulatorConfig(seed=14, players=2, matches=30))
    db = tmp_path / "halo.db"
    sync(db, sim, *sim.player_ids, clearance="given")
    sim.play(sim.player_ids[0], 5)
    sync(db, sim, clearance="given")
    before = dump(db, SNAPSHOT_TABLES)
    assert count(db, SR) > 8
    _, broken, _ = run_reparse(db)
    assert broken == []
    assert dump(db, SNAPSHOT_TABLES) == before


def test_a_failing_service_record_costs_no_match_and_is_asked_again(tmp_path):
    sim = Simulator(SimulatorConfig(seed=15, players=1, matches=20))
    db = tmp_path / "halo.db"
    app = failing(sim.app, r"/hi/players/[^/]+/[a-z]+/servicerecord")
    report = sync(db, sim, sim.player_ids[0], app=app, clearance="given")
    assert report.outcome == "ok" and count(db, "matches") == 20
    assert count(db, SR) == 0
    assert any(item.startswith("service_record:") for item in report.enrichment_pending)
    report = sync(db, sim, clearance="given")
    assert report.enrichment_pending == [] and count(db, SR) > 0


DASHBOARD = load_metadata()["plugins"]["datasette-dashboards"]["career_over_time"]


@pytest.mark.parametrize("chart", sorted(DASHBOARD["charts"]))
def test_every_snapshot_chart_runs_with_and_without_filters(world, chart):
    sim, db = world
    ds = datasette_for(db)
    assert asyncio.run(ds.client.get("/-/dashboards/career_over_time")).status_code == 200
    sql = DASHBOARD["charts"][chart]["query"]
    gamertag = rows(db, f"SELECT gamertag FROM players WHERE player_id = '{sim.player_ids[0]}'")
    filtered = {"gamertag": gamertag[0][0], "date_from": "2020-01-01", "date_to": "2100-01-01"}
    for options in ({}, filtered):
        query = urllib.parse.urlencode({"sql": replace_opts_in_query(sql, options), **options})
        response = asyncio.run(ds.client.get(f"/halo.json?{query}&_shape=array"))
        assert response.status_code == 200, response.text[:300]
        found = response.json()
        assert found and all(v is not None for v in found[0].values()), (chart, options)


def test_the_snapshot_charts_name_a_seasons_scope_by_the_seasons_name(world):
    _, db = world
    ds = datasette_for(db)
    sql = replace_opts_in_query(DASHBOARD["charts"]["career_matches"]["query"], {})
    query = urllib.parse.urlencode({"sql": sql})
    found = asyncio.run(ds.client.get(f"/halo.json?{query}&_shape=array")).json()
    scopes = {row["series"].split(" · ", 1)[1] for row in found}
    seasons = rows(
        db,
        f"SELECT DISTINCT seasons.name FROM {SR} AS s JOIN seasons USING (season_id)"
        " WHERE seasons.name LIKE 'CSR Season %'",
    )
    assert seasons and scopes == {"matchmade", "custom", "local"} | {
        f"matchmade, {name}" for (name,) in seasons
    }


def test_a_season_only_a_service_record_names_is_looked_up_in_the_calendars(world, tmp_path):
    import json

    from grunt_archive.db import open_archive
    from grunt_archive.documents import SERVICE_RECORD, RawDocument
    from grunt_archive.store import open_store
    from grunt_archive.store.career_snapshots import write_service_record
    from grunt_archive.store.lookups import missing_season_ids
    from grunt_archive.store.writer import query

    _, db = world
    copy = snapshot_copy(db, tmp_path)
    engine = open_archive(copy)
    with open_store(engine) as store:
        with store.unit() as connection:
            kind, key, path, fetched_at, body = query(
                connection,
                "SELECT kind, key, path, fetched_at, raw_body(body, encoding) FROM raw_responses"
                " WHERE kind = ? AND key LIKE '%?%'",
                (SERVICE_RECORD.name,),
            )[0]
            snapshot = SERVICE_RECORD.rows(json.loads(body), key)
            snapshot[SR][0]["season_id"] = "Seasons/Season-Unknown.json"
            later = RawDocument(kind, key, path, fetched_at + "1", body)
            assert write_service_record(connection, snapshot, later)
            assert query(connection, "PRAGMA foreign_key_check") == []
        assert missing_season_ids(store) == ["Seasons/Season-Unknown.json"]
    engine.dispose()
    named = rows(
        db,
        f"SELECT count(*) FROM {SR} AS s JOIN seasons USING (season_id) WHERE s.season_id"
        " IS NOT NULL AND seasons.name IS NOT NULL",
    )
    assert named == rows(db, f"SELECT count(*) FROM {SR} WHERE season_id IS NOT NULL")


def test_a_medal_only_a_service_record_names_costs_no_later_run_a_request(tmp_path, monkeypatch):
    from grunt_archive.simulator.hosts import stats

    def unknown_names(sim, player, lifecycle, filters):
        record = service_record(sim, player, lifecycle, filters)
        core = record["CoreStats"]
        core["Medals"] = [
            *core["Medals"],
            {"NameId": 123, "Count": 1, "TotalPersonalScoreAwarded": 0},
        ]
        return record

    monkeypatch.setattr(stats, "service_record", unknown_names)
    sim = Simulator(SimulatorConfig(seed=8, players=1, matches=30))
    db = tmp_path / "halo.db"
    first = sync(db, sim, *sim.player_ids)
    assert first.enrichment_pending == []
    given_up = rows(db, "SELECT kind, key FROM pending_enrichment WHERE attempts >= ?"
                        " AND kind = 'medal'", MAX_ATTEMPTS)  # fmt: skip
    assert given_up == [("medal", "123")]
    assert rows(db, "SELECT name FROM medals WHERE medal_id = 123") in ([], [(None,)])
    sim.reset_counts()
    second = sync(db, sim)
    assert second.matches_added == 0 and second.enrichment_pending == []
    assert sim.counts.get("gamecms", 0) == 0  # nothing named since: nothing asked again
