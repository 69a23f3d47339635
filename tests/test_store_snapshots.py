"""store.career_snapshots: the no-duplicate rule, drift, and what the snapshot step asks about."""

from __future__ import annotations

import copy
import json

from grunt_archive.documents import (
    MATCH_SKILL,
    MATCH_STATS,
    PLAYLIST_CSR,
    SERVICE_RECORD,
    RawDocument,
)
from grunt_archive.reparse import reparse
from grunt_archive.store import career_snapshots, lookups
from grunt_archive.store.matches import save_match
from grunt_archive.store.rebuild import cleared_tables
from grunt_archive.store.state import track_player
from tests.conftest import FIXTURES, load_json
from tests.helpers import MATCH, MATCH_DOC, P1, P2, raw, rows, run

RECORD = load_json(FIXTURES / "service_record_custom_small.json")
CSR = load_json(FIXTURES / "playlist_csr_two_players.json")


def at(minute: int) -> str:
    return f"2026-01-01T00:{minute:02d}:00.000Z"


def save_record(engine, doc, minute: int) -> bool:
    key = SERVICE_RECORD.key_of(P1, "custom")
    document = raw(SERVICE_RECORD, key, doc, at(minute))
    return run(engine, career_snapshots.save_snapshot, document, doc)


def test_an_unchanged_service_record_is_stored_once_and_a_change_again(engine):
    run(engine, track_player, P1)
    assert save_record(engine, RECORD, 1) is True
    assert save_record(engine, copy.deepcopy(RECORD), 2) is False
    changed = copy.deepcopy(RECORD)
    changed["Wins"] += 1
    assert save_record(engine, changed, 3) is True
    assert save_record(engine, changed, 4) is False
    assert rows(engine, "SELECT taken_at, wins FROM service_record_snapshots") == [
        (at(1), 7),
        (at(3), 8),
    ]
    assert rows(engine, "SELECT count(*) FROM service_record_medals") == [(4,)]
    assert rows(engine, "SELECT count(*) FROM raw_responses WHERE kind = 'service_record'") == [
        (2,)
    ]
    assert rows(engine, "SELECT checked_at FROM snapshot_checks") == [(at(4),)]
    # Fields and blocks the schema lacks are drift, not failures.
    drift = rows(engine, "SELECT table_name, field FROM api_drift ORDER BY 1, 2")
    assert ("service_record_snapshots", "future_counter") in drift
    assert ("service_record_future_mode_stats", "*") in drift
    # Reparse replays the kept documents into exactly the same rows.
    snapshot_tables = [t for t in cleared_tables() if SERVICE_RECORD.writes(t)]
    before = {t: rows(engine, f"SELECT * FROM {t} ORDER BY 1, 2, 3") for t in snapshot_tables}
    run(engine, reparse)
    after = {t: rows(engine, f"SELECT * FROM {t} ORDER BY 1, 2, 3") for t in snapshot_tables}
    assert after == before and before["service_record_snapshots"]


def test_csr_rows_are_compared_per_player(engine):
    for player in (P1, P2):
        run(engine, track_player, player)
    key = PLAYLIST_CSR.key_of(P1, "p")
    save = career_snapshots.save_snapshot
    assert run(engine, save, raw(PLAYLIST_CSR, key, CSR, at(1)), CSR) is True
    assert run(engine, save, raw(PLAYLIST_CSR, key, CSR, at(2)), CSR) is False
    changed = copy.deepcopy(CSR)
    changed["Value"][0]["Result"]["Current"]["Value"] = 1240
    assert run(engine, save, raw(PLAYLIST_CSR, key, changed, at(3)), changed)
    assert rows(
        engine, "SELECT player_id, taken_at, current_csr FROM csr_snapshots ORDER BY 1, 2"
    ) == [(P1, at(1), 1234), (P1, at(3), 1240), (P2, at(1), None)]


def test_ranked_playlists_are_those_whose_skill_named_a_tier(engine):
    doc = load_json(FIXTURES / MATCH_DOC)
    document = RawDocument(MATCH_STATS.name, MATCH, "/stats", at(0), json.dumps(doc))
    run(engine, save_match, document, doc)
    playlist = rows(engine, "SELECT playlist_asset_id FROM matches")[0][0]
    assert playlist
    unranked = {"Value": -1, "Tier": "", "MeasurementMatchesRemaining": 0}
    ranked = {"Value": 1200, "Tier": "Diamond", "MeasurementMatchesRemaining": 0}
    placement = {"Value": -1, "Tier": "", "MeasurementMatchesRemaining": 3}
    for player, csr in ((P1, unranked), (P2, {"Value": 0, "Tier": ""})):
        skill = {"Value": [{"Id": player, "ResultCode": 0, "Result": {
            "RankRecap": {"PreMatchCsr": csr, "PostMatchCsr": csr}}}]}  # fmt: skip
        run(engine, lookups.save_match_skill, raw(MATCH_SKILL, MATCH, skill), skill)
        assert run(engine, career_snapshots.ranked_playlists, player) == []
    for csr in (ranked, placement):
        skill = {"Value": [{"Id": P1, "ResultCode": 0, "Result": {
            "RankRecap": {"PreMatchCsr": unranked, "PostMatchCsr": csr}}}]}  # fmt: skip
        run(engine, lookups.save_match_skill, raw(MATCH_SKILL, MATCH, skill), skill)
        assert run(engine, career_snapshots.ranked_playlists, P1) == [playlist]
