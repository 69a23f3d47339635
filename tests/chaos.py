"""What the chaos tests check after every run: no match half-written, none left behind.

Shared by `test_chaos` (one SQLite archive) and `test_chaos_workers` (several
PostgreSQL workers).
"""

from __future__ import annotations

from pathlib import Path

from grunt_archive.normalize.values import utc_timestamp
from grunt_archive.simulator import Simulator
from tests.helpers import counts_by_match, document_row_counts, raw_bodies, rows


def start_times(sim: Simulator, match_ids: list[str]) -> dict[str, str]:
    return {m: utc_timestamp(sim.stats_document(m)["MatchInfo"]["StartTime"]) for m in match_ids}


def assert_sound(db: Path, sim: Simulator, label: str) -> None:
    """No match half-written; nothing a tracked player played is left where no run will look."""
    bodies = raw_bodies(db, "match_stats")
    assert {r[0] for r in rows(db, "SELECT match_id FROM matches")} == set(bodies), label
    for table in ("match_players", "match_teams"):
        counts = counts_by_match(db, table)  # one query a table, not one a match
        for match_id, body in bodies.items():
            stored = counts.get(match_id, 0)
            assert stored == document_row_counts(body).get(table, 0), (label, match_id, table)
    held = set(bodies) | {r[0] for r in rows(db, "SELECT match_id FROM pending_matches")}
    reach = "SELECT player_id, history_complete, newest_start_time, oldest_start_time,"
    for player, complete, newest, oldest, offset in rows(
        db, f"{reach} backfill_offset FROM tracked_players"
    ):
        history = sim.history(player)
        times = start_times(sim, [m for m in history if m not in held])
        for position, match_id in enumerate(history):
            if match_id in held or newest is None:  # no reach: the backfill starts at the top
                continue
            when = times[match_id]
            later = when > newest or (not complete and when < oldest and position >= offset)
            assert later, (label, player, position, when, (complete, newest, oldest, offset))
