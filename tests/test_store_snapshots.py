"""store_snapshots: the no-duplicate rule, drift, and what the snapshot step asks about."""

from __future__ import annotations

import copy
import json

from grunt_archive import store
from grunt_archive import store_enrich as enrich
from grunt_archive import store_snapshots as db
from grunt_archive.reparse import reparse
from tests.conftest import FIXTURES, load_json
from tests.helpers import MATCH, MATCH_DOC, P1, P2, raw, rows, run

RECORD = load_json(FIXTURES / "service_record_custom_small.json")
CSR = load_json(FIXTURES / "playlist_csr_two_players.json")


def at(minute: int) -> str:
    return f"2026-01-01T00:{minute:02d}:00.000Z"


def save_record(engine, doc, minute: int) -> bool:
    key = db.service_record_key(P1, "custom")
    document = raw(db.SERVICE_RECORD, key, doc, at(minute))
    return run(engine, db.save_service_record, document, doc, P1, "custom")


def test_an_unchanged_service_record_is_stored_once_and_a_change_again(engine):
    run(engine, store.track_player, P1)
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
    before = {t: rows(engine, f"SELECT * FROM {t} ORDER BY 1, 2, 3") for t in db.REBUILT_TABLES}
    reparse(engine)
    assert {t: rows(engine, f"SELECT * FROM {t} ORDER BY 1, 2, 3") for t in db.REBUILT_TABLES} == (
        before
    )


def test_csr_rows_are_compared_per_player(engine):
    for player in (P1, P2):
        run(engine, store.track_player, player)
    key = db.csr_key(P1, "p")
    assert run(engine, db.save_csr, raw(db.PLAYLIST_CSR, key, CSR, at(1)), CSR, "p") is True
    assert run(engine, db.save_csr, raw(db.PLAYLIST_CSR, key, CSR, at(2)), CSR, "p") is False
    changed = copy.deepcopy(CSR)
    changed["Value"][0]["Result"]["Current"]["Value"] = 1240
    assert run(engine, db.save_csr, raw(db.PLAYLIST_CSR, key, changed, at(3)), changed, "p")
    assert rows(
        engine, "SELECT player_id, taken_at, current_csr FROM csr_snapshots ORDER BY 1, 2"
    ) == [(P1, at(1), 1234), (P1, at(3), 1240), (P2, at(1), None)]


def test_ranked_playlists_are_those_whose_skill_named_a_tier(engine):
    doc = load_json(FIXTURES / MATCH_DOC)
    document = store.RawDocument(store.MATCH_STATS, MATCH, "/stats", at(0), json.dumps(doc))
    run(engine, store.save_match, document, doc)
    playlist = rows(engine, "SELECT playlist_asset_id FROM matches")[0][0]
    assert playlist
    unranked = {"Value": -1, "Tier": "", "MeasurementMatchesRemaining": 0}
    ranked = {"Value": 1200, "Tier": "Diamond", "MeasurementMatchesRemaining": 0}
    placement = {"Value": -1, "Tier": "", "MeasurementMatchesRemaining": 3}
    for player, csr in ((P1, unranked), (P2, {"Value": 0, "Tier": ""})):
        skill = {"Value": [{"Id": player, "ResultCode": 0, "Result": {
            "RankRecap": {"PreMatchCsr": csr, "PostMatchCsr": csr}}}]}  # fmt: skip
        run(engine, enrich.save_match_skill, raw("match_skill", MATCH, skill), skill, MATCH)
        assert run(engine, db.ranked_playlists, player) == []
    for csr in (ranked, placement):
        skill = {"Value": [{"Id": P1, "ResultCode": 0, "Result": {
            "RankRecap": {"PreMatchCsr": unranked, "PostMatchCsr": csr}}}]}  # fmt: skip
        run(engine, enrich.save_match_skill, raw("match_skill", MATCH, skill), skill, MATCH)
        assert run(engine, db.ranked_playlists, P1) == [playlist]
