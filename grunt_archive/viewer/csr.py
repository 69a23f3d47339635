"""A player's current CSR per ranked playlist, and their placement matches left.

The home page's cards and the player page read the newest CSR snapshot of each
playlist the sync took, else the CSR (or placement) after the player's newest ranked
match there, from its skill result;
a player in placement (CSR -1 with measurement matches left) has no tier yet, and
the pages say how many matches they have left rather than "Unranked".

A snapshot is the current season's: a player who has not played ranked since it
began is unranked there though their last ranked match left them at 1206, so a
snapshot's row says "this season" and carries the all-time best it reports.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from grunt_archive.viewer.formats import placement_left
from grunt_archive.viewer.reading import csr_of, rows

# The newest ranked lines a current CSR is looked for in, when no snapshot was taken.
_CSR_LOOKBACK = 500
_LATEST_RANKED = {
    # A tracked player: their newest lines (the career table's index), then their skill;
    # a line keeps no CSR without a tier, so a match still in placement is found by its skill.
    True: """
        SELECT pm.playlist_asset_id, coalesce(pm.playlist, pm.playlist_asset_id) AS playlist,
            pm.post_match_csr AS csr, pm.post_match_tier AS tier,
            sk.post_match_sub_tier AS sub_tier,
            sk.post_match_measurement_matches_remaining AS placement, max(pm.start_time) AS as_of
        FROM (SELECT * FROM player_matches WHERE player_id = :player
              ORDER BY start_time DESC LIMIT :lookback) AS pm
        JOIN match_skill AS sk ON sk.match_id = pm.match_id AND sk.player_id = pm.player_id
        WHERE pm.post_match_csr IS NOT NULL OR sk.post_match_measurement_matches_remaining > 0
        GROUP BY pm.playlist_asset_id
    """,
    # Anyone else: the few matches they shared with a tracked player.
    False: f"""
        SELECT m.playlist_asset_id,
            coalesce((SELECT max(a.public_name) FROM assets AS a
                WHERE a.asset_id = m.playlist_asset_id), m.playlist_asset_id) AS playlist,
            {csr_of("sk", "post_match")} AS csr, nullif(sk.post_match_tier, '') AS tier,
            sk.post_match_sub_tier AS sub_tier,
            sk.post_match_measurement_matches_remaining AS placement, max(m.start_time) AS as_of
        FROM match_players AS mp
        JOIN match_skill AS sk ON sk.match_id = mp.match_id AND sk.player_id = mp.player_id
        JOIN matches AS m ON m.match_id = mp.match_id
        WHERE mp.player_id = :player
            AND ({csr_of("sk", "post_match")} IS NOT NULL
                OR sk.post_match_measurement_matches_remaining > 0)
        GROUP BY m.playlist_asset_id
    """,
}


def current_csr(
    connection: sqlite3.Connection, player_id: str, tracked: bool = True
) -> list[dict[str, Any]]:
    """Return the player's current CSR per ranked playlist, with its tier.

    The newest CSR snapshot of each playlist when the sync took one, else the
    CSR after the newest ranked match of that playlist (among the player's
    newest 500 matches, so a long career costs no more than a short one).
    """
    found = rows(
        connection,
        """
        SELECT c.playlist_asset_id,
            coalesce((SELECT max(a.public_name) FROM assets AS a
                WHERE a.asset_id = c.playlist_asset_id), c.playlist_asset_id) AS playlist,
            c.current_csr AS csr, nullif(c.current_tier, '') AS tier,
            c.current_sub_tier AS sub_tier, c.current_measurement_matches_remaining AS placement,
            c.all_time_max_csr AS best_csr, nullif(c.all_time_max_tier, '') AS best_tier,
            c.all_time_max_sub_tier AS best_sub_tier, max(c.taken_at) AS as_of
        FROM csr_snapshots AS c WHERE c.player_id = :player GROUP BY c.playlist_asset_id
        """,
        {"player": player_id},
    )
    seen = {row["playlist_asset_id"] for row in found}
    latest = rows(
        connection, _LATEST_RANKED[tracked], {"player": player_id, "lookback": _CSR_LOOKBACK}
    )
    found += [row for row in latest if row["playlist_asset_id"] not in seen]
    for row in found:
        if row["csr"] is not None and row["csr"] < 0:
            row["csr"] = None
        row["tier_name"] = tier_name(row["tier"], row["sub_tier"], row["csr"], row["placement"])
        row["best"] = None
        # Not a snapshot's: the CSR after their newest ranked match in the archive, which
        # for an opponent may be years old; the page dates it instead of calling it current.
        row["from_match"] = row["playlist_asset_id"] not in seen
        if row["playlist_asset_id"] in seen:
            if row["csr"] is None:
                row["tier_name"] += " this season"
            best = row["best_csr"]
            if best is not None and best >= 0 and best != row["csr"]:
                row["best"] = f"{best} {tier_name(row['best_tier'], row['best_sub_tier'], best)}"
    return sorted(found, key=lambda row: row["playlist"] or "")


def tier_name(
    tier: str | None, sub_tier: int | None, csr: int | None, placement: int | None = None
) -> str:
    """Return e.g. "Diamond 4" (sub-tiers are 0-based in the API), "Onyx", or "Unranked".

    A player in placement (CSR -1, some of the measurement matches left) has no tier
    yet: "placement, 3 matches left" says so where "Unranked" would say they are not ranked.
    """
    if csr is None or not tier:
        return placement_left(placement) or "Unranked"
    if tier == "Onyx" or sub_tier is None:
        return tier
    return f"{tier} {sub_tier + 1}"


def placement_after(
    connection: sqlite3.Connection, player_id: str, match_ids: list[str]
) -> dict[str, int]:
    """Return the placement matches the player had left after each of ``match_ids`` still in it.

    Read from their skill results (the lines keep only a CSR with its tier), for the
    few matches a page lists.
    """
    if not match_ids:
        return {}
    found = rows(
        connection,
        "SELECT match_id, post_match_measurement_matches_remaining AS left_after"
        " FROM match_skill WHERE player_id = ? AND post_match_measurement_matches_remaining > 0"
        f" AND match_id IN ({', '.join('?' * len(match_ids))})",
        [player_id, *match_ids],
    )
    return {row["match_id"]: row["left_after"] for row in found}
