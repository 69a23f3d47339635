"""normalize: every document, ours and the real samples, goes through the real code."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from grunt_archive.errors import MalformedResponseError
from grunt_archive.normalize import history_entries, match_rows
from grunt_archive.normalize.values import duration_seconds, snake_case, utc_timestamp
from tests.conftest import FIXTURES, load_json, sample_paths

MATCH_SAMPLES = sample_paths("*match_stats*.json")
HISTORY_SAMPLES = sample_paths("*match_history*.json")


def test_fixture_2024_exact_rows():
    doc = load_json(FIXTURES / "match_2024_ctf_team_switch.json")
    rows = match_rows(doc)
    assert rows["matches"] == [
        {
            "match_id": "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b",
            "start_time": "2024-10-02T19:04:11.520Z",
            "end_time": "2024-10-02T19:16:40.700Z",
            "duration_seconds": 749.1843621,
            "lifecycle_mode": 3,
            "game_variant_category": 15,
            "level_id": "11111111-2222-4333-8444-555555555555",
            "map_asset_id": "a0000000-0000-4000-8000-000000000002",
            "map_version_id": "b0000000-0000-4000-8000-000000000002",
            "game_variant_asset_id": "a0000000-0000-4000-8000-000000000006",
            "game_variant_version_id": "b0000000-0000-4000-8000-000000000006",
            "clearance_id": "c0000000-0000-4000-8000-00000000000c",
            "playlist_asset_id": "a0000000-0000-4000-8000-000000000003",
            "playlist_version_id": "b0000000-0000-4000-8000-000000000003",
            "playlist_experience": 2,
            "map_mode_pair_asset_id": "a0000000-0000-4000-8000-000000000007",
            "map_mode_pair_version_id": "b0000000-0000-4000-8000-000000000007",
            "season_id": "Csr/Seasons/CsrSeason9-1.json",
            "playable_duration_seconds": 740.0,
            "teams_enabled": True,
            "team_scoring_enabled": True,
            "gameplay_interaction": 1,
            "free_for_all": False,  # decided from the rows: teams on (is_free_for_all)
            # Three players on four match_players rows: the switcher once, the bot too.
            "player_count": 3,
        }
    ]
    # The team switcher has one row per team they played on.
    switcher = [r for r in rows["match_players"] if r["player_id"] == "xuid(2533274800000002)"]
    assert sorted((r["team_id"], r["kills"], r["accuracy"]) for r in switcher) == [
        (0, 5, 38.0),
        (1, 2, 50.0),
    ]
    assert {r["last_team_id"] for r in switcher} == {0}
    bot = next(r for r in rows["match_players"] if r["player_id"] == "bid(58.0)")
    assert bot["bot_difficulty"] == 4
    assert bot["player_type"] == 2
    assert bot["last_leave_time"] == "2024-10-02T19:12:00.250Z"
    assert bot["present_at_completion"] is False
    assert {"player_id": "bid(58.0)", "is_bot": True} in rows["players"]
    assert sorted((r["player_id"], r["medal_id"], r["count"]) for r in rows["medal_awards"]) == [
        ("xuid(2533274800000001)", 1512363953, 3),
        ("xuid(2533274800000001)", 2123530881, 1),
        ("xuid(2533274800000002)", 1512363953, 1),
    ]
    negative = [r for r in rows["personal_score_awards"] if r["name_id"] == 4294967295]
    assert negative[0]["total_personal_score_awarded"] == -100
    ctf = {(r["player_id"], r["team_id"]): r for r in rows["capture_the_flag_stats"]}
    assert ctf[("xuid(2533274800000001)", 0)]["time_as_flag_carrier_seconds"] == 20.2
    assert ctf[("xuid(2533274800000001)", 0)]["flag_grabs"] == 3
    assert len(rows["team_pvp_stats"]) == 2
    assert rows["match_teams"][0]["average_life_duration_seconds"] == 41.5


def test_fixture_2022_era_blocks():
    doc = load_json(FIXTURES / "match_2022_oddball.json")
    rows = match_rows(doc)
    assert "gameplay_interaction" not in rows["matches"][0]
    assert rows["matches"][0]["season_id"] == "Seasons/Season1.json"
    # Null blocks of the 2022 format make no rows; the one that applies does.
    block_tables = {t for t in rows if t.endswith("_stats")}
    assert block_tables == {"oddball_stats", "team_oddball_stats"}
    assert [r["longest_time_as_skull_carrier_seconds"] for r in rows["oddball_stats"]] == [
        20.0,
        40.1,
    ]
    assert all("objectives_completed" not in r for r in rows["match_players"])


@pytest.mark.parametrize(
    "path", MATCH_SAMPLES + sorted(FIXTURES.glob("match_*.json")), ids=lambda p: p.name
)
def test_every_match_document_matches_its_rows(path: Path):
    """Each row's values equal the document's, found by the naming rule independently."""
    doc = load_json(path)
    before = copy.deepcopy(doc)
    rows = match_rows(doc)
    assert doc == before, "normalize must not mutate its input"
    assert rows["matches"][0]["match_id"] == doc["MatchId"].lower()
    assert rows["matches"][0]["start_time"] == utc_timestamp(doc["MatchInfo"]["StartTime"])
    assert rows["matches"][0]["duration_seconds"] == duration_seconds(doc["MatchInfo"]["Duration"])
    players = {(r["player_id"], r["team_id"]): r for r in rows["match_players"]}
    medals = {
        (r["player_id"], r["team_id"], r["medal_id"]): r for r in rows.get("medal_awards", [])
    }
    expected_medals = 0
    for player in doc["Players"]:
        for entry in player["PlayerTeamStats"]:
            row = players[(player["PlayerId"], entry["TeamId"])]
            core = entry["Stats"]["CoreStats"]
            for field in (
                "Kills",
                "Deaths",
                "Assists",
                "KDA",
                "Accuracy",
                "ShotsFired",
                "ShotsHit",
                "DamageDealt",
                "DamageTaken",
                "PersonalScore",
                "Score",
                "MaxKillingSpree",
            ):
                assert row[snake_case(field)] == core[field], (path.name, field)
            assert row["average_life_duration_seconds"] == duration_seconds(
                core["AverageLifeDuration"]
            )
            assert row["outcome"] == player["Outcome"]
            for medal in core["Medals"]:
                expected_medals += 1
                key = (player["PlayerId"], entry["TeamId"], medal["NameId"])
                assert medals[key]["count"] == medal["Count"]
            for block, values in entry["Stats"].items():
                if block == "CoreStats" or values is None:
                    continue
                table = {(r["player_id"], r["team_id"]): r for r in rows[snake_case(block)]}
                block_row = table[(player["PlayerId"], entry["TeamId"])]
                for field, value in values.items():
                    column = snake_case(field)
                    if column in block_row:
                        assert block_row[column] == value
                    else:
                        assert block_row[column + "_seconds"] == duration_seconds(value)
    assert len(medals) == expected_medals
    assert len(rows["match_teams"]) == len(doc["Teams"])
    for team in doc["Teams"]:
        team_row = next(r for r in rows["match_teams"] if r["team_id"] == team["TeamId"])
        assert team_row["kills"] == team["Stats"]["CoreStats"]["Kills"]
        assert team_row["outcome"] == team["Outcome"]


def test_custom_game_sample_has_no_playlist():
    custom = [p for p in MATCH_SAMPLES if load_json(p)["MatchInfo"]["LifecycleMode"] == 1]
    if not custom:
        pytest.skip("no custom-game sample in ../shared/halo-samples")
    for path in custom:
        row = match_rows(load_json(path))["matches"][0]
        assert row["playlist_asset_id"] is None
        assert row["lifecycle_mode"] == 1


@pytest.mark.parametrize("path", HISTORY_SAMPLES, ids=lambda p: p.name)
def test_history_samples(path: Path):
    page = load_json(path)
    entries = history_entries(page)
    assert [e.match_id for e in entries] == [r["MatchId"] for r in page["Results"]]
    times = [e.start_time for e in entries]
    assert times == sorted(times, reverse=True)


def test_unknown_fields_and_blocks_come_out_by_the_naming_rule():
    doc = load_json(FIXTURES / "match_2024_ctf_team_switch.json")
    doc["MatchInfo"]["NewShinyField"] = 3
    stats = doc["Players"][0]["PlayerTeamStats"][0]["Stats"]
    stats["GrappleStats"] = {"GrappleKills": 2, "TimeGrappling": "PT3.5S"}
    rows = match_rows(doc)
    assert rows["matches"][0]["new_shiny_field"] == 3
    assert rows["grapple_stats"][0]["grapple_kills"] == 2
    assert rows["grapple_stats"][0]["time_grappling_seconds"] == 3.5


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("MatchId"),
        lambda d: d.update(MatchId="not-a-guid"),
        lambda d: d.update(MatchId=f"{d['MatchId']}\n"),  # `$` matches before a line break
        lambda d: d["MatchInfo"].update(Duration=f"{d['MatchInfo']['Duration']}\n"),
        lambda d: d.pop("MatchInfo"),
        lambda d: d["MatchInfo"].update(Duration="twelve minutes"),
        lambda d: d.update(Players="nope"),
        lambda d: d["Players"][0].pop("PlayerId"),
    ],
)
def test_malformed_documents_are_reported(mutate):
    doc = load_json(FIXTURES / "match_2024_ctf_team_switch.json")
    mutate(doc)
    with pytest.raises(MalformedResponseError):
        match_rows(doc)
    with pytest.raises(MalformedResponseError):
        match_rows([])


def _core(doc: dict) -> dict:
    return doc["Players"][0]["PlayerTeamStats"][0]["Stats"]["CoreStats"]


@pytest.mark.parametrize(
    "value, where",
    [
        (2**62, lambda d: _core(d)),  # a career's sum() of a few of these overflows
        (2**32, lambda d: d["Teams"][0]["Stats"]["CoreStats"]),
        (-(2**31) - 1, lambda d: d["MatchInfo"]),
        (2**32, lambda d: _core(d)["Medals"][0]),
    ],
)
def test_a_match_number_wider_than_32_bits_is_malformed(value, where):
    doc = load_json(FIXTURES / "match_2024_ctf_team_switch.json")
    where(doc)["Kills"] = value
    with pytest.raises(MalformedResponseError, match=f"holds the integer {value}, wider than"):
        match_rows(doc)


def test_the_widest_numbers_of_real_matches_are_kept():
    doc = load_json(FIXTURES / "match_2024_ctf_team_switch.json")
    _core(doc)["Kills"] = -(2**31)
    _core(doc)["Medals"][0]["NameId"] = 2**32 - 1  # NameIds are unsigned: 4294967295 is real
    rows = match_rows(doc)
    assert {row["kills"] for row in rows["match_players"]} >= {-(2**31)}
    assert 2**32 - 1 in {row["medal_id"] for row in rows["medal_awards"]}


@pytest.mark.parametrize("match_id", ["\n", "\r\n", " ", "x"])
def test_a_history_entry_whose_id_only_begins_as_a_guid_is_malformed(match_id):
    guid = "3e7a5aa7-7dff-4d8a-8bde-0c86e3bf4d2b"
    page = {"Results": [{"MatchId": guid + match_id, "MatchInfo": {}}]}
    with pytest.raises(MalformedResponseError, match="bad MatchId"):
        history_entries(page)
    assert [entry.match_id for entry in history_entries({"Results": [{"MatchId": guid}]})] == [guid]


def test_values():
    assert snake_case("KDA") == "kda"
    assert snake_case("AverageKDA") == "average_kda"
    assert snake_case("BombPickUps") == "bomb_pick_ups"
    assert duration_seconds("PT18M31.2141873S") == 1111.2141873
    assert (
        duration_seconds("P17DT10H55M53.7685509S") == 17 * 86400 + 10 * 3600 + 55 * 60 + 53.7685509
    )
    assert duration_seconds("PT0S") == 0.0
    assert duration_seconds(None) is None
    for bad in ("PT", "P", "12", "PTxS"):
        with pytest.raises(ValueError):
            duration_seconds(bad)
    assert utc_timestamp("2022-07-20T01:05:50.23Z") == "2022-07-20T01:05:50.230Z"
    assert utc_timestamp("2025-01-29T04:20:33Z") == "2025-01-29T04:20:33.000Z"
    assert utc_timestamp("2025-01-29T06:20:33.1+02:00") == "2025-01-29T04:20:33.100Z"
    with pytest.raises(ValueError):
        utc_timestamp("yesterday")
    with pytest.raises(ValueError):
        utc_timestamp("2025-01-29T04:20:33Z\n")
    with pytest.raises(ValueError):
        duration_seconds("PT0S\n")


@pytest.mark.parametrize(
    "text",
    [
        "2024-02-30T10:00:00Z",  # no such day: stored, it made the viewer's pages answer 500
        "2024-13-01T10:00:00Z",
        "2024-01-01T25:00:00",
        "0000-01-01T00:00:00Z",
        "2024-02-30T10:00:00+01:00",
        "0001-01-01T00:30:00+01:00",  # before year 1 in UTC: an OverflowError escaped
        "9999-12-31T23:30:00-01:00",
    ],
)
def test_a_timestamp_the_calendar_lacks_is_not_a_timestamp(text):
    with pytest.raises(ValueError, match="not an ISO-8601 timestamp"):
        utc_timestamp(text)
