"""The simulated documents against the real ones in ../shared/halo-samples.

Each test compares a simulated shape or range with its real sample (and skips
that part when the samples are absent), and checks what holds whatever the
samples say.
"""

from __future__ import annotations

import itertools
import re
import statistics
from datetime import date

import pytest

from grunt_archive.normalize import season_rows
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.simulator.data import catalog
from tests.conftest import load_json, sample_paths
from tests.simulator_fixtures import SimClient

# Spree medals (every 5 kills without dying, to Boogeyman).
SPREES = (2780740615, 4261842076, 418532952, 1486797009, 710323196, 1720896992)


def _minutes(duration: str) -> float:
    """Minutes of an ISO-8601 duration as the services write them (PT12M41.98S)."""
    minutes, _, rest = duration.removeprefix("PT").rpartition("M")
    hours, _, minutes = minutes.rpartition("H")
    return int(hours or 0) * 60 + int(minutes or 0) + float(rest.rstrip("S") or 0) / 60


def _fireteam(doc: dict) -> list[dict]:
    """CoreStats of the players of a Firefight match who played it whole."""
    return [
        p["PlayerTeamStats"][0]["Stats"]["CoreStats"]
        for p in doc["Players"]
        if p["ParticipationInfo"]["PresentAtCompletion"]
        and not p["ParticipationInfo"]["JoinedInProgress"]
    ]


def _figures(docs: list[dict]) -> dict[str, list[float]]:
    """Per match and per player figures of Firefight matches, to compare by range."""
    out: dict[str, list[float]] = {k: [] for k in (
        "minutes", "kills", "deaths", "rate", "assists", "shots", "damage", "taken", "spree")}  # fmt: skip
    for doc in docs:
        minutes = _minutes(doc["MatchInfo"]["Duration"])
        out["minutes"].append(minutes)
        for core in _fireteam(doc):
            kills = max(core["Kills"], 1)
            out["kills"].append(core["Kills"])
            out["deaths"].append(core["Deaths"])
            out["rate"].append(core["Kills"] / minutes)
            out["assists"].append(core["Assists"] / kills)
            out["shots"].append(core["ShotsFired"] / minutes)
            out["damage"].append(core["DamageDealt"] / kills)
            out["taken"].append(core["DamageTaken"])
            out["spree"].append(core["MaxKillingSpree"])
    return out


@pytest.fixture(scope="module")
def firefight() -> list[dict]:
    """Every Firefight match of two seeded worlds, as served (only those are built)."""
    docs = []
    for seed in (5, 6):
        sim = Simulator(SimulatorConfig(seed=seed, players=3, matches=300))
        docs += [
            sim.stats_document(match_id)
            for match_id, meta in sim.world.matches.items()
            if catalog.MODES[meta.mode].pve
        ]
    assert len(docs) >= 20
    return docs


def test_firefight_lengths_and_kills_are_in_the_real_range(firefight):
    ours = _figures(firefight)
    real_paths = sample_paths("spnkr__get_match_stats_pve.json")
    if not real_paths:
        pytest.skip("../shared/halo-samples is absent")
    real = _figures([load_json(real_paths[0])])
    (length,) = real["minutes"]  # 12.7 minutes
    assert abs(statistics.median(ours["minutes"]) - length) < length * 0.15
    # The fireteam's kills a minute (5.4 to 8.5), kills (69 to 108) and the rest that goes
    # with them: the typical simulated player is inside the real fireteam's range.
    for key in ("rate", "kills", "assists", "shots", "damage"):
        assert min(real[key]) <= statistics.median(ours[key]) <= max(real[key]), key
    assert statistics.median(ours["deaths"]) <= max(real["deaths"])
    assert statistics.median(ours["taken"]) <= max(real["taken"])  # the AI's damage isn't counted
    assert set(real["spree"]) == set(ours["spree"]) == {0}


def test_firefight_spreads_between_matches_and_players(firefight):
    ours = _figures(firefight)
    assert all(10 <= m <= 17 for m in ours["minutes"])  # no longer the 15 to 25 minutes it was
    assert max(ours["minutes"]) - min(ours["minutes"]) > 4
    assert all(30 <= k <= 200 for k in ours["kills"])
    deciles = statistics.quantiles(ours["kills"], n=10)
    assert deciles[-1] - deciles[0] > 30  # neither every player nor every match alike
    assert sum(d == 0 for d in ours["deaths"]) > len(ours["deaths"]) / 5
    assert max(ours["deaths"]) >= 4  # a lost match costs lives
    for doc in firefight:
        kills = [core["Kills"] for core in _fireteam(doc)]
        assert len(set(kills)) > 1 or len(kills) == 1
        for core in _fireteam(doc):
            medals = {m["NameId"]: m["Count"] for m in core["Medals"]}
            # A spree medal at most once a life, and one for every 5 kills of a life at most.
            assert all(medals.get(m, 0) <= core["Deaths"] + 1 for m in SPREES)
            assert sum(medals.get(m, 0) for m in SPREES) <= core["Kills"] // 5


