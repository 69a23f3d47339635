"""Playlist CSR document (``/hi/playlist/{id}/csrs?players=…``) → ``csr_snapshots`` rows.

Each listed player has three CSR objects: ``Current``, ``SeasonMax`` and
``AllTimeMax``, in the shape of a match's pre/post-match CSR (halo-api.md
§3.3). Columns are ``current_csr``, ``current_tier``, …, then the same with
``season_max_`` and ``all_time_max_``. A ``Value`` of -1 means unranked or in
placement, as the service sends it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grunt_archive.errors import MalformedResponseError

Rows = dict[str, list[dict[str, Any]]]

# Csr field → column suffix, shared with match_skill (after pre_match_ / post_match_).
CSR_FIELDS = {
    "Value": "csr",
    "Tier": "tier",
    "SubTier": "sub_tier",
    "TierStart": "tier_start",
    "NextTier": "next_tier",
    "NextSubTier": "next_sub_tier",
    "NextTierStart": "next_tier_start",
    "MeasurementMatchesRemaining": "measurement_matches_remaining",
    "InitialMeasurementMatches": "initial_measurement_matches",
}
# Csr fields that hold text (tier names); the rest are numbers.
CSR_TEXT_FIELDS = frozenset({"Tier", "NextTier"})
# Result key → column prefix.
RECORDS = {"Current": "current", "SeasonMax": "season_max", "AllTimeMax": "all_time_max"}


def csr_rows(doc: Mapping[str, Any], playlist_asset_id: str) -> Rows:
    """Turn a playlist CSR document into one ``csr_snapshots`` row per player (no ``taken_at``).

    Args:
        doc: the parsed document, ``{"Value": [{"Id", "ResultCode", "Result"}]}``.
        playlist_asset_id: the playlist asked about.

    Raises:
        MalformedResponseError: there is no ``Value`` list, an entry has no
            player id, or a CSR number is not a number.

    """
    values = doc.get("Value") if isinstance(doc, Mapping) else None
    if not isinstance(values, list):
        raise MalformedResponseError(f"CSR of playlist {playlist_asset_id} has no Value list")
    rows = []
    for entry in values:
        player_id = entry.get("Id") if isinstance(entry, Mapping) else None
        if not isinstance(player_id, str) or not player_id:
            raise MalformedResponseError(f"CSR of playlist {playlist_asset_id}: an entry has no Id")
        row: dict[str, Any] = {
            "player_id": player_id,
            "playlist_asset_id": playlist_asset_id.lower(),
            "result_code": entry.get("ResultCode"),
        }
        result = entry.get("Result") if isinstance(entry.get("Result"), Mapping) else {}
        for record, prefix in RECORDS.items():
            csr = result.get(record) if isinstance(result.get(record), Mapping) else {}
            for field, suffix in CSR_FIELDS.items():
                value = csr.get(field)
                if field in CSR_TEXT_FIELDS:
                    value = value if isinstance(value, str) else None
                elif value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                    raise MalformedResponseError(
                        f"CSR of {player_id} in {playlist_asset_id}: {record}.{field} = {value!r}"
                    )
                row[f"{prefix}_{suffix}"] = value
        rows.append(row)
    return {"csr_snapshots": rows}
