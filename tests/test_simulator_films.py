"""The simulator's films: manifests in the real shape, chunks the reader reads, and what
they say agrees with each simulated match's stats."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
from click.testing import CliRunner

from grunt_archive.errors import UnknownFilmVersionError
from grunt_archive.film.feed import pair_kills, reconcile
from grunt_archive.film.reader import LAYOUTS, read_events
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.simulator import films as sim_films
from grunt_archive.simulator.command import simulate
from grunt_archive.simulator.data import catalog
from grunt_archive.simulator.data import film_events as events_module
from grunt_archive.simulator.data.film import ENCODED_VERSION
from grunt_archive.simulator.films import BLOB_HOST, UNKNOWN_LAYOUT, UNKNOWN_VERSION
from tests.simulator_fixtures import SimClient


@pytest.fixture(scope="module")
def world():
    """A world with every kind of match, its films served over HTTP, read back.

    Films are kept 760 days here: the modern era spans the 750 days before the world's
    clock, so every modern film is served; the 2022-era matches lie over 800 days before
    it, and their films are gone.
    """
    sim = Simulator(SimulatorConfig(seed=5, players=3, matches=30, film_max_age_days=760))
    client = SimClient(sim)
    films = {}
    for match_id, meta in sim.world.matches.items():
        manifest = client.get(f"/hi/films/matches/{match_id}/spectate")
        age_days = (sim.films.now_ms() - meta.start_ms - meta.span_ms) / 86_400_000
        assert manifest.status_code == (404 if age_days > 760 else 200), match_id
        if manifest.status_code == 404:
            assert meta.legacy
            continue
        data = manifest.json()
        last = data["CustomData"]["Chunks"][-1]
        chunk = client.get(_blob_path(data, last["FileRelativePath"]))
        assert chunk.status_code == 200
        films[match_id] = (data, chunk.content)
    assert len(films) > 0.8 * len(sim.world.matches)
    return sim, films


def _blob_path(manifest: dict, relative: str) -> str:
    prefix = manifest["BlobStoragePathPrefix"]
    assert prefix.startswith(f"{BLOB_HOST}/ugcstorage/film/") and prefix.endswith("/")
    return prefix.removeprefix(BLOB_HOST).rstrip("/") + relative


def _most_pairs(document: dict) -> int:
    """The most kills that deaths of other human players can pair with (Hall's theorem)."""
    kills, deaths = Counter(), Counter()
    for player in document["Players"]:
        if player["PlayerType"] == 1:
            for team in player["PlayerTeamStats"]:
                kills[player["PlayerId"]] += team["Stats"]["CoreStats"]["Kills"]
                deaths[player["PlayerId"]] += team["Stats"]["CoreStats"]["Deaths"]
    total_k, total_d = sum(kills.values()), sum(deaths.values())
    singles = [total_k - kills[p] + total_d - deaths[p] for p in kills]
    return min([total_k, total_d, *singles])


def test_the_manifest_has_the_real_shape(world):
    sim, films = world
    data, chunk = next(iter(films.values()))
    assert set(data) == {"FilmStatusBond", "CustomData", "BlobStoragePathPrefix", "AssetId"}
    custom = data["CustomData"]
    assert set(custom) == {
        "FilmLength", "Chunks", "HasGameEnded", "ManifestRefreshSeconds", "MatchId",
        "FilmMajorVersion",
    }  # fmt: skip
    meta = sim.world.matches[custom["MatchId"]]
    assert custom["FilmLength"] == meta.duration_ms and custom["FilmMajorVersion"] == 41
    kinds = [entry["ChunkType"] for entry in custom["Chunks"]]
    assert kinds[0] == 1 and kinds[-1] == 3 and set(kinds[1:-1]) == {2}
    assert len(kinds) - 2 == -(-meta.duration_ms // 20_000)
    assert [entry["Index"] for entry in custom["Chunks"]] == list(range(len(kinds)))
    assert data["AssetId"] in data["BlobStoragePathPrefix"]
    assert custom["Chunks"][-1]["ChunkSize"] == len(chunk)


def test_every_chunk_is_served_with_the_size_its_manifest_gives(world):
    sim, films = world
    client = SimClient(sim)
    data, _ = next(iter(films.values()))
    for entry in data["CustomData"]["Chunks"]:
        served = client.get(_blob_path(data, entry["FileRelativePath"]))
        assert served.status_code == 200 and len(served.content) == entry["ChunkSize"]
    beyond = f"/filmChunk{len(data['CustomData']['Chunks'])}"
    assert client.get(_blob_path(data, beyond)).status_code == 404


def test_each_films_counts_agree_with_its_match_stats(world):
    sim, films = world
    with_bots = with_medals = with_mode = 0
    for match_id, (data, chunk) in films.items():
        meta = sim.world.matches[match_id]
        document = sim.stats_document(match_id)
        events = read_events(chunk, data["CustomData"]["FilmMajorVersion"])
        assert reconcile(events, document) == [], match_id
        humans = {p["PlayerId"] for p in document["Players"] if p["PlayerType"] == 1}
        assert {event.player_id for event in events} <= humans  # bots are not in films
        assert all(0 <= event.time_ms < meta.duration_ms for event in events)
        with_bots += meta.bots
        with_medals += any(event.type == "medal" for event in events)
        with_mode += any(event.type == "mode" for event in events)
    assert with_bots and with_medals and with_mode  # the world has each case


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def test_a_player_who_joined_late_or_left_early_has_events_only_while_present(world):
    sim, films = world
    checked = 0
    for match_id, (_, chunk) in films.items():
        players = sim.stats_document(match_id)["Players"]
        origin = min(
            _ms(p["ParticipationInfo"]["FirstJoinedTime"])
            for p in players
            if p["ParticipationInfo"]["PresentAtBeginning"]
        )
        events = read_events(chunk, 41)
        for player in players:
            presence = player["ParticipationInfo"]
            if not (presence["JoinedInProgress"] or presence["LeftInProgress"]):
                continue
            times = [e.time_ms for e in events if e.player_id == player["PlayerId"]]
            if presence["JoinedInProgress"]:
                assert min(times, default=10**9) >= _ms(presence["FirstJoinedTime"]) - origin
            if presence["LeftInProgress"]:
                assert max(times, default=0) <= _ms(presence["LastLeaveTime"]) - origin
            checked += bool(times)
    assert checked  # the world has such players, with events


def test_medal_events_name_the_medals_of_the_stats(world):
    sim, films = world
    for match_id, (_, chunk) in films.items():
        named = Counter()
        for player in sim.stats_document(match_id)["Players"]:
            for team in player["PlayerTeamStats"]:
                for medal in team["Stats"]["CoreStats"]["Medals"]:
                    if player["PlayerType"] == 1:
                        name = events_module.MEDALS[medal["NameId"]][0]
                        named[player["PlayerId"], name] += medal["Count"]
        events = read_events(chunk, 41)
        medals = Counter((e.player_id, e.medal_name) for e in events if e.type == "medal")
        assert medals == named, match_id


def test_kills_pair_with_deaths_of_opponents_as_far_as_the_counts_allow(world):
    sim, films = world
    opponents = resolved = 0
    seen = Counter()
    for match_id, (_, chunk) in films.items():
        meta = sim.world.matches[match_id]
        document = sim.stats_document(match_id)
        teams = {p["PlayerId"]: p["LastTeamId"] for p in document["Players"]}
        feed = pair_kills(read_events(chunk, 41))
        paired = [kill for kill in feed if kill.victim_xuid is not None]
        crossed = [
            teams[f"xuid({kill.killer_xuid})"] != teams[f"xuid({kill.victim_xuid})"]
            for kill in paired
        ]
        if catalog.MODES[meta.mode].pve:  # players kill the AI and die to it
            assert not paired and any(kill.victim_xuid is None for kill in feed), match_id
            seen["pve"] += 1
        elif meta.bots:  # a kill with no opponent's death to pair with was a bot's
            assert all(crossed), match_id
            seen["bots"] += 1
        else:
            assert len(paired) == _most_pairs(document), match_id
            resolved += len(paired)
            opponents += sum(crossed)
    assert seen["bots"]
    assert resolved > 500 and opponents / resolved > 0.9


def test_in_firefight_no_kill_pairs(world):
    sim, films = world
    match_id = next(iter(films))
    meta = sim.world.matches[match_id]
    document = sim.stats_document(match_id)
    film = events_module.film_events(document, sim.world.people, "s", meta.duration_ms)
    against_ai = events_module.film_events(
        document, sim.world.people, "s", meta.duration_ms, pve=True
    )
    kills = [e for e in against_ai.events if e.type == "kill"]
    assert kills and reconcile(against_ai.events, document) == []
    assert not against_ai.ambiguous_kill_times
    assert all(kill.victim_xuid is None for kill in pair_kills(against_ai.events))
    assert any(kill.victim_xuid for kill in pair_kills(film.events))


def test_ambiguous_kills_are_where_they_were_planted(world):
    sim, films = world
    planted_total = 0
    for match_id, (_, chunk) in films.items():
        planted = sim.films.film(match_id).events.ambiguous_kill_times
        feed = pair_kills(read_events(chunk, 41))
        assert {kill.time_ms for kill in feed if kill.ambiguous} == planted, match_id
        assert all(kill.candidates == 2 for kill in feed if kill.time_ms in planted)
        planted_total += len(planted)
    kills = sum(
        1 for _, chunk in films.values() for e in read_events(chunk, 41) if e.type == "kill"
    )
    assert 0.02 < planted_total / kills < 0.15


def test_films_are_the_same_from_the_same_seed_and_built_only_when_asked(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a film was built with the world")

    monkeypatch.setattr(sim_films, "film_events", refuse)
    first = Simulator(SimulatorConfig(seed=9, players=2, matches=12))
    SimClient(first).walk(first.player_ids[0])
    monkeypatch.undo()
    second = Simulator(SimulatorConfig(seed=9, players=2, matches=12))
    match_id = first.history(first.player_ids[0])[0]
    assert first.films.manifest(match_id) == second.films.manifest(match_id)
    one, two = first.films.film(match_id), second.films.film(match_id)
    assert one.chunks == two.chunks


def test_films_older_than_the_configured_age_are_gone():
    sim = Simulator(SimulatorConfig(seed=6, players=1, matches=40, film_max_age_days=2))
    client = SimClient(sim)
    now = sim.films.now_ms()
    history = [sim.world.matches[m] for m in sim.history(sim.player_ids[0])]
    ages = [(now - meta.start_ms - meta.span_ms) / 86_400_000 for meta in history]
    assert ages[0] == 0 and max(ages) > 2  # the world spans more than the age
    kept = SimulatorConfig(seed=6, players=1, matches=40, film_max_age_days=1e6)
    fresh = SimClient(Simulator(kept))
    for meta, age in zip(history, ages, strict=True):
        path = f"/hi/films/matches/{meta.match_id}/spectate"
        manifest = fresh.get(path).json()  # where the chunks were, before they expired
        chunk = _blob_path(manifest, manifest["CustomData"]["Chunks"][-1]["FileRelativePath"])
        expected = 404 if age > 2 else 200
        assert client.get(path).status_code == expected, age
        assert client.get(chunk).status_code == expected, age


def test_a_film_in_a_version_the_reader_does_not_know(monkeypatch):
    sim = Simulator(SimulatorConfig(seed=7, players=1, matches=10))
    named = sim.history(sim.player_ids[0])[3]
    config = SimulatorConfig(
        seed=7, players=1, matches=10, film_max_age_days=1e6, film_unknown_matches=(named,)
    )
    sim = Simulator(config)
    client = SimClient(sim)
    versions = {}
    for match_id in sim.history(sim.player_ids[0]):
        data = client.get(f"/hi/films/matches/{match_id}/spectate").json()
        versions[match_id] = data["CustomData"]["FilmMajorVersion"]
    assert versions.pop(named) == UNKNOWN_VERSION and set(versions.values()) == {ENCODED_VERSION}
    assert UNKNOWN_VERSION not in LAYOUTS
    data = client.get(f"/hi/films/matches/{named}/spectate").json()
    chunk = client.get(_blob_path(data, data["CustomData"]["Chunks"][-1]["FileRelativePath"]))
    with pytest.raises(UnknownFilmVersionError) as caught:
        read_events(chunk.content, UNKNOWN_VERSION)
    assert caught.value.version == UNKNOWN_VERSION
    # Once the reader learns the layout, the same bytes read back, agreeing with the stats.
    monkeypatch.setitem(LAYOUTS, UNKNOWN_VERSION, UNKNOWN_LAYOUT)
    events = read_events(chunk.content, UNKNOWN_VERSION)
    assert events and reconcile(events, sim.stats_document(named)) == []


def test_a_fraction_of_films_in_the_unknown_version():
    sim = Simulator(SimulatorConfig(seed=8, players=2, matches=40, film_unknown_version=0.3))
    versions = Counter(sim.films.version(match_id) for match_id in sim.world.matches)
    assert set(versions) == {ENCODED_VERSION, UNKNOWN_VERSION}
    assert 0.15 < versions[UNKNOWN_VERSION] / sum(versions.values()) < 0.45


def test_medals_the_film_table_does_not_name_get_a_free_code():
    unnamed = 999  # no medal of the world has this NameId, so no name either
    codes = events_module.medal_codes([622331684, unnamed])
    assert codes[622331684] == 0  # Double Kill, the table's code
    assert codes[unnamed] == 255 and 255 not in events_module.FILM_MEDAL_NAMES


def test_simulate_takes_the_film_options(monkeypatch):
    from grunt_archive.simulator import server

    started = []
    monkeypatch.setattr(server, "serve", lambda sim, **kwargs: started.append(sim.config))
    arguments = [
        "--players", "1", "--matches", "2", "--film-max-age-days", "3.5",
        "--film-unknown-version", "0.25", "--film-unknown-match", "a", "--film-unknown-match", "b",
    ]  # fmt: skip
    result = CliRunner().invoke(simulate, arguments)
    assert result.exit_code == 0, result.output
    (config,) = started
    assert config.film_max_age_days == 3.5 and config.film_unknown_version == 0.25
    assert config.film_unknown_matches == ("a", "b")
    refused = CliRunner().invoke(simulate, ["--film-unknown-version", "2"])
    assert refused.exit_code == 2 and "--film-unknown-version" in refused.output
