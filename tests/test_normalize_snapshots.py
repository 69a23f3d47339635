"""Normalizers of the career snapshot documents: service records, playlist CSR, AssetStats."""

from __future__ import annotations

import copy
import json

import pytest

from grunt_archive.errors import MalformedResponseError
from grunt_archive.normalize.asset_stats import asset_stats_rows
from grunt_archive.normalize.csr import csr_rows
from grunt_archive.normalize.service_record import (
    parse_scope,
    scope_columns,
    scope_key,
    service_record_rows,
)
from grunt_archive.store.career_snapshots import content_hash
from tests.conftest import FIXTURES, load_json, sample_paths

PLAYER = "xuid(2533274800000001)"
SEASON = "Csr/Seasons/CsrSeason9-1.json"


def unchanged(function, doc, *args):
    """Call a normalizer and check it left its document alone."""
    before = copy.deepcopy(doc)
    result = function(doc, *args)
    assert doc == before
    return result


def sample(name: str):
    paths = sample_paths(name)
    if not paths:
        pytest.skip("../shared/halo-samples is not here")
    return load_json(paths[0])


# --- scopes ------------------------------------------------------------------------


def test_scope_keys_are_canonical_and_round_trip():
    assert scope_key("Matchmade") == "matchmade"
    key = scope_key("matchmade", {"SeasonId": SEASON, "isRanked": "true"})
    assert key == f"matchmade?isranked=true&seasonid={SEASON}"
    assert parse_scope(key) == ("matchmade", {"isranked": "true", "seasonid": SEASON})
    columns = scope_columns(key)
    assert columns["season_id"] == SEASON and columns["is_ranked"] is True
    assert columns["lifecycle"] == "matchmade" and columns["playlist_asset_id"] is None
    assert (
        scope_columns(scope_key("matchmade", {"gamevariantcategory": "11"}))[
            "game_variant_category"
        ]
        == 11
    )


@pytest.mark.parametrize(
    ("lifecycle", "filters"),
    [("ranked", {}), ("custom", {"seasonid": SEASON}), ("matchmade", {"map": "x"})],
)
def test_bad_scopes_are_refused(lifecycle, filters):
    with pytest.raises(ValueError):
        scope_key(lifecycle, filters)


# --- service records ---------------------------------------------------------------


def test_real_service_record_keeps_the_services_own_names():
    doc = sample("spnkr__get_service_record.json")
    scope = scope_key("matchmade", {"seasonid": SEASON})
    rows = unchanged(service_record_rows, doc, PLAYER, scope)
    (main,) = rows["service_record_snapshots"]
    assert main["player_id"] == PLAYER and main["scope"] == scope
    assert main["season_id"] == SEASON and main["lifecycle"] == "matchmade"
    assert (main["matches_completed"], main["wins"], main["losses"], main["ties"]) == (
        2664,
        1405,
        1219,
        38,
    )
    assert main["time_played_seconds"] == pytest.approx(
        17 * 86400 + 10 * 3600 + 55 * 60 + 53.7685509
    )
    assert main["average_kda"] == doc["CoreStats"]["AverageKDA"]
    assert main["kills"] == 42197 and main["spawns"] == doc["CoreStats"]["Spawns"]
    assert json.loads(main["subqueries"]) == doc["Subqueries"]
    (zones,) = rows["service_record_zones_stats"]
    assert zones["zone_captures"] == 2786 and zones["zone_scoring_ticks"] == 14367
    assert zones["total_zone_occupation_time_seconds"] == pytest.approx(12 * 3600 + 32 * 60 + 9.3)
    assert "stronghold_captures" not in zones
    (pvp,) = rows["service_record_pvp_stats"]
    assert pvp == {"player_id": PLAYER, "scope": scope, "kills": 10098, "deaths": 7072,
                   "assists": 4038}  # fmt: skip
    assert "lives_remaining" not in rows["service_record_elimination_stats"][0]
    medals = {m["medal_id"]: m["count"] for m in rows["service_record_medals"]}
    assert medals[622331684] == 3858
    assert sum(medals.values()) == sum(m["Count"] for m in doc["CoreStats"]["Medals"])


def test_real_empty_service_record():
    doc = sample("spnkr__get_service_record_empty.json")
    rows = unchanged(service_record_rows, doc, PLAYER, "local")
    (main,) = rows["service_record_snapshots"]
    assert main["matches_completed"] == 0 and main["time_played_seconds"] == 0.0
    assert main["lifecycle"] == "local" and main["season_id"] is None
    assert rows["service_record_medals"] == []
    assert set(rows) == {"service_record_snapshots", "service_record_medals"}


