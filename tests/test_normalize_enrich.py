"""normalize, enrichment documents: skill, assets, medals, seasons, profiles, bots."""

from __future__ import annotations

import copy
import json

import pytest

from grunt_archive.documents import ASSET
from grunt_archive.errors import MalformedResponseError
from grunt_archive.normalize import (
    asset_rows,
    bot_name,
    medal_rows,
    profile_rows,
    season_rows,
    skill_rows,
)
from grunt_archive.normalize.seasons import season_name
from tests.conftest import FIXTURES, load_json, sample_paths

MATCH = "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"
SKILL_SAMPLES = sample_paths("*match_skill*.json")
ASSET_SAMPLES = {
    "spnkr__get_map.json": "map",
    "spnkr__get_ugc_game_variant.json": "game_variant",
    "spnkr__get_playlist.json": "playlist",
    "spnkr__get_map_mode_pair.json": "map_mode_pair",
    "legacy2022__ugc_map.json": "map",
    "legacy2022__ugc_game_variant.json": "game_variant",
    "legacy2022__ugc_map_mode_pair.json": "map_mode_pair",
    "legacy2022__ugc_playlist_quickplay.json": "playlist",
}


def unchanged(function, doc, *args):
    """Call a normalizer and check it left its input alone."""
    before = copy.deepcopy(doc)
    result = function(doc, *args)
    assert doc == before
    return result


# --- skill ---------------------------------------------------------------------


@pytest.mark.parametrize("path", SKILL_SAMPLES, ids=lambda p: p.name)
def test_real_skill_documents_give_one_row_per_player(path):
    doc = load_json(path)
    rows = unchanged(skill_rows, doc, MATCH)["match_skill"]
    assert [r["player_id"] for r in rows] == [v["Id"] for v in doc["Value"]]
    for row, value in zip(rows, doc["Value"], strict=True):
        result = value["Result"]
        recap = result["RankRecap"]
        assert row["match_id"] == MATCH and row["result_code"] == value["ResultCode"]
        assert row["team_id"] == result["TeamId"]
        assert row["pre_match_csr"] == recap["PreMatchCsr"]["Value"]
        assert row["post_match_tier"] == recap["PostMatchCsr"]["Tier"]
        assert row["post_match_sub_tier"] == recap["PostMatchCsr"]["SubTier"]
        assert row["kills"] == result["StatPerformances"]["Kills"]["Count"]
        assert row["expected_deaths"] == result["StatPerformances"]["Deaths"]["Expected"]
        assert json.loads(row["team_mmrs"]) == result["TeamMmrs"]
        assert row["non_finite"] is None


def test_spnkr_skill_sample_exact_row():
    paths = sample_paths("spnkr__get_match_skill.json")
    if not paths:
        pytest.skip("../shared/halo-samples is not here")
    (row,) = skill_rows(load_json(paths[0]), MATCH)["match_skill"]
    assert row["team_mmr"] == 1349.069330274021
    assert (row["pre_match_csr"], row["post_match_csr"]) == (1530, 1532)
    assert (row["pre_match_tier"], row["pre_match_next_tier_start"]) == ("Onyx", 1500)
    assert (row["kills"], row["deaths"]) == (18, 9)
    assert row["kills_std_dev"] == 5.53817369533474
    assert row["self_counterfactual_kills"] == 21.555281749028442
    assert json.loads(row["tier_counterfactuals"])["Bronze"]["Kills"] == 3.5972955956569512
    assert row["ranked_rewards"] is None


def test_nan_infinity_and_failed_result_codes_are_stored_not_raised():
    doc = load_json(FIXTURES / "skill_nan_infinity_result_codes.json")
    first, failed, unknown = unchanged(skill_rows, doc, MATCH.upper())["match_skill"]
    # A non-finite number is NULL in its column and kept, as sent, in non_finite.
    assert first["match_id"] == MATCH
    assert first["team_mmr"] is None and first["expected_kills"] is None
    assert first["deaths_std_dev"] is None and first["self_counterfactual_kills"] is None
    assert json.loads(first["non_finite"]) == {
        "team_mmr": "NaN",
        "expected_kills": "Infinity",
        "deaths_std_dev": "NaN",
        "self_counterfactual_kills": "-Infinity",
    }
    assert (first["kills"], first["expected_deaths"], first["post_match_csr"]) == (14, 11.25, 1199)
    assert json.loads(first["team_mmrs"]) == {"0": "NaN", "1": 1202.5}
    assert json.loads(first["tier_counterfactuals"]) == {
        "Onyx": {"Kills": "Infinity", "Deaths": 8.0}
    }
    # ResultCode 2: empty StatPerformances, no Counterfactuals; what is there is kept.
    assert failed["result_code"] == 2 and failed["team_id"] == 1
    assert failed["pre_match_csr"] == -1 and failed["post_match_measurement_matches_remaining"] == 4
    assert failed["kills"] is None and failed["tier_counterfactuals"] is None
    # ResultCode 1 with no Result at all: a row with the code and nothing else.
    assert unknown["result_code"] == 1
    assert all(
        value is None
        for column, value in unknown.items()
        if column not in ("match_id", "player_id", "result_code")
    )


