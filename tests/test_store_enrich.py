"""store.lookups: enrichment documents into a real migrated archive, and reparse of them."""

from __future__ import annotations

import json

import pytest

from grunt_archive.documents import (
    ASSET,
    MATCH_SKILL,
    MATCH_STATS,
    MEDAL_METADATA,
    PROFILE_USERS,
    SEASON_CALENDAR,
)
from grunt_archive.errors import MalformedResponseError
from grunt_archive.reparse import reparse
from grunt_archive.store import lookups
from grunt_archive.store.matches import save_match
from grunt_archive.store.raw import save_raw
from tests.conftest import FIXTURES, load_json, sample_paths
from tests.helpers import ENRICHED_TABLES, MATCH, MATCH_DOC, P1, P2, WHEN, dump, raw, rows, run

PAIR = (
    "map_mode_pair",
    "a0000000-0000-4000-8000-000000000007",
    "b0000000-0000-4000-8000-000000000007",
)


@pytest.fixture
def archived(engine):
    doc = load_json(FIXTURES / MATCH_DOC)
    run(engine, save_match, raw(MATCH_STATS, MATCH, doc), doc)
    return engine


def skill_doc() -> dict:
    doc = load_json(FIXTURES / "skill_nan_infinity_result_codes.json")
    doc["Value"] = doc["Value"][:2]  # the two humans of the match fixture
    return doc


def test_skill_with_nan_and_infinity_is_stored(archived):
    assert run(archived, lookups.missing_skill) == [MATCH]
    assert run(archived, lookups.skill_players, MATCH) == [P1, P2]  # never the bot
    run(archived, lookups.save_match_skill, raw(MATCH_SKILL, MATCH, skill_doc()), skill_doc())
    found = rows(
        archived,
        "SELECT player_id, result_code, team_mmr, typeof(team_mmr), non_finite, post_match_csr"
        " FROM match_skill ORDER BY player_id",
    )
    assert found[0][:4] == (P1, 0, None, "null")
    assert json.loads(found[0][4])["team_mmr"] == "NaN" and found[0][5] == 1199
    assert found[1] == (P2, 2, 1202.5, "real", None, -1)
    assert run(archived, lookups.missing_skill) == []
    assert not run(archived, lookups.needs_skill, MATCH)
    # Saving again replaces, and so does re-saving the match: skill is its own document.
    run(archived, lookups.save_match_skill, raw(MATCH_SKILL, MATCH, skill_doc()), skill_doc())
    doc = load_json(FIXTURES / MATCH_DOC)
    run(archived, save_match, raw(MATCH_STATS, MATCH, doc), doc)
    assert rows(archived, "SELECT count(*) FROM match_skill") == [(2,)]
    assert rows(archived, "SELECT count(*) FROM raw_responses WHERE kind = 'match_skill'") == [(1,)]


def test_skill_naming_a_player_the_match_lacks_writes_nothing(archived):
    doc = load_json(FIXTURES / "skill_nan_infinity_result_codes.json")  # lists xuid(…0003)
    with pytest.raises(MalformedResponseError, match="names a player"):
        run(archived, lookups.save_match_skill, raw(MATCH_SKILL, MATCH, doc), doc)
    assert rows(archived, "SELECT count(*) FROM match_skill") == [(0,)]
    assert rows(archived, "SELECT count(*) FROM raw_responses WHERE kind = 'match_skill'") == [(0,)]


