"""An unranked match's skill result holds no CSR, though the service sends ``Value`` 0.

The service sends an unranked match's CSR as 0 with no tier (as
``grunt2022__match_skill.json``), placement as -1 with no tier, and a ranked
CSR, Bronze's 0 included, with its tier. The archive keeps ``match_skill`` as
sent; the lines, the totals and the pages show a CSR only with its tier. An
archive written before (migration 0023) is repaired.
"""

from __future__ import annotations

import asyncio
import copy
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from grunt_archive import documents
from grunt_archive.db import head_revision, make_engine, open_archive, upgrade_archive
from grunt_archive.store import career_snapshots, lookups, matches, open_store, state
from tests.conftest import FIXTURES, load_json
from tests.helpers import raw, rows, viewer

ME = "xuid(2533274800000001)"
DOC = load_json(FIXTURES / "match_2024_ctf_team_switch.json")
SKILL = load_json(FIXTURES / "skill_ctf_team_switch.json")
NO_TIER = {"Tier": "", "TierStart": 0, "SubTier": 0, "NextTier": "", "NextTierStart": 0,
           "NextSubTier": 0}  # fmt: skip
UNRANKED = {"Value": 0, "MeasurementMatchesRemaining": 0, "InitialMeasurementMatches": 0,
            **NO_TIER}  # fmt: skip
BRONZE_0 = {"Value": 0, "MeasurementMatchesRemaining": 0, "InitialMeasurementMatches": 10,
            "Tier": "Bronze", "TierStart": 0, "SubTier": 0, "NextTier": "Bronze",
            "NextTierStart": 50, "NextSubTier": 1}  # fmt: skip
PLACEMENT = {"Value": -1, "MeasurementMatchesRemaining": 3, "InitialMeasurementMatches": 10,
             **NO_TIER}  # fmt: skip
CSR_LINES = "SELECT pre_match_csr, post_match_csr, csr_change FROM player_matches"


def skill(pre: dict, post: dict) -> dict:
    """The fixture's skill document with the tracked player's CSR before and after."""
    doc = copy.deepcopy(SKILL)
    recap = doc["Value"][0]["Result"]["RankRecap"]
    recap["PreMatchCsr"], recap["PostMatchCsr"] = dict(pre), dict(post)
    return doc


def archived(path: Path, skill_doc: dict) -> Path:
    engine = open_archive(path)
    match_id = DOC["MatchId"]
    with open_store(engine) as store:
        state.track_player(store, ME, "Chief Mendez")
        raw = documents.RawDocument("match_stats", match_id, "/s", "2026-01-01T00:00:00.000Z",
                                    json.dumps(DOC))  # fmt: skip
        matches.save_match(store, raw, DOC)
        raw = documents.RawDocument("match_skill", match_id, "/k", "2026-01-01T00:00:00.000Z",
                                    json.dumps(skill_doc))  # fmt: skip
        lookups.save_match_skill(store, raw, skill_doc)
    engine.dispose()
    return path


def page(db: Path, path: str) -> dict:
    response = asyncio.run(viewer(db).client.get(path))
    assert response.status_code == 200, response.text[:300]
    return response.json()


def shown(db: Path) -> tuple:
    """The CSR the match page, the player page and the totals show for the tracked player."""
    match = page(db, f"/match/{DOC['MatchId']}.json")
    mine = [p for t in match["teams"] for p in t["players"] if p["player_id"] == ME]
    recent = page(db, "/player/Chief%20Mendez.json?scope=all")["recent_matches"]
    peaks = {peak for (peak,) in rows(db, "SELECT peak_csr FROM player_totals")}
    return ({(p["csr_before"], p["csr_after"]) for p in mine},
            {(r["csr_before"], r["csr_after"]) for r in recent}, peaks)  # fmt: skip


@pytest.mark.parametrize(
    ("pre", "post", "lines", "csr"),
    [
        (UNRANKED, UNRANKED, (None, None, None), (None, None)),
        (PLACEMENT, BRONZE_0, (None, 0, None), (None, 0)),
        (BRONZE_0, BRONZE_0, (0, 0, 0), (0, 0)),
    ],
    ids=["unranked", "placed at Bronze 0", "ranked at Bronze 0"],
)
def test_a_csr_counts_only_with_its_tier(tmp_path, pre, post, lines, csr):
    db = archived(tmp_path / "halo.db", skill(pre, post))
    kept = rows(db, "SELECT pre_match_csr, post_match_csr FROM match_skill WHERE player_id = ?", ME)
    assert kept == [(pre["Value"], post["Value"])]  # as the service sent it
    assert set(rows(db, CSR_LINES)) == {lines}
    assert shown(db) == ({csr}, {csr}, {csr[1]})


def test_migration_0023_clears_the_csr_an_unranked_match_gave_before(tmp_path):
    db = archived(tmp_path / "halo.db", skill(UNRANKED, UNRANKED))
    # What the lines and totals held before: the service's 0 read as a CSR.
    with closing(sqlite3.connect(db)) as connection, connection:
        connection.execute("UPDATE player_matches SET pre_match_csr = 0, post_match_csr = 0,"
                           " csr_change = 0")  # fmt: skip
        connection.execute("UPDATE player_totals SET peak_csr = 0")
        connection.execute("UPDATE alembic_version SET version_num = '0022'")
    engine = make_engine(db)
    # Only the data migrations from there: the schema is the head's already (0025 adds
    # columns it has), so the archive is then stamped back at the head.
    upgrade_archive(engine, "0024")
    engine.dispose()
    with closing(sqlite3.connect(db)) as connection, connection:
        connection.execute("UPDATE alembic_version SET version_num = ?", (head_revision(),))
    assert set(rows(db, CSR_LINES)) == {(None, None, None)}
    assert shown(db) == ({(None, None)}, {(None, None)}, {None})


