"""store: documents into a real migrated archive, one transaction per match.

Every test runs on SQLite and on PostgreSQL (`fresh_archive`; that case is slow).
"""

from __future__ import annotations

import json

import pytest

from grunt_archive.db import open_archive
from grunt_archive.documents import MATCH_STATS, RawDocument
from grunt_archive.errors import MalformedResponseError
from grunt_archive.rawbody import decode
from grunt_archive.reparse import reparse
from grunt_archive.store import open_store
from grunt_archive.store.matches import save_match
from grunt_archive.store.state import mark_pending, track_player
from tests.conftest import FIXTURES, load_json, sample_paths
from tests.helpers import MATCH_TABLES, dump, rows

TABLES = (*MATCH_TABLES, "players")


@pytest.fixture
def engine(fresh_archive):
    # A migrated PostgreSQL archive (the session's template copied): the migrations are
    # test_migrations.py's, and migrating an empty database took ~5 s a test.
    engine = open_archive(fresh_archive)
    yield engine
    engine.dispose()


def raw_for(doc: dict) -> RawDocument:
    return RawDocument(
        MATCH_STATS.name,
        doc["MatchId"],
        f"/hi/matches/{doc['MatchId']}/stats",
        "2026-01-01T00:00:00.000Z",
        json.dumps(doc),
    )


def save(engine, doc: dict) -> str:
    with open_store(engine) as store:
        return save_match(store, raw_for(doc), doc)


def test_save_match_writes_every_table(engine):
    doc = load_json(FIXTURES / "match_2024_ctf_team_switch.json")
    match_id = save(engine, doc)
    assert rows(engine, "SELECT match_id, start_time, duration_seconds FROM matches") == [
        (match_id, "2024-10-02T19:04:11.520Z", 749.1843621)
    ]
    assert rows(engine, "SELECT count(*) FROM match_players") == [(4,)]
    assert rows(engine, "SELECT player_id, is_bot FROM players ORDER BY player_id") == [
        ("bid(58.0)", 1),
        ("xuid(2533274800000001)", 0),
        ("xuid(2533274800000002)", 0),
    ]
    assert rows(engine, "SELECT count(*) FROM capture_the_flag_stats") == [(4,)]
    assert rows(engine, "SELECT count(*) FROM team_capture_the_flag_stats") == [(2,)]
    assert rows(engine, "SELECT kind, key FROM raw_responses") == [("match_stats", match_id)]
    body, encoding = rows(engine, "SELECT body, encoding FROM raw_responses")[0]
    assert encoding == "zlib-dict1" and len(body) < len(json.dumps(doc)) // 6  # deflated
    assert json.loads(decode(body, encoding)) == doc
    if engine.dialect.name == "sqlite":  # the SQL function is SQLite's (the viewer, `query`)
        sql = "SELECT raw_body(body, encoding) FROM raw_responses"
        assert json.loads(rows(engine, sql)[0][0]) == doc
        assert json.loads(rows(engine, "SELECT raw_body(body) FROM raw_responses")[0][0]) == doc


def test_saving_again_replaces_rather_than_duplicates(engine):
    doc = load_json(FIXTURES / "match_2024_ctf_team_switch.json")
    save(engine, doc)
    first = dump(engine, TABLES)
    save(engine, doc)
    assert dump(engine, TABLES) == first
    # A corrected document replaces stale rows: a medal that vanished is gone.
    doc["Players"][0]["PlayerTeamStats"][0]["Stats"]["CoreStats"]["Medals"] = []
    save(engine, doc)
    assert rows(engine, "SELECT count(*) FROM medal_awards") == [(1,)]
    assert rows(engine, "SELECT count(*) FROM raw_responses") == [(1,)]


def test_gamertags_survive_a_resave(engine):
    doc = load_json(FIXTURES / "match_2024_ctf_team_switch.json")
    with open_store(engine) as store:
        track_player(store, "xuid(2533274800000001)", "Chief")
    save(engine, doc)
    assert rows(
        engine, "SELECT gamertag FROM players WHERE player_id = 'xuid(2533274800000001)'"
    ) == [("Chief",)]