def test_assets_are_saved_once_and_release_their_pending_row(archived):
    refs = run(archived, lookups.missing_assets)
    assert len(refs) == 4 and PAIR in refs
    assert run(archived, lookups.missing_assets, MATCH) == refs
    key = ASSET.key_of(*PAIR)
    run(archived, lookups.mark_pending, ASSET.name, key, "HTTP 404")
    doc = load_json(FIXTURES / "asset_map_mode_pair.json")
    run(archived, lookups.save_asset, raw(ASSET, key, doc), doc)
    assert PAIR not in run(archived, lookups.missing_assets)
    # The match's other references keep their rows, waiting for their lookups.
    assert rows(
        archived,
        "SELECT asset_kind, public_name, fetched_at FROM assets WHERE fetched_at IS NOT NULL",
    ) == [("map_mode_pair", "Fixture:CTF on Fixture Map", WHEN)]
    assert sorted(rows(archived, "SELECT asset_kind FROM assets WHERE fetched_at IS NULL")) == [
        ("game_variant",),
        ("map",),
        ("playlist",),
    ]
    assert rows(archived, "SELECT count(*) FROM pending_enrichment") == [(0,)]
    assert rows(archived, "SELECT map_mode_pair FROM matches_named") == [
        ("Fixture:CTF on Fixture Map",)
    ]


def test_medals_seasons_and_what_stays_missing(archived):
    assert run(archived, lookups.missing_medal_ids) == [1512363953, 2123530881]
    doc = load_json(FIXTURES / "medal_metadata_small.json")
    doc["medals"] = doc["medals"][:1]  # Reversal only
    run(archived, lookups.save_medals, raw(MEDAL_METADATA, "m", doc), doc)
    assert run(archived, lookups.missing_medal_ids) == [1512363953]
    # An id the metadata lacks is given up on until a later metadata names it.
    run(
        archived,
        lookups.mark_pending,
        lookups.MEDAL,
        "1512363953",
        "not in the metadata",
        give_up=True,
    )
    assert run(archived, lookups.missing_medal_ids) == []
    assert run(archived, lookups.pending_items) == []
    full = load_json(FIXTURES / "medal_metadata_small.json")
    run(archived, lookups.save_medals, raw(MEDAL_METADATA, "m", full), full)
    assert rows(archived, "SELECT count(*) FROM pending_enrichment") == [(0,)]
    assert rows(
        archived, "SELECT DISTINCT medal, difficulty FROM medal_awards_named ORDER BY 1"
    ) == [("Perfect", "heroic"), ("Reversal", "normal")]

    assert run(archived, lookups.missing_season_ids) == ["Csr/Seasons/CsrSeason9-1.json"]
    csr = load_json(FIXTURES / "csr_season_calendar_small.json")
    run(archived, lookups.save_seasons, raw(SEASON_CALENDAR, "csr", csr), csr)
    assert run(archived, lookups.missing_season_ids) == []
    assert rows(archived, "SELECT season FROM matches_named") == [("CSR Season 9-1",)]


LATER = "2026-02-01T00:00:00.000Z"


def test_a_player_who_played_this_run_is_asked_again_after_a_day(archived):
    users = load_json(FIXTURES / "profile_users.json")[:1]
    run(archived, lookups.save_gamertags, raw(PROFILE_USERS, "1,2", users), users, [P1, P2])
    # Looked up at WHEN; P1 played this run: asked once that lookup is a day old ...
    assert run(archived, lookups.stale_gamertags, WHEN, [P1], LATER) == [P1]
    # ... and not before (a timer every hour asks once a day), nor anyone who did not play.
    assert run(archived, lookups.stale_gamertags, WHEN, [P1], WHEN) == []
    assert run(archived, lookups.stale_gamertags, WHEN, [], LATER) == []
    # The month-old rule still names everyone.
    assert run(archived, lookups.stale_gamertags, LATER, [P1], WHEN) == [P1, P2]


