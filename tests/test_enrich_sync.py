"""Enrichment through the sync, against the simulator in-process: issue 3's "done when"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grunt_archive.db import head_revision, open_archive, upgrade_archive
from grunt_archive.documents import MATCH_STATS, RawDocument
from grunt_archive.enrich import SERVICE_SLOTS
from grunt_archive.errors import AuthError
from grunt_archive.normalize import match_rows
from grunt_archive.runner import run_reparse
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store.lookups import MAX_ATTEMPTS
from grunt_archive.views import VIEWS
from tests.conftest import copy_archive
from tests.helpers import ENRICHED_TABLES, FAST, dump, failing, rows, sync

ASSET_REFS = " UNION ".join(
    f"SELECT {k}_asset_id, {k}_version_id FROM matches WHERE {k}_asset_id IS NOT NULL"
    for k in ("map", "game_variant", "playlist", "map_mode_pair")
)


def requests(sim: Simulator) -> int:
    return sum(n for kind, n in sim.counts.items() if not kind.startswith(("fault", "skill_bot")))


def assert_enriched(db: Path) -> None:
    """Every "done when" of issue 3, on an archive."""
    unnamed_assets = rows(
        db,
        f"SELECT r.* FROM ({ASSET_REFS}) AS r LEFT JOIN assets AS a ON a.asset_id = r.map_asset_id"
        " AND a.version_id = r.map_version_id WHERE coalesce(a.public_name, '') = ''",
    )
    assert unnamed_assets == []
    assert (
        rows(
            db,
            "SELECT DISTINCT medal_id FROM medal_awards WHERE medal_id NOT IN"
            " (SELECT medal_id FROM medals WHERE name IS NOT NULL)",
        )
        == []
    )
    assert rows(db, "SELECT player_id FROM players WHERE gamertag IS NULL") == []
    assert rows(db, "SELECT count(*) FROM players WHERE is_bot != (player_id LIKE 'bid(%')") == [
        (0,)
    ]
    # Every human of every matchmade match has a skill row; no bot ever has one.
    assert (
        rows(
            db,
            "SELECT DISTINCT p.match_id, p.player_id FROM match_players AS p JOIN matches AS m"
            " USING (match_id) WHERE m.lifecycle_mode = 3 AND p.player_type = 1 AND NOT EXISTS"
            " (SELECT 1 FROM match_skill AS s WHERE s.match_id = p.match_id"
            " AND s.player_id = p.player_id)",
        )
        == []
    )
    assert rows(db, "SELECT count(*) FROM match_skill WHERE player_id NOT LIKE 'xuid(%'") == [(0,)]
    assert (
        rows(
            db,
            "SELECT DISTINCT season_id FROM matches WHERE season_id IS NOT NULL"
            " AND season_id NOT IN (SELECT season_id FROM seasons WHERE name IS NOT NULL)",
        )
        == []
    )


@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> tuple[Simulator, Path, object]:
    """One full sync of a three-player world, without a clearance in the tokens."""
    sim = Simulator(SimulatorConfig(seed=4, players=3, matches=80))  # with Bot Bootcamp
    db = tmp_path_factory.mktemp("enrich") / "halo.db"
    report = sync(db, sim, *sim.player_ids, matches_only=True)  # snapshots have their own tests
    return sim, db, report


def test_a_sync_makes_every_id_readable(synced):
    sim, db, report = synced
    assert report.outcome == "ok" and report.enrichment_pending == []
    assert_enriched(db)
    # The world has bots in matchmade matches, and none was sent to the skill service.
    assert rows(
        db,
        "SELECT count(*) > 0 FROM match_players JOIN matches USING (match_id)"
        " WHERE lifecycle_mode = 3 AND player_id LIKE 'bid(%'",
    ) == [(1,)]
    assert sim.counts.get("skill_bot_ids", 0) == 0
    # Each lookup was made once: one document per asset version, one skill request per
    # matchmade match, the clearance once (the tokens had none), medals once, both calendars.
    assert sim.counts["discovery"] == rows(db, "SELECT count(*) FROM assets")[0][0]
    assert (
        sim.counts["skill"]
        == rows(db, "SELECT count(*) FROM matches WHERE lifecycle_mode = 3")[0][0]
    )
    assert sim.counts["clearance"] == 1
    assert sim.counts["gamecms"] == 3
    humans = rows(db, "SELECT count(*) FROM players WHERE is_bot = 0")[0][0]
    assert sim.counts["profile"] == -(-humans // 20)
    assert rows(db, "SELECT count(*) FROM pending_enrichment") == [(0,)]


def test_skill_values_agree_with_the_match_and_nan_infinity_are_kept(synced):
    _, db, _ = synced
    # The simulator's StatPerformances repeat the stats document's kills and deaths.
    assert rows(
        db,
        "SELECT count(*) FROM match_skill AS s WHERE s.result_code = 0 AND s.kills != (SELECT"
        " sum(kills) FROM match_players AS p WHERE p.match_id = s.match_id"
        " AND p.player_id = s.player_id)",
    ) == [(0,)]
    special = rows(db, "SELECT DISTINCT non_finite FROM match_skill WHERE non_finite IS NOT NULL")
    assert {json.loads(text)["team_mmr"] for (text,) in special} == {"NaN", "Infinity"}
    assert rows(
        db, "SELECT count(*) FROM match_skill WHERE non_finite IS NOT NULL AND team_mmr IS NOT NULL"
    ) == [(0,)]
    assert rows(db, "SELECT count(*) FROM match_skill WHERE pre_match_tier = 'Onyx'")[0][0] > 0


def test_views_name_matches_and_medals(synced):
    _, db, _ = synced
    assert rows(
        db, "SELECT count(*) FROM matches_named WHERE map IS NULL OR game_variant IS NULL"
    ) == [(0,)]
    assert rows(db, "SELECT count(*) FROM medal_awards_named WHERE medal IS NULL") == [(0,)]
    # The migration's frozen copy of each view is still what grunt_archive.views declares.
    created = dict(rows(db, "SELECT name, sql FROM sqlite_master WHERE type = 'view'"))
    assert {name: sql.strip() for name, sql in created.items()} == {
        name: sql.strip() for name, sql in VIEWS.items()
    }


def test_a_no_op_resync_makes_no_enrichment_request(synced, tmp_path):
    sim, db, _ = synced
    copy = copy_archive(db, tmp_path / "copy.db")
    before = dump(copy, ENRICHED_TABLES)
    sim.reset_counts()
    report = sync(copy, sim, matches_only=True)
    assert report.matches_added == 0 and report.enrichment_pending == []
    assert dict(sim.counts) == {"history": len(sim.player_ids)}
    assert dump(copy, ENRICHED_TABLES) == before


def test_new_matches_bring_only_their_own_lookups(tmp_path):
    sim = Simulator(SimulatorConfig(seed=21, players=2, matches=40))
    db = tmp_path / "halo.db"
    sync(db, sim, *sim.player_ids, clearance="given-clearance", matches_only=True)
    assert sim.counts.get("clearance", 0) == 0  # the tokens carried one
    known_assets = rows(db, "SELECT count(*) FROM assets")[0][0]
    new = set(sim.play(sim.player_ids[0], 6))
    sim.reset_counts()
    sync(db, sim, clearance="given-clearance", matches_only=True)
    assert_enriched(db)
    matchmade = rows(
        db,
        f"SELECT count(*) FROM matches WHERE lifecycle_mode = 3 AND match_id IN"
        f" ({', '.join(repr(m) for m in new)})",
    )[0][0]
    assert sim.counts.get("skill", 0) == matchmade
    assert (
        sim.counts.get("discovery", 0)
        == rows(db, "SELECT count(*) FROM assets")[0][0] - known_assets
    )
    assert sim.counts.get("gamecms", 0) == 0  # every medal and season was already named


def test_a_lasting_skill_404_leaves_skill_pending_and_the_next_run_fills_it(tmp_path):
    sim = Simulator(
        SimulatorConfig(seed=4, players=1, matches=25, skill_404=FAST.not_found_attempts + 2)
    )
    db = tmp_path / "halo.db"
    report = sync(db, sim, sim.player_ids[0])
    matchmade = {m for (m,) in rows(db, "SELECT match_id FROM matches WHERE lifecycle_mode = 3")}
    # The matches are archived and the run is ok; only skill waits.
    assert report.outcome == "ok" and report.pending == []
    assert len(rows(db, "SELECT * FROM matches")) == 25
    assert rows(db, "SELECT count(*) FROM match_skill") == [(0,)]
    assert set(report.enrichment_pending) == {f"match_skill:{m}" for m in matchmade}
    assert rows(db, "SELECT DISTINCT kind, attempts FROM pending_enrichment") == [
        ("match_skill", 1)
    ]
    assert "404" in rows(db, "SELECT reason FROM pending_enrichment LIMIT 1")[0][0]
    assert rows(db, "SELECT count(*) FROM assets")[0][0] > 0  # the rest of enrichment went on
    # The next run retries the pending skill first, and the service has it by now.
    sim.reset_counts()
    report = sync(db, sim)
    assert report.enrichment_pending == [] and report.matches_added == 0
    assert sim.counts["stats"] == 0 and sim.counts["skill"] >= len(matchmade)
    assert rows(db, "SELECT count(*) FROM pending_enrichment") == [(0,)]
    assert_enriched(db)


def test_a_failing_service_loses_no_match_and_is_not_hammered(tmp_path):
    sim = Simulator(SimulatorConfig(seed=5, players=1, matches=30))
    db = tmp_path / "halo.db"
    app = failing(sim.app, r"/hi/(maps|ugcGameVariants|playlists|mapModePairs)/")
    sim_requests_before = requests(sim)
    report = sync(db, sim, sim.player_ids[0], app=app)
    assert report.outcome == "ok" and len(rows(db, "SELECT * FROM matches")) == 30
    assert rows(db, "SELECT count(*) FROM assets WHERE fetched_at IS NOT NULL") == [(0,)]
    pending = rows(db, "SELECT key, attempts FROM pending_enrichment WHERE kind = 'asset'")
    # Once the service had failed, the lookups still waiting were not even tried.
    tried = sum(attempts for _, attempts in pending)
    assert 1 <= tried <= SERVICE_SLOTS < len(pending)
    assert requests(sim) - sim_requests_before < 200
    assert rows(db, "SELECT count(*) FROM match_skill")[0][0] > 0  # skill did not wait for it
    report = sync(db, sim)  # the service is back
    assert report.enrichment_pending == []
    assert_enriched(db)


def test_lookups_the_service_always_fails_on_stop_no_later_runs_lookups(tmp_path):
    """Retried first and together, two lookups failing again take no service down."""
    sim = Simulator(SimulatorConfig(seed=5, players=1, matches=30))
    player = sim.player_ids[0]
    matchmade = [
        m for m in sim.history(player) if sim.stats_document(m)["MatchInfo"]["LifecycleMode"] == 3
    ]
    bad = matchmade[:2]
    db = tmp_path / "halo.db"
    app = failing(sim.app, rf"/hi/matches/({'|'.join(bad)})/skill")
    sync(db, sim, player, app=app)
    new = sim.play(player, 6)
    report = sync(db, sim, player, app=app)
    assert sorted(report.enrichment_pending) == sorted(f"match_skill:{m}" for m in bad)
    with_skill = {m for (m,) in rows(db, "SELECT DISTINCT match_id FROM match_skill")}
    matchmade = {m for (m,) in rows(db, "SELECT match_id FROM matches WHERE lifecycle_mode = 3")}
    assert with_skill == matchmade - set(bad)
    assert matchmade & set(new), "no new matchmade match to look the skill of up"


def test_a_token_refused_to_a_lookup_nobody_waits_for_still_ends_the_run(tmp_path):
    # Asset lookups run on while the sync fetches further matches: their 401 must not be lost.
    # More matches than the walk launches ahead of the first page's end (LOOKAHEAD_PAGES).
    sim = Simulator(SimulatorConfig(seed=5, players=1, matches=200))
    db = tmp_path / "halo.db"
    app = failing(sim.app, r"/hi/(maps|ugcGameVariants|playlists|mapModePairs)/", status=401)
    with pytest.raises(AuthError):
        sync(db, sim, sim.player_ids[0], app=app)
    assert rows(db, "SELECT outcome FROM sync_runs") == [("failed",)]
    # Raised at the next match, not only at the end: the run stops short of the history.
    assert 0 < rows(db, "SELECT count(*) FROM matches")[0][0] < 200
    report = sync(db, sim)  # the token is good again
    assert report.outcome == "ok" and len(rows(db, "SELECT * FROM matches")) == 200
    assert_enriched(db)


def test_pending_lookups_are_given_up_after_max_attempts(tmp_path):
    sim = Simulator(SimulatorConfig(seed=6, players=1, matches=5))
    db = tmp_path / "halo.db"
    app = failing(sim.app, r"/hi/matches/[^/]+/skill")
    runs = 0
    while sync(db, sim, sim.player_ids[0], app=app).enrichment_pending:
        runs += 1
        assert runs < 3 * MAX_ATTEMPTS  # a lookup not tried (its service was down) does not count
    assert runs >= MAX_ATTEMPTS - 1
    sim.reset_counts()
    report = sync(db, sim, app=app, matches_only=True)
    assert report.enrichment_pending == [] and dict(sim.counts) == {"history": 1}
    assert rows(db, "SELECT DISTINCT attempts FROM pending_enrichment") == [(MAX_ATTEMPTS,)]


def test_reparse_reproduces_every_table_including_enrichment(synced, tmp_path):
    _, db, _ = synced
    copy = copy_archive(db, tmp_path / "copy.db")
    before = dump(copy, ENRICHED_TABLES)
    rebuilt, broken, _ = run_reparse(copy)
    assert broken == [] and rebuilt == len(before["matches"])
    assert dump(copy, ENRICHED_TABLES) == before


def test_an_archive_at_0001_upgrades_keeps_its_rows_and_is_enriched_next_sync(tmp_path):
    sim = Simulator(SimulatorConfig(seed=7, players=1, matches=20))
    player = sim.player_ids[0]
    db = tmp_path / "old.db"
    engine = open_archive(db, upgrade=False)
    upgrade_archive(engine, "0001")
    with engine.connect() as connection, connection.begin():
        for match_id in sim.history(player):
            doc = sim.stats_document(match_id)
            raw = RawDocument(
                MATCH_STATS.name, match_id, "/stats", "2025-01-01T00:00:00.000Z", "{}"
            )
            # Rows as a 0001 grunt-archive wrote them: no career tables, no asset rows.
            written = match_rows(doc)
            for table in ("players", "matches", *written):
                for row in written.pop(table, []):
                    row.pop("free_for_all", None)  # decided at write time since 0033
                    row.pop("player_count", None)  # counted at write time since 0034
                    connection.exec_driver_sql(
                        f"INSERT OR IGNORE INTO {table} ({', '.join(row)})"
                        f" VALUES ({', '.join('?' for _ in row)})",
                        tuple(row.values()),
                    )
            # As 0001 kept it: the body as text, no `encoding` column yet.
            connection.exec_driver_sql(
                "INSERT INTO raw_responses (kind, key, path, fetched_at, body)"
                " VALUES (?, ?, ?, ?, ?)",
                (raw.kind, raw.key, raw.path, raw.fetched_at, raw.body),
            )
        connection.exec_driver_sql(
            "UPDATE players SET gamertag = 'Old Tag' WHERE player_id = ?", (player,)
        )
    engine.dispose()
    old = {
        t: rows(db, f"SELECT count(*) FROM {t}")[0][0]
        for t in ("matches", "match_players", "medal_awards")
    }
    assert rows(db, "SELECT version_num FROM alembic_version") == [("0001",)]

    open_archive(db).dispose()  # what every command does first
    assert rows(db, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
    assert {t: rows(db, f"SELECT count(*) FROM {t}")[0][0] for t in old} == old
    assert rows(
        db, f"SELECT gamertag, gamertag_updated_at FROM players WHERE player_id = '{player}'"
    ) == [("Old Tag", None)]
    for table in ("match_skill", "pending_enrichment"):
        assert rows(db, f"SELECT count(*) FROM {table}") == [(0,)]
    # Each reference got its row (0007, 0008), none looked up yet.
    assert rows(db, "SELECT count(*) FROM seasons WHERE name IS NOT NULL") == [(0,)]
    assert rows(db, "SELECT count(*) FROM assets WHERE fetched_at IS NOT NULL") == [(0,)]
    assert rows(db, "SELECT count(*) > 0 FROM assets") == [(1,)]
    assert rows(db, "SELECT count(*) FROM medals WHERE name IS NOT NULL") == [(0,)]
    assert rows(db, "PRAGMA foreign_key_check") == []

    # The next sync fetches no match again but looks up everything the old ones refer to.
    report = sync(db, sim, player)
    assert report.matches_added == 0 and sim.counts.get("stats", 0) == 0
    assert_enriched(db)
    # Tracking the player put the matches already archived into the career tables.
    assert rows(
        db,
        f"SELECT count(*), count(map), count(DISTINCT gamertag) FROM player_matches"
        f" WHERE player_id = '{player}'",
    ) == [(old["matches"], old["matches"], 1)]