def _objectives(doc: dict) -> tuple[int, int, list[int]]:
    """The fireteam's Score and ObjectivesCompleted, and those of who played it whole."""
    team = doc["Teams"][0]["Stats"]["CoreStats"]
    return team["Score"], team["ObjectivesCompleted"], [
        core["ObjectivesCompleted"] for core in _fireteam(doc)]  # fmt: skip


def test_firefight_objectives_are_the_hills_the_fireteam_completed(firefight):
    won = []
    for doc in firefight:
        hills, objectives, players = _objectives(doc)
        assert objectives == hills and set(players) <= {hills}, doc["MatchId"]
        if doc["Teams"][0]["Outcome"] == 2:
            won += players
        ai = doc["Teams"][1]["Stats"]["CoreStats"]
        assert ai["ObjectivesCompleted"] == 0
        for player in doc["Players"]:  # who came late or left, the hills while there
            core = player["PlayerTeamStats"][0]["Stats"]["CoreStats"]
            assert 0 <= core["ObjectivesCompleted"] <= hills
    assert won and set(won) == {5}  # every hill of King of the Hill
    real_paths = sample_paths("spnkr__get_match_stats_pve.json")
    if not real_paths:
        pytest.skip("../shared/halo-samples is absent")
    real = load_json(real_paths[0])
    hills, objectives, players = _objectives(real)
    assert real["Teams"][0]["Outcome"] == 2 and hills == objectives == 5 and set(players) == {5}


HILL_GUARDIAN = 580478179


def _hill_guardians(docs: list[dict]) -> list[int]:
    """Hill Guardian medals of each Firefight player who played the match whole."""
    return [
        next((m["Count"] for m in core["Medals"] if m["NameId"] == HILL_GUARDIAN), 0)
        for doc in docs
        for core in _fireteam(doc)
    ]


def test_firefight_hill_guardians_come_again_and_again_as_the_real_ones(firefight):
    ours = _hill_guardians(firefight)
    assert sum(n >= 1 for n in ours) > 0.9 * len(ours)  # the hill is what Firefight is about
    assert sum(n >= 2 for n in ours) > 0.6 * len(ours) and max(ours) >= 8
    real_paths = sample_paths("spnkr__get_match_stats_pve.json")
    if not real_paths:
        pytest.skip("../shared/halo-samples is absent")
    real = _hill_guardians([load_json(real_paths[0])])  # 2, 2, 10, 2
    assert min(real) <= statistics.median(ours) <= max(real)
    assert max(ours) >= max(real)


SEASON_CALENDAR = "/hi/progression/file/calendars/seasons/seasoncalendar.json"
CSR_CALENDAR = "/hi/Progression/file/Csr/Calendars/CsrSeasonCalendar.json"


def _served(path: str) -> dict:
    response = SimClient(Simulator(SimulatorConfig(seed=1, players=1, matches=5))).get(path)
    assert response.status_code == 200
    return response.json()


def _keys(document: dict) -> dict[str, set]:
    """Key sets of a calendar at every level: the document, and each list's entries."""
    keys = {"top": set(document)}
    for name, value in document.items():
        if isinstance(value, list):
            keys[name] = set().union(*(set(entry) for entry in value))
        elif isinstance(value, dict):
            keys[name] = set(value)
    return keys


def _day(value: dict) -> date:
    return date.fromisoformat(value["ISO8601Date"][:10])


def test_season_calendars_have_the_real_shape_and_ids():
    ours, ours_csr = _served(SEASON_CALENDAR), _served(CSR_CALENDAR)
    real_paths = sample_paths("spnkr__get_*season_calendar.json")
    if len(real_paths) < 2:
        pytest.skip("../shared/halo-samples is absent")
    real_csr, real = (load_json(path) for path in real_paths)  # csr_ sorts first
    assert _keys(ours) == _keys(real) and _keys(ours_csr) == _keys(real_csr)
    assert "Events" not in real_csr  # the CSR calendar lists seasons only, as ours
    assert ours["CareerRank"] == real["CareerRank"]
    for key in ("SeasonMetadata", "OperationTrackPath", "CsrSeasonFilePath"):
        theirs = {season[key] for season in real["Seasons"]}
        assert theirs <= {season[key] for season in ours["Seasons"]}, key
    csr_ids = {season["CsrSeasonFilePath"] for season in ours_csr["Seasons"]}
    assert {season["CsrSeasonFilePath"] for season in real_csr["Seasons"]} <= csr_ids
    # Events are reward tracks of a week or two, written as the real ones (two digits).
    for events in (real["Events"], ours["Events"]):
        assert all(e["RewardTrackPath"].startswith("RewardTracks/Events/Rituals/") for e in events)
        stamps = [e[k]["ISO8601Date"] for e in events for k in ("StartDate", "EndDate")]
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00\.00Z", t) for t in stamps)
    lengths = [[(_day(e["EndDate"]) - _day(e["StartDate"])).days for e in events]
               for events in (real["Events"], ours["Events"])]  # fmt: skip
    assert min(lengths[0]) <= min(lengths[1]) and max(lengths[1]) <= max(lengths[0])
    assert statistics.median(lengths[1]) in (7, 14) and statistics.median(lengths[0]) in (7, 14)