def test_gamertags_and_bots(archived):
    assert run(archived, lookups.stale_gamertags, WHEN) == [P1, P2]
    users = load_json(FIXTURES / "profile_users.json")[:1]
    run(archived, lookups.save_gamertags, raw(PROFILE_USERS, "1,2", users), users, [P1, P2])
    assert rows(
        archived, "SELECT player_id, gamertag, gamertag_updated_at FROM players ORDER BY 1"
    ) == [
        ("bid(58.0)", None, None),
        (P1, "Fixture Chief", WHEN),
        (P2, None, WHEN),  # asked and unknown: not asked again until stale
    ]
    assert run(archived, lookups.stale_gamertags, WHEN) == []
    assert run(archived, lookups.stale_gamertags, LATER) == [P1, P2]
    assert run(archived, lookups.unnamed_bots) == ["bid(58.0)"]
    run(archived, lookups.name_bots, {"bid(58.0)": "343 Forge Lord"})
    assert rows(archived, "SELECT gamertag, is_bot FROM players WHERE player_id = 'bid(58.0)'") == [
        ("343 Forge Lord", 1)
    ]
    # A re-saved match keeps every name.
    doc = load_json(FIXTURES / MATCH_DOC)
    run(archived, save_match, raw(MATCH_STATS, MATCH, doc), doc)
    assert rows(archived, "SELECT count(gamertag) FROM players") == [(2,)]


def test_pending_attempts_and_giving_up(archived):
    for _ in range(lookups.MAX_ATTEMPTS - 1):
        run(archived, lookups.mark_pending, MATCH_SKILL.name, MATCH, "HTTP 404")
    run(archived, lookups.mark_pending, MATCH_SKILL.name, MATCH, "not tried", tried=False)
    assert run(archived, lookups.pending_items) == [f"match_skill:{MATCH}"]
    assert run(archived, lookups.missing_skill) == [MATCH]
    run(archived, lookups.mark_pending, MATCH_SKILL.name, MATCH, "HTTP 404")
    assert rows(archived, "SELECT attempts, reason FROM pending_enrichment") == [
        (lookups.MAX_ATTEMPTS, "HTTP 404")
    ]
    assert run(archived, lookups.given_up, MATCH_SKILL.name, MATCH)
    assert run(archived, lookups.missing_skill) == [] and run(archived, lookups.pending_items) == []


def test_reparse_reproduces_the_enrichment_tables_exactly(archived):
    skill = skill_doc()
    run(archived, lookups.save_match_skill, raw(MATCH_SKILL, MATCH, skill), skill)
    pair = load_json(FIXTURES / "asset_map_mode_pair.json")
    run(archived, lookups.save_asset, raw(ASSET, ASSET.key_of(*PAIR), pair), pair)
    small = load_json(FIXTURES / "medal_metadata_small.json")
    run(archived, lookups.save_medals, raw(MEDAL_METADATA, "m", small), small)
    for name in ("season_calendar_small.json", "csr_season_calendar_small.json"):
        calendar = load_json(FIXTURES / name)
        run(archived, lookups.save_seasons, raw(SEASON_CALENDAR, name, calendar), calendar)
    for path in sample_paths("spnkr__get_medal_metadata.json") + sample_paths(
        "spnkr__get_*season_calendar.json"
    ):
        doc = load_json(path)
        kind = MEDAL_METADATA if "medal" in path.name else SEASON_CALENDAR
        save = lookups.save_medals if kind == MEDAL_METADATA else lookups.save_seasons
        run(archived, save, raw(kind, path.name, doc, "2026-01-02T00:00:00.000Z"), doc)
    before = dump(archived, ENRICHED_TABLES)
    assert all(before[t] for t in ("assets", "medals", "match_skill", "seasons"))
    assert run(archived, reparse) == (1, [], [])
    assert dump(archived, ENRICHED_TABLES) == before


def test_reparse_reports_a_broken_enrichment_document(archived):
    run(archived, save_raw, raw(MATCH_SKILL, MATCH, {"Value": "broken"}))
    run(archived, save_raw, raw(ASSET, "film:x:y", {}))
    assert run(archived, reparse) == (1, [f"match_skill:{MATCH}", "asset:film:x:y"], [])
    assert rows(archived, "SELECT count(*) FROM match_skill") == [(0,)]
