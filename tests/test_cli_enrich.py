"""End to end, enrichment: the real CLI in a subprocess against a started simulator process."""

from __future__ import annotations

import json

import pytest

from tests.e2e import cli, simulator_process
from tests.helpers import value

pytestmark = pytest.mark.slow


def test_sync_names_everything_skill_comes_late_and_a_no_op_costs_nothing(db_path):
    # Skill answers 404 six times per match: more than one run's retries (4), fewer than two.
    with simulator_process(
        "--seed", "18", "--players", "2", "--matches", "30", "--skill-404", "6"
    ) as sim:
        first = cli("sync", "--json", db=db_path, api_base=sim.url)  # no clearance given
        assert first.returncode == 0, first.stderr
        summary = json.loads(first.stdout)
        matchmade = value(db_path, "SELECT count(*) FROM matches WHERE lifecycle_mode = 3")
        assert summary["outcome"] == "ok" and summary["pending"] == []
        assert len(summary["enrichment_pending"]) == matchmade > 0
        assert value(db_path, "SELECT count(*) FROM match_skill") == 0
        assert value(db_path, "SELECT count(*) FROM players WHERE gamertag IS NULL") == 0
        assert value(db_path, "SELECT count(*) FROM matches_named WHERE map IS NULL") == 0
        assert value(db_path, "SELECT count(*) FROM medal_awards_named WHERE medal IS NULL") == 0
        assert sim.counts()["clearance"] == 1

        second = cli("sync", "--json", db=db_path, api_base=sim.url)
        assert second.returncode == 0, second.stderr
        assert json.loads(second.stdout)["enrichment_pending"] == []
        assert (
            value(
                db_path,
                "SELECT count(DISTINCT match_id) FROM match_skill WHERE player_id LIKE 'xuid(%'",
            )
            == matchmade
        )
        assert "skill_bot_ids" not in sim.counts()

        sim.post("/_simulator/reset-counts")
        third = cli("sync", "--json", "--matches-only", db=db_path, api_base=sim.url)
        assert third.returncode == 0, third.stderr
        assert sim.counts() == {"history": 1}  # the tracked (signed-in) player's first page

        # Without --matches-only too: careers move only with play.
        sim.post("/_simulator/reset-counts")
        fourth = cli("sync", "--json", db=db_path, api_base=sim.url)
        assert fourth.returncode == 0, fourth.stderr
        assert sim.counts() == {"history": 1}

    rebuilt = cli("reparse", db=db_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert value(db_path, "SELECT count(DISTINCT match_id) FROM match_skill") == matchmade