def test_season_calendar_events_fall_within_its_seasons_one_at_a_time():
    calendar = _served(SEASON_CALENDAR)
    seasons, events = calendar["Seasons"], calendar["Events"]
    spans = [(_day(s["StartDate"]), _day(s["EndDate"])) for s in seasons]
    assert all(end == start for (_, end), (start, _) in itertools.pairwise(spans))  # no gap
    assert len(events) >= 4 * len({s["CsrSeasonFilePath"] for s in seasons})
    days = [(_day(e["StartDate"]), _day(e["EndDate"])) for e in events]
    assert all(spans[0][0] <= start < end <= spans[-1][1] for start, end in days)
    assert all(end <= after for (_, end), (after, _) in itertools.pairwise(days))  # no overlap
    names = {e["RewardTrackPath"].rsplit("/", 1)[-1] for e in events}
    assert {"S09Fracture.json", "S04Narrative1.json", "S04Narrative2.json"} <= names
    # Both calendars still read as the archive reads them, each season once.
    rows = season_rows(calendar)["seasons"] + season_rows(_served(CSR_CALENDAR))["seasons"]
    assert len({row["season_id"] for row in rows}) == len(rows)


def _playlist(client: SimClient, asset_id: str) -> dict:
    response = client.get(f"/hi/playlists/{asset_id}")
    assert response.status_code == 200
    return response.json()


def test_playlist_custom_data_has_the_real_keys_and_settings():
    client = SimClient(Simulator(SimulatorConfig(seed=1, players=1, matches=5)))
    samples = sample_paths("*playlist.json") + sample_paths("*ugc_playlist_*.json")
    if not samples:
        pytest.skip("../shared/halo-samples is absent")
    for path in samples:  # Ranked Arena and Quick Play, whose asset ids are real
        real = load_json(path)
        ours = _playlist(client, real["AssetId"])
        assert ours["PublicName"] == real["PublicName"]
        assert list(ours["CustomData"]) == list(real["CustomData"]), path.name
        settings = {k: v for k, v in real["CustomData"].items() if k != "PlaylistEntries"}
        assert {k: ours["CustomData"][k] for k in settings} == settings, path.name


def test_playlist_settings_seat_the_players_its_matches_have():
    sim = Simulator(SimulatorConfig(seed=5, players=3, matches=300))
    client = SimClient(sim)
    seen: dict[str, set[int]] = {}
    for meta in sim.world.matches.values():
        if meta.playlist is not None and not meta.quit and not meta.bots:
            players = sim.stats_document(meta.match_id)["Players"]
            seen.setdefault(meta.playlist, set()).add(len(players))
    assert len(seen) >= 12  # nearly every playlist has a full match to compare with
    for key, spec in catalog.PLAYLIST_SPECS.items():
        document = _playlist(client, spec.asset.asset_id)
        data = document["CustomData"]
        assert data["MinTeams"] <= data["MaxTeams"] and data["MinTeamSize"] <= data["MaxTeamSize"]
        assert 1 == data["MinFireteamSize"] <= data["MaxFireteamSize"] <= data["MaxTeamSize"]
        if key in seen:  # a full lobby: Big Team Battle 24, Firefight's fireteam 4, ...
            assert seen[key] == {data["MaxTeams"] * data["MaxTeamSize"]}, key
        # Ranked play lets nobody in after the start; the rest fill seats, bots too in PvP.
        joins = {data[k] for k in ("AllowFriendJoinInProgress", "AllowMatchmakingJoinInProgress")}
        assert joins == {not spec.ranked}, key
        assert data["AllowBotJoinInProgress"] == (data["BotDifficulty"] > 0), key
        pairs = [entry["MapModePairAssetId"] for entry in data["PlaylistEntries"]]
        assert pairs and pairs == [entry["AssetId"] for entry in document["RotationEntries"]]