def test_non_finite_floats_parsed_by_python_are_handled_too():
    doc = json.loads('{"Value": [{"Id": "xuid(1)", "ResultCode": 0, "Result": {"TeamMmr": NaN}}]}')
    (row,) = skill_rows(doc, MATCH)["match_skill"]
    assert row["team_mmr"] is None and json.loads(row["non_finite"]) == {"team_mmr": "nan"}


@pytest.mark.parametrize(
    "doc",
    [
        [],
        {"Value": {}},
        {"Value": [{"ResultCode": 0}]},
        {"Value": [{"Id": "xuid(1)", "ResultCode": 0, "Result": {"TeamMmr": "lots"}}]},
        {"Value": [{"Id": "xuid(1)", "Result": {"StatPerformances": {"Kills": {"Count": [1]}}}}]},
    ],
    ids=["not-object", "value-not-list", "no-id", "text-number", "list-number"],
)
def test_malformed_skill_documents_raise(doc):
    with pytest.raises(MalformedResponseError):
        skill_rows(doc, MATCH)


# --- assets --------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ASSET_SAMPLES))
def test_real_asset_documents(name):
    paths = sample_paths(name)
    if not paths:
        pytest.skip("../shared/halo-samples is not here")
    doc = load_json(paths[0])
    kind = ASSET_SAMPLES[name]
    (row,) = unchanged(asset_rows, doc, kind, doc["AssetId"], doc["VersionId"])["assets"]
    assert row["asset_kind"] == kind
    assert row["public_name"] == doc["PublicName"] and row["public_name"]
    assert row["description"] == doc["Description"]
    assert json.loads(row["tags"]) == doc["Tags"]
    if kind == "map_mode_pair":
        assert row["map_asset_id"] == doc["MapLink"]["AssetId"]
        assert row["game_variant_version_id"] == doc["UgcGameVariantLink"]["VersionId"]
    if kind == "game_variant":
        assert row["engine_game_variant_asset_id"] == doc["EngineGameVariantLink"]["AssetId"]


def test_asset_row_is_keyed_by_the_reference_the_match_made():
    doc = load_json(FIXTURES / "asset_map_mode_pair.json")
    asset, version = "A0000000-0000-4000-8000-000000000007", "b0000000-0000-4000-8000-000000000007"
    (row,) = unchanged(asset_rows, doc, "map_mode_pair", asset, version)["assets"]
    assert row == {
        "asset_id": asset.lower(),
        "version_id": version,
        "asset_kind": "map_mode_pair",
        "public_name": "Fixture:CTF on Fixture Map",
        "description": "",
        "tags": "[]",
        "map_asset_id": "a0000000-0000-4000-8000-000000000002",
        "map_version_id": "b0000000-0000-4000-8000-000000000002",
        "game_variant_asset_id": "a0000000-0000-4000-8000-000000000006",
        "game_variant_version_id": "b0000000-0000-4000-8000-000000000006",
    }


def test_asset_keys_round_trip_and_bad_documents_raise():
    assert ASSET.key.parse(ASSET.key_of("playlist", "a", "b")) == ("playlist", "a", "b")
    with pytest.raises(ValueError):
        ASSET.key.parse("film:a:b")
    with pytest.raises(MalformedResponseError):
        asset_rows([], "map", "a", "b")
    with pytest.raises(MalformedResponseError):
        asset_rows({"PublicName": {"en": "x"}}, "map", "a", "b")


# --- medals --------------------------------------------------------------------


def test_real_medal_metadata_names_every_medal():
    paths = sample_paths("spnkr__get_medal_metadata.json")
    if not paths:
        pytest.skip("../shared/halo-samples is not here")
    doc = load_json(paths[0])
    rows = unchanged(medal_rows, doc)["medals"]
    assert len(rows) == len(doc["medals"]) == len({r["medal_id"] for r in rows})
    double = next(r for r in rows if r["medal_id"] == 622331684)
    assert double == {
        "medal_id": 622331684,
        "name": "Double Kill",
        "description": "Kill 2 enemies in quick succession",
        "difficulty": "heroic",
        "difficulty_index": 1,
        "type": "multikill",
        "type_index": 2,
        "personal_score": 50,
        "sorting_weight": 100,
        "sprite_index": 64,
    }
    assert all(r["name"] and r["difficulty"] and r["type"] for r in rows)


