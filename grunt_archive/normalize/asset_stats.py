"""A discovery document's ``AssetStats`` → an ``asset_stats_snapshots`` row.

``AssetStats`` (halo-api.md §3.5) are the community's figures for an asset:
plays recent and all time, favorites, likes, bookmarks, ratings. They come in
every discovery document; the snapshot step reads them from the asset's
latest version (``/hi/{kind}/{assetId}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grunt_archive.errors import MalformedResponseError
from grunt_archive.normalize.values import snake_case

Rows = dict[str, list[dict[str, Any]]]


def asset_stats_rows(doc: Mapping[str, Any], kind: str, asset_id: str) -> Rows:
    """Turn an asset document's ``AssetStats`` into its snapshot row (no ``taken_at``).

    Args:
        doc: the parsed discovery document.
        kind: ``map``, ``game_variant``, ``playlist`` or ``map_mode_pair``.
        asset_id: the asset asked about.

    Raises:
        MalformedResponseError: the document has no ``AssetStats`` object, or a
            figure in it is not a number.

    """
    stats = doc.get("AssetStats") if isinstance(doc, Mapping) else None
    if not isinstance(stats, Mapping):
        raise MalformedResponseError(f"{kind} {asset_id} has no AssetStats")
    version = doc.get("VersionId")
    row: dict[str, Any] = {
        "asset_id": asset_id.lower(),
        "asset_kind": kind,
        "version_id": version.lower() if isinstance(version, str) else None,
    }
    for name, value in stats.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise MalformedResponseError(f"{kind} {asset_id}: AssetStats.{name} = {value!r}")
        row[snake_case(name)] = value
    return {"asset_stats_snapshots": [row]}