def test_own_service_record_fixture_with_unknown_fields():
    doc = load_json(FIXTURES / "service_record_custom_small.json")
    rows = unchanged(service_record_rows, doc, PLAYER, "custom")
    (main,) = rows["service_record_snapshots"]
    assert main["time_played_seconds"] == 93784.5
    assert main["future_counter"] == 5  # the store records it as drift
    assert rows["service_record_future_mode_stats"] == [
        {"player_id": PLAYER, "scope": "custom", "widgets": 3}
    ]
    assert "service_record_bomb_stats" not in rows  # null blocks are absent blocks
    assert rows["service_record_zones_stats"][0]["total_zone_occupation_time_seconds"] == 330.25


@pytest.mark.parametrize(
    "doc",
    [[], {"CoreStats": None}, {"CoreStats": {}, "TimePlayed": "soon"},
     {"CoreStats": {"Medals": [{"NameId": "x"}]}}],
)  # fmt: skip
def test_malformed_service_records_raise(doc):
    with pytest.raises(MalformedResponseError):
        service_record_rows(doc, PLAYER, "matchmade")


def test_content_hash_ignores_row_order_but_not_values():
    doc = load_json(FIXTURES / "service_record_custom_small.json")
    rows = service_record_rows(doc, PLAYER, "custom")
    shuffled = {t: list(reversed(r)) for t, r in rows.items()}
    assert content_hash(rows) == content_hash(shuffled)
    doc["Wins"] += 1
    assert content_hash(service_record_rows(doc, PLAYER, "custom")) != content_hash(rows)


# --- playlist CSR --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["spnkr__get_playlist_csr.json", "grunt2022__playlist_csr.json"])
def test_real_playlist_csr(name):
    doc = sample(name)
    rows = unchanged(csr_rows, doc, "EDFEF3AC-9CBE-4FA2-B949-8F29DEAFD483")["csr_snapshots"]
    assert [row["player_id"] for row in rows] == [value["Id"] for value in doc["Value"]]
    for row, value in zip(rows, doc["Value"], strict=True):
        assert row["playlist_asset_id"] == "edfef3ac-9cbe-4fa2-b949-8f29deafd483"
        assert row["current_csr"] == value["Result"]["Current"]["Value"]
        assert row["all_time_max_tier"] == value["Result"]["AllTimeMax"]["Tier"]
        assert (
            row["season_max_measurement_matches_remaining"]
            == (value["Result"]["SeasonMax"]["MeasurementMatchesRemaining"])
        )


def test_own_playlist_csr_fixture():
    doc = load_json(FIXTURES / "playlist_csr_two_players.json")
    first, second = unchanged(csr_rows, doc, "p")["csr_snapshots"]
    assert (first["current_csr"], first["current_tier"], first["current_sub_tier"]) == (
        1234,
        "Diamond",
        0,
    )
    assert (first["season_max_csr"], first["all_time_max_csr"]) == (1301, 1555)
    assert second["result_code"] == 1 and second["current_csr"] is None


@pytest.mark.parametrize(
    "doc",
    [{}, {"Value": [{"ResultCode": 0}]},
     {"Value": [{"Id": "xuid(1)", "Result": {"Current": {"Value": "high"}}}]}],
)  # fmt: skip
def test_malformed_playlist_csr_raises(doc):
    with pytest.raises(MalformedResponseError):
        csr_rows(doc, "p")


# --- asset stats -----------------------------------------------------------------------


def test_real_asset_stats():
    doc = sample("spnkr__get_map.json")
    (row,) = unchanged(asset_stats_rows, doc, "map", doc["AssetId"].upper())[
        "asset_stats_snapshots"
    ]
    stats = doc["AssetStats"]
    assert row["asset_id"] == doc["AssetId"].lower() and row["version_id"] == doc["VersionId"]
    assert (row["plays_recent"], row["plays_all_time"], row["favorites"]) == (
        stats["PlaysRecent"],
        stats["PlaysAllTime"],
        stats["Favorites"],
    )
    assert (row["likes"], row["bookmarks"], row["number_of_ratings"]) == (
        stats["Likes"],
        stats["Bookmarks"],
        stats["NumberOfRatings"],
    )
    assert row["average_rating"] == stats["AverageRating"]


def test_own_asset_fixture_stats():
    doc = load_json(FIXTURES / "asset_map_mode_pair.json")
    (row,) = unchanged(asset_stats_rows, doc, "map_mode_pair", "a")["asset_stats_snapshots"]
    assert (row["plays_recent"], row["plays_all_time"], row["asset_kind"]) == (
        1,
        2,
        "map_mode_pair",
    )


@pytest.mark.parametrize("doc", [{}, {"AssetStats": None}, {"AssetStats": {"Likes": "many"}}])
def test_malformed_asset_stats_raise(doc):
    with pytest.raises(MalformedResponseError):
        asset_stats_rows(doc, "map", "a")