def _weights(document: dict) -> list[float]:
    return [entry["Metadata"]["Weight"] for entry in document["RotationEntries"]]


def test_rotation_weights_vary_as_the_real_ones():
    client = SimClient(Simulator(SimulatorConfig(seed=1, players=1, matches=5)))
    every = []
    for spec in catalog.PLAYLIST_SPECS.values():
        document = _playlist(client, spec.asset.asset_id)
        weights = _weights(document)
        entries = [e["Metadata"]["Weight"] for e in document["CustomData"]["PlaylistEntries"]]
        assert entries == weights  # a pair weighs the same in both lists, as the real
        assert all(w % 5 == 0 and 60 <= w <= 170 for w in weights), spec.key
        if len(spec.modes) > 1:  # each mode has its weight, a map now and then another
            assert len(set(weights)) >= 3, spec.key
        every += weights
    assert max(every) / min(every) >= 2.5  # the real Ranked Arena: 160 / 60
    samples = sample_paths("*playlist.json") + sample_paths("*ugc_playlist_*.json")
    if not samples:
        pytest.skip("../shared/halo-samples is absent")
    real = [w for path in samples for w in _weights(load_json(path))]  # 60 to 320
    assert min(real) <= min(every) and max(every) <= max(real)
    assert min(real) <= statistics.median(every) <= statistics.median(real)


def test_nobody_joins_a_ranked_match_in_progress_and_others_are_refilled():
    quits = {True: 0, False: 0}  # matchmade matches a player left, ranked or not
    for seed in (6, 7):  # worlds with a ranked match someone left
        sim = Simulator(SimulatorConfig(seed=seed, players=3, matches=300))
        for meta in sim.world.matches.values():
            if meta.playlist is None or not meta.quit:
                continue
            ranked = catalog.PLAYLIST_SPECS[meta.playlist].ranked
            late = [p for p in sim.stats_document(meta.match_id)["Players"]
                    if p["ParticipationInfo"]["JoinedInProgress"]]  # fmt: skip
            assert len(late) == (not ranked), meta.match_id  # the leaver's seat, outside ranked
            quits[ranked] += 1
    assert quits[True] >= 2 and quits[False] >= 10


AUTH = {"x-343-authorization-spartan": "t", "343-clearance": "c"}


def _team_mmr_holds(result: dict) -> bool:
    """Whether a skill result gives its own team's MMR, and that team is among TeamMmrs."""
    return result["TeamMmrs"].get(str(result["TeamId"]), object()) == result["TeamMmr"]


def test_team_less_matches_have_skill_in_the_real_free_for_all_shape():
    sim = Simulator(SimulatorConfig(seed=5, players=3, matches=300))
    client = SimClient(sim, headers=AUTH)
    team_less = 0
    for player in sim.player_ids:
        for match_id in sim.history(player):
            stats = sim.stats_document(match_id)
            if stats["MatchInfo"]["LifecycleMode"] != 3:
                continue
            humans = [p["PlayerId"] for p in stats["Players"] if p["PlayerType"] == 1]
            response = client.get(f"/hi/matches/{match_id}/skill", players=",".join(humans))
            assert response.status_code == 200
            teams = {str(t["TeamId"]) for t in stats["Teams"]}
            teams = teams or {str(p["LastTeamId"]) for p in stats["Players"]}
            for value in response.json()["Value"]:
                assert _team_mmr_holds(value["Result"]), match_id
                assert set(value["Result"]["TeamMmrs"]) == teams, match_id
            team_less += not stats["Teams"]
    assert team_less  # Infection: every human has a skill result, as in free-for-all
    real_paths = sample_paths("grunt2022__match_skill.json")
    if not real_paths:
        pytest.skip("../shared/halo-samples is absent")
    (real,) = (value["Result"] for value in load_json(real_paths[0])["Value"])
    assert len(real["TeamMmrs"]) == 12 and _team_mmr_holds(real)  # one team per player
    infection = next(m for m in sim.history(sim.player_ids[0])
                     if not sim.stats_document(m)["Teams"]
                     and sim.world.matches[m].lifecycle == 3)  # fmt: skip
    ours = client.get(f"/hi/matches/{infection}/skill", players=sim.player_ids[0]).json()
    ours = ours["Value"][0]["Result"]
    assert set(ours) == set(real) and set(ours["StatPerformances"]) == {"Kills", "Deaths"}
    assert ours["RankRecap"] == real["RankRecap"]  # unranked: the same zeros
    assert ours["Counterfactuals"]["TierCounterfactuals"] == real["Counterfactuals"][
        "TierCounterfactuals"] == {}  # fmt: skip