@pytest.mark.parametrize(
    ("post", "current"),
    [(UNRANKED, []), (PLACEMENT, [None]), (BRONZE_0, [0])],
    ids=["unranked", "in placement", "ranked at Bronze 0"],
)
def test_an_untracked_players_current_csr_names_ranked_playlists_only(tmp_path, post, current):
    # Read from their skill lines (no snapshot of theirs): an unranked 0 is no playlist of theirs.
    db = archived(tmp_path / "halo.db", skill(post, post))
    engine = open_archive(db)
    with open_store(engine) as store:
        state.untrack_player(store, ME)
        rows_of_snapshots = rows(db, "SELECT count(*) FROM csr_snapshots")
    engine.dispose()
    assert rows_of_snapshots == [(0,)]
    found = page(db, "/player/Chief%20Mendez.json")["current_csr"]
    assert [playlist["csr"] for playlist in found] == current
    # Once tracked, their whole history is archived: the page does not say it holds only some.
    html = asyncio.run(viewer(db).client.get("/player/Chief%20Mendez")).text
    assert "and those archived while they were tracked" in html and "holds only" not in html


def test_a_player_in_placement_is_said_to_be_in_placement_not_unranked(tmp_path):
    # CSR -1 with 3 of the 10 measurement matches left: no tier yet, but ranked play.
    db = archived(tmp_path / "halo.db", skill(PLACEMENT, PLACEMENT))
    # Tracked: their recent matches read their lines, which keep no CSR without a tier.
    recent = page(db, "/player/Chief%20Mendez.json?scope=all")["recent_matches"]
    assert [m["placement_after"] for m in recent] == [3]
    html = asyncio.run(viewer(db).client.get("/player/Chief%20Mendez?scope=all")).text
    assert "<td>placement, 3 matches left</td>" in html
    engine = open_archive(db)
    with open_store(engine) as store:
        state.untrack_player(store, ME)  # their CSR is read from their skill lines
    engine.dispose()
    found = page(db, "/player/Chief%20Mendez.json")["current_csr"]
    assert [(p["csr"], p["tier_name"]) for p in found] == [(None, "placement, 3 matches left")]
    html = asyncio.run(viewer(db).client.get("/player/Chief%20Mendez")).text
    assert '<span class="tier">placement, 3 matches left</span>' in html
    # The scoreboard has its CSR column for it, though no player has a CSR.
    html = asyncio.run(viewer(db).client.get(f"/match/{DOC['MatchId']}")).text
    assert "<th>CSR</th>" in html
    assert '<td class="csr">placement, 3 matches left</td>' in html


@pytest.mark.parametrize(
    ("post", "said"),
    [(PLACEMENT, [(None, "placement, 3 matches left")]), (UNRANKED, [])],
    ids=["in placement", "unranked"],
)
def test_a_tracked_player_in_placement_with_no_snapshot_is_said_to_be_in_placement(
    tmp_path, post, said
):
    # No CSR snapshot yet (the sync takes one later, or failed to): their skill rows say it.
    db = archived(tmp_path / "halo.db", skill(post, post))
    assert rows(db, "SELECT count(*) FROM csr_snapshots") == [(0,)]
    found = page(db, "/player/Chief%20Mendez.json")["current_csr"]
    assert [(p["csr"], p["tier_name"]) for p in found] == said
    html = asyncio.run(viewer(db).client.get("/player/Chief%20Mendez")).text
    assert ('<span class="tier">placement, 3 matches left</span>' in html) == bool(said)


def test_a_season_not_yet_played_says_this_season_and_keeps_the_all_time_best(tmp_path):
    # The snapshot is the current season's: unranked there, though the last ranked match
    # left the player at Bronze 0 and their best ever was Diamond 1 (1215).
    db = archived(tmp_path / "halo.db", skill(BRONZE_0, BRONZE_0))
    playlist = DOC["MatchInfo"]["Playlist"]["AssetId"]
    doc = load_json(FIXTURES / "playlist_csr_two_players.json")
    result = doc["Value"][0]["Result"]
    result["Current"] = result["SeasonMax"] = {
        **UNRANKED,
        "Value": -1,
        "InitialMeasurementMatches": 10,
    }
    result["AllTimeMax"].update(Value=1215, Tier="Diamond", TierStart=1200, SubTier=0)
    key = documents.PLAYLIST_CSR.key_of(ME, playlist)
    engine = open_archive(db)
    with open_store(engine) as store:
        document = raw(documents.PLAYLIST_CSR, key, doc, "2026-02-01T00:00:00.000Z")
        assert career_snapshots.save_snapshot(store, document, doc)
    engine.dispose()
    found = page(db, "/player/Chief%20Mendez.json")["current_csr"]
    assert [(p["csr"], p["tier_name"], p["best"]) for p in found] == [
        (None, "Unranked this season", "1215 Diamond 1")
    ]
    for path in ("/player/Chief%20Mendez", "/"):
        html = asyncio.run(viewer(db).client.get(path)).text
        assert '<span class="tier">Unranked this season</span>' in html, path
        assert '<span class="muted">(best 1215 Diamond 1)</span>' in html, path
