"""The simulator's enrichment routes: calendars, skill faults and the bot-id record."""

from __future__ import annotations

import pytest

from grunt_archive import api, normalize
from grunt_archive.errors import UsageError
from grunt_archive.normalize import season_rows
from grunt_archive.simulator import Simulator, SimulatorConfig
from tests.simulator_fixtures import SimClient

AUTH = {"x-343-authorization-spartan": "t", "343-clearance": "c"}


def matchmade(sim: Simulator) -> str:
    return next(m for m in sim.history(sim.player_ids[0]) if sim.world.matches[m].lifecycle == 3)


def test_calendars_name_every_season_a_match_carries():
    sim = Simulator(SimulatorConfig(seed=5, players=2, matches=200))
    client = SimClient(sim)
    named = set()
    for path in (
        "/hi/progression/file/calendars/seasons/seasoncalendar.json",
        "/hi/Progression/file/Csr/Calendars/CsrSeasonCalendar.json",
    ):
        response = client.get(path)
        assert response.status_code == 200
        named |= {row["season_id"] for row in season_rows(response.json())["seasons"]}
    used = {
        sim.stats_document(m)["MatchInfo"]["SeasonId"]
        for p in sim.player_ids
        for m in sim.history(p)
    } - {None}
    assert used and used <= named
    assert sim.counts["gamecms"] == 2


def test_skill_404_fault_then_200_and_bot_ids_are_recorded():
    sim = Simulator(SimulatorConfig(seed=2, players=1, matches=30, skill_404=2))
    client = SimClient(sim, headers={})
    match_id = matchmade(sim)
    path, player = f"/hi/matches/{match_id}/skill", sim.player_ids[0]
    late = [client.get(path, headers=AUTH, players=player) for _ in range(2)]
    assert [r.status_code for r in late] == [404, 404]
    assert late[0].json() == {"Value": [{"Id": player, "ResultCode": 1, "Result": None}]}
    assert client.get(path, headers=AUTH, players=player).status_code == 200
    assert sim.counts["fault_skill_404"] == 2
    assert "skill_bot_ids" not in sim.counts
    refused = client.get(path, headers=AUTH, players=f"{player},bid(3.0)")
    assert refused.status_code == 404 and sim.counts["skill_bot_ids"] == 1


def test_skill_404_must_not_be_negative():
    with pytest.raises(UsageError):
        SimulatorConfig(skill_404=-1)


@pytest.mark.parametrize("package", [api, normalize], ids=["api", "normalize"])
def test_all_is_sorted_and_complete(package):
    assert package.__all__ == sorted(package.__all__)
    assert all(getattr(package, name) is not None for name in package.__all__)