def test_medal_fixture_plain_text_and_out_of_range_indexes():
    rows = unchanged(medal_rows, load_json(FIXTURES / "medal_metadata_small.json"))["medals"]
    by_id = {r["medal_id"]: r for r in rows}
    assert by_id[2123530881]["name"] == "Reversal" and by_id[2123530881]["type"] == "skill"
    beyond = by_id[4000000000]
    assert beyond["description"].startswith("A description given as plain text")
    assert (beyond["difficulty"], beyond["difficulty_index"]) == (None, 9)
    assert (beyond["type"], beyond["type_index"]) == (None, -1)
    with pytest.raises(MalformedResponseError):
        medal_rows({"medals": [{"nameId": "622331684"}]})
    with pytest.raises(MalformedResponseError):
        medal_rows({"difficulties": []})


# --- seasons, profiles, bots -----------------------------------------------------


def test_real_season_calendars():
    paths = sample_paths("spnkr__get_*season_calendar.json")
    if len(paths) < 2:
        pytest.skip("../shared/halo-samples is not here")
    csr, seasons = (unchanged(season_rows, load_json(p))["seasons"] for p in paths)
    assert {r["kind"] for r in csr} == {"csr_season"} and {r["kind"] for r in seasons} == {"season"}
    winter = next(r for r in seasons if r["season_id"] == "Seasons/Season-Winter-Break-22.json")
    assert winter == {
        "season_id": "Seasons/Season-Winter-Break-22.json",
        "name": "Winter Break 22",
        "kind": "season",
        "start_time": "2022-11-08T17:00:00.000Z",
        "end_time": "2023-03-07T17:00:00.000Z",
        "csr_season_id": "Csr/Seasons/CsrSeason2-3.json",
        "operation_track_path": "RewardTracks/Operations/battlepass-WinterBreak.json",
    }
    assert csr[0]["name"] == "CSR Season 1" and csr[0]["end_time"] == "2022-02-22T22:00:00.000Z"


def test_season_fixtures_and_names():
    rows = unchanged(season_rows, load_json(FIXTURES / "season_calendar_small.json"))["seasons"]
    assert [(r["season_id"], r["name"], r["start_time"]) for r in rows] == [
        ("Seasons/Season-Winter-Break-22.json", "Winter Break 22", "2022-11-08T17:00:00.000Z"),
        ("Seasons/Season9.json", "Season 9", "2024-11-19T17:00:00.000Z"),
    ]
    (csr,) = season_rows(load_json(FIXTURES / "csr_season_calendar_small.json"))["seasons"]
    assert (csr["season_id"], csr["name"], csr["csr_season_id"]) == (
        "Csr/Seasons/CsrSeason9-1.json",
        "CSR Season 9-1",
        None,
    )
    assert season_name("Seasons/Season5-Op1.json") == "Season 5 Op 1"
    with pytest.raises(MalformedResponseError):
        season_rows({"Seasons": [{"SeasonMetadata": "s", "StartDate": "yesterday"}]})


def test_profiles_give_gamertags_for_string_and_number_xuids():
    rows = unchanged(profile_rows, load_json(FIXTURES / "profile_users.json"))["players"]
    assert rows == [
        {"player_id": "xuid(2533274800000001)", "gamertag": "Fixture Chief"},
        {"player_id": "xuid(2533274800000002)", "gamertag": "Fixture Arbiter"},
    ]
    for path in sample_paths("spnkr__get_user*.json"):
        assert unchanged(profile_rows, load_json(path))["players"][0]["gamertag"]
    with pytest.raises(MalformedResponseError):
        profile_rows("nobody")


def test_a_gamertag_is_kept_printable():
    # Shown in the terminal (sync's summary, progress bars, verify): an escape or a newline
    # the service put in a name would act on the terminal or forge a line of output.
    users = [{"xuid": "2533274800000001", "gamertag": "Ev\x1b]0;owned\x07il\nX\u200b"},
             {"xuid": "2533274800000002", "gamertag": "Chief 名前 #1234"},
             {"xuid": "2533274800000003", "gamertag": ""}]  # fmt: skip
    names = [row["gamertag"] for row in profile_rows(users)["players"]]
    assert names == ["Ev\ufffd]0;owned\ufffdil\ufffdX\ufffd", "Chief 名前 #1234", None]


def test_bots_are_named_from_their_id():
    assert bot_name("bid(0.0)") == "343 Ritzy"
    assert bot_name("bid(58.0)") == "343 Forge Lord"
    assert bot_name("bid(60.0)") == "Bot 60"
    assert bot_name("xuid(2533274800000001)") is None
