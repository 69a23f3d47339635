"""UGC discovery asset document (``/hi/{maps,…}/{id}/versions/{v}``) → an ``assets`` row."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from grunt_archive.errors import MalformedResponseError

Rows = dict[str, list[dict[str, Any]]]

# The four asset references of a match, by the column prefix they have in `matches`.
ASSET_KINDS = ("map", "game_variant", "playlist", "map_mode_pair")
# Embedded links worth keeping as references: document key -> column prefix.
_LINKS = {
    "MapLink": "map",
    "UgcGameVariantLink": "game_variant",
    "EngineGameVariantLink": "engine_game_variant",
}


def asset_rows(doc: Mapping[str, Any], kind: str, asset_id: str, version_id: str) -> Rows:
    """Turn one asset version's discovery document into its ``assets`` row.

    The row is keyed by the ids the match referred to (the document repeats
    them, but a match's reference is what has to find its name).

    Args:
        doc: the parsed discovery document.
        kind: ``map``, ``game_variant``, ``playlist`` or ``map_mode_pair``.
        asset_id: the asset id the match refers to.
        version_id: the version id the match refers to.

    Returns:
        ``{"assets": [row]}``.

    Raises:
        MalformedResponseError: the document is not an object, or its name is not text.

    """
    if not isinstance(doc, Mapping):
        raise MalformedResponseError(f"{kind} {asset_id} document is not a JSON object")
    name, description = doc.get("PublicName"), doc.get("Description")
    if not isinstance(name, str | None) or not isinstance(description, str | None):
        raise MalformedResponseError(f"{kind} {asset_id} has a PublicName that is not text")
    tags = doc.get("Tags")
    row: dict[str, Any] = {
        "asset_id": asset_id.lower(),
        "version_id": version_id.lower(),
        "asset_kind": kind,
        "public_name": name,
        "description": description,
        "tags": json.dumps(tags, ensure_ascii=False) if isinstance(tags, list) else None,
    }
    for field, prefix in _LINKS.items():
        link = doc.get(field)
        if isinstance(link, Mapping):
            row[f"{prefix}_asset_id"] = _text(link.get("AssetId"))
            row[f"{prefix}_version_id"] = _text(link.get("VersionId"))
    return {"assets": [row]}


def _text(value: Any) -> str | None:
    return value.lower() if isinstance(value, str) else None
