"""The simulator's career routes: service records, playlist CSR, growing AssetStats."""

from __future__ import annotations

import pytest

from grunt_archive.normalize import match_rows
from grunt_archive.normalize.service_record import service_record_rows
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.simulator.data import catalog
from tests.simulator_fixtures import SimClient

AUTH = {"x-343-authorization-spartan": "t", "343-clearance": "c"}
RANKED = catalog.PLAYLISTS["ranked"].asset_id
SEASON = "Csr/Seasons/CsrSeason9-1.json"


def test_service_records_add_up_the_players_matches_and_ignore_case():
    sim = Simulator(SimulatorConfig(seed=8, players=2, matches=40))
    client = SimClient(sim)
    player = sim.player_ids[0]
    for lifecycle, mode in (("matchmade", 3), ("custom", 1), ("local", 7)):
        record = client.get(f"/hi/players/{player}/{lifecycle}/servicerecord").json()
        docs = [sim.stats_document(m) for m in sim.history(player)]
        mine = [
            row
            for doc in docs
            if doc["MatchInfo"]["LifecycleMode"] == mode
            for row in match_rows(doc)["match_players"]
            if row["player_id"] == player
        ]
        assert record["CoreStats"]["Kills"] == sum(row["kills"] or 0 for row in mine)
        assert record["CoreStats"]["ShotsHit"] == sum(row["shots_hit"] or 0 for row in mine)
        (snapshot,) = service_record_rows(record, player, lifecycle)["service_record_snapshots"]
        played = sum(row["time_played_seconds"] for row in mine)
        assert snapshot["time_played_seconds"] == pytest.approx(played, abs=1e-6)
    upper = client.get(f"/hi/players/{player}/Matchmade/servicerecord", SeasonId=SEASON)
    lower = client.get(f"/hi/players/{player}/matchmade/servicerecord", seasonid=SEASON)
    assert upper.status_code == 200 and upper.json() == lower.json()
    assert upper.json()["Subqueries"]["SeasonIds"] == [SEASON]
    everything = client.get(f"/hi/players/{player}/matchmade/servicerecord").json()
    assert upper.json()["MatchesCompleted"] < everything["MatchesCompleted"]
    zones = everything.get("ZonesStats") or {}
    assert "StrongholdCaptures" not in zones and "KDA" not in everything.get("PvpStats", {})
    assert sim.counts["service_record"] == 6
    assert client.get("/hi/players/nobody/matchmade/servicerecord").status_code == 404


def test_records_and_csr_change_only_with_play():
    sim = Simulator(SimulatorConfig(seed=9, players=1, matches=60))
    client = SimClient(sim, headers=AUTH)
    player = sim.player_ids[0]
    path = f"/hi/players/{player}/matchmade/servicerecord"
    csr_path = f"/hi/playlist/{RANKED}/csrs"
    before, csr = client.get(path).json(), client.get(csr_path, players=player).json()
    assert client.get(path).json() == before
    assert client.get(csr_path, players=player).json() == csr
    sim.play(player, 12)
    assert client.get(path).json()["MatchesCompleted"] > before["MatchesCompleted"]
    assert client.get(csr_path, players=player).status_code == 200


def test_playlist_csr_needs_clearance_and_knows_only_tracked_players():
    sim = Simulator(SimulatorConfig(seed=10, players=1, matches=30))
    player = sim.player_ids[0]
    path = f"/hi/playlist/{RANKED}/csrs"
    no_clearance = SimClient(sim, headers={"x-343-authorization-spartan": "t"})
    assert no_clearance.get(path, players=player).status_code == 403
    client = SimClient(sim, headers=AUTH)
    unknown = client.get(path, players=f"{player},xuid(2533274899999999)")
    assert unknown.status_code == 404 and unknown.json()["Value"][1]["ResultCode"] == 1
    quick = client.get(f"/hi/playlist/{catalog.PLAYLISTS['quickplay'].asset_id}/csrs",
                       players=player).json()  # fmt: skip
    assert quick["Value"][0]["Result"]["AllTimeMax"]["Value"] == -1


def test_asset_stats_grow_with_played_matches():
    sim = Simulator(SimulatorConfig(seed=11, players=1, matches=20))
    client = SimClient(sim)
    path = f"/hi/playlists/{RANKED}"
    before = client.get(path).json()["AssetStats"]
    new = sim.play(sim.player_ids[0], 10)
    ranked = sum(
        (sim.stats_document(m)["MatchInfo"]["Playlist"] or {}).get("AssetId") == RANKED for m in new
    )
    after = client.get(path).json()["AssetStats"]
    assert after["PlaysAllTime"] - before["PlaysAllTime"] == ranked
    assert after["PlaysRecent"] - before["PlaysRecent"] == ranked
    assert after["Favorites"] == before["Favorites"]
