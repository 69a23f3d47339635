"""A Datasette facet whose values read as names: modes and lifecycles, maps and playlists.

The ``matches`` table keeps the services' codes (``lifecycle_mode`` 3,
``game_variant_category`` 22) and asset GUIDs, which Datasette's column facet
lists as they are: "3 119, 1 25, 7 3". A facet of type ``named`` (``facets:
[{named: lifecycle_mode}]`` in ``metadata.yml``, or ``?_facet_named=map_asset_id``)
counts the same column and filters by the same value, but labels each value by its
name ("matchmade", "Infection", "Live Fire"); a value it cannot name keeps its code.
"""

from __future__ import annotations

from typing import Any

from datasette.facets import ColumnFacet
from datasette.utils import path_with_removed_args

from grunt_archive.viewer.reading import LIFECYCLES

# The services' codes (Halo Waypoint's enums), by the column that keeps them.
GAME_VARIANT_CATEGORIES: dict[int, str] = {
    6: "Slayer", 7: "Attrition", 8: "Elimination", 9: "Fiesta", 10: "SWAT", 11: "Strongholds",
    12: "Bastion", 13: "King of the Hill", 14: "Total Control", 15: "Capture the Flag",
    16: "Assault", 17: "Extraction", 18: "Oddball", 19: "Stockpile", 20: "Juggernaut",
    21: "Regicide", 22: "Infection", 23: "Escort (VIP)", 24: "Gun Game", 25: "Grifball",
    26: "Race", 39: "Land Grab", 41: "Minigame", 42: "Firefight",
}  # fmt: skip
CODES: dict[str, dict[int, str]] = {
    "lifecycle_mode": LIFECYCLES,
    "game_variant_category": GAME_VARIANT_CATEGORIES,
    "playlist_experience": {
        1: "untracked",
        2: "Arena",
        3: "Big Team Battle",
        4: "PvE bots",
        5: "featured",
        6: "PvE",
    },
    "gameplay_interaction": {0: "none", 1: "PvP", 2: "PvE", 3: "PvPvE"},
}
# Asset id columns, named by their asset's public name (any version's: a rename is rare).
ASSET_COLUMNS = ("map_asset_id", "game_variant_asset_id", "playlist_asset_id",
                 "map_mode_pair_asset_id")  # fmt: skip


class NamedFacet(ColumnFacet):
    """Datasette's column facet, its values labelled by name (`CODES`, `ASSET_COLUMNS`)."""

    type = "named"

    async def suggest(self) -> list[dict[str, Any]]:
        """Suggest nothing: the column facet suggests these columns already."""
        return []

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        """Return the column facet's results, each value's label its name where known."""
        results, timed_out = await super().facet_results()
        for facet in results:
            column = facet["name"]
            # The column facet's own link drops `_facet`; this one was asked as `_facet_named`.
            removed = path_with_removed_args(self.request, {f"_facet_{self.type}": column})
            facet["toggle_url"] = self.ds.urls.path(removed)
            names = await self._names(column, [value["value"] for value in facet["results"]])
            for value in facet["results"]:
                value["label"] = names.get(value["value"], value["label"])
        return results, timed_out

    async def _names(self, column: str, values: list[Any]) -> dict[Any, str]:
        """Return the name of each of ``values`` of ``column`` that has one."""
        if column in CODES:
            return {v: CODES[column][v] for v in values if v in CODES[column]}
        if column not in ASSET_COLUMNS or not values:
            return {}
        marks = ", ".join("?" * len(values))
        found = await self.ds.execute(
            self.database,
            "SELECT asset_id, max(public_name) FROM assets"
            f" WHERE asset_id IN ({marks}) AND public_name IS NOT NULL GROUP BY asset_id",
            values,
        )
        return {row[0]: row[1] for row in found.rows}