def _player_rewrites(engine) -> list[tuple]:
    """Return a token per players row that changes whenever the row is written."""
    if engine.dialect.name == "postgresql":
        return rows(engine, "SELECT player_id, xmin::text FROM players ORDER BY player_id")
    return rows(engine, "SELECT 'written', count(*) FROM player_writes")


def test_a_merge_that_changes_nothing_writes_nothing(engine):
    # Every match merges its players: the tracked player's row must not be written each time.
    doc = load_json(FIXTURES / "match_2024_ctf_team_switch.json")
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE player_writes (player_id TEXT)")
            connection.exec_driver_sql(
                "CREATE TRIGGER player_written AFTER UPDATE ON players"
                " BEGIN INSERT INTO player_writes VALUES (new.player_id); END"
            )
    with open_store(engine) as store:
        track_player(store, "xuid(2533274800000001)", "Chief")
    save(engine, doc)
    before = _player_rewrites(engine)
    save(engine, doc)
    with open_store(engine) as store:
        track_player(store, "xuid(2533274800000001)", None)  # keeps the gamertag
    assert _player_rewrites(engine) == before
    with open_store(engine) as store:
        track_player(store, "xuid(2533274800000001)", "Master Chief")
    assert _player_rewrites(engine) != before
    assert rows(
        engine, "SELECT gamertag FROM players WHERE player_id = 'xuid(2533274800000001)'"
    ) == [("Master Chief",)]


def test_malformed_document_writes_nothing(engine):
    doc = load_json(FIXTURES / "match_2024_ctf_team_switch.json")
    doc["Players"][1]["PlayerTeamStats"][0]["Stats"]["CoreStats"]["Kills"] = {"oops": 1}
    with pytest.raises(MalformedResponseError):
        save(engine, doc)
    assert rows(engine, "SELECT count(*) FROM matches") == [(0,)]
    assert rows(engine, "SELECT count(*) FROM match_players") == [(0,)]
    assert rows(engine, "SELECT count(*) FROM raw_responses") == [(0,)]


def test_unknown_fields_and_blocks_are_recorded_as_drift(engine):
    doc = load_json(FIXTURES / "match_2024_ctf_team_switch.json")
    doc["MatchInfo"]["NewShinyField"] = 3
    doc["Players"][0]["PlayerTeamStats"][0]["Stats"]["GrappleStats"] = {"GrappleKills": 2}
    match_id = save(engine, doc)
    assert rows(
        engine, "SELECT table_name, field, example_match_id FROM api_drift ORDER BY 1, 2"
    ) == [
        ("grapple_stats", "*", match_id),
        ("grapple_stats", "grapple_kills", match_id),
        ("grapple_stats", "match_id", match_id),
        ("grapple_stats", "player_id", match_id),
        ("grapple_stats", "team_id", match_id),
        ("matches", "new_shiny_field", match_id),
    ]
    # The known part is stored all the same.
    assert rows(engine, "SELECT count(*) FROM match_players") == [(4,)]


def test_pending_is_released_when_the_match_arrives(engine):
    doc = load_json(FIXTURES / "match_2022_oddball.json")
    with open_store(engine) as store:
        mark_pending(store, doc["MatchId"], None, None, "404")
        mark_pending(store, doc["MatchId"], None, None, "404 again")
    assert rows(engine, "SELECT attempts, reason FROM pending_matches") == [(2, "404 again")]
    save(engine, doc)
    assert rows(engine, "SELECT count(*) FROM pending_matches") == [(0,)]


def test_reparse_reproduces_the_tables_exactly(engine):
    docs = [
        load_json(FIXTURES / name)
        for name in ("match_2024_ctf_team_switch.json", "match_2022_oddball.json")
    ]
    docs += [load_json(path) for path in sample_paths("*match_stats*.json")]
    for doc in docs:
        save(engine, doc)
    before = dump(engine, TABLES)
    with open_store(engine) as store:
        rebuilt, broken, _ = reparse(store)
    assert (rebuilt, broken) == (len(docs), [])
    assert dump(engine, TABLES) == before
