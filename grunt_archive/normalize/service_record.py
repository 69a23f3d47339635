"""Service record document (``/hi/players/{p}/{lifecycle}/servicerecord``) → snapshot rows.

A service record is a player's totals in one scope: a lifecycle
(``matchmade``, ``custom``, ``local``) and, for matchmade, filters (season,
playlist, ranked, game variant category, gameplay interaction). The scope is
written canonically (`scope_key`) so the same question always has the same
key. Field names follow the service record's own (halo-api.md §3.4): its
``ZonesStats`` say ``ZoneCaptures`` where match stats say
``StrongholdCaptures``, and its CoreStats have ``AverageKDA``; they are kept
as the API names them, by the usual snake_case rule.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from grunt_archive.errors import MalformedResponseError
from grunt_archive.normalize.match import DURATION_FIELDS, key_int
from grunt_archive.normalize.mode_blocks import Form
from grunt_archive.normalize.values import duration_seconds, is_duration, snake_case

Row = dict[str, Any]
Rows = dict[str, list[Row]]

LIFECYCLES = ("matchmade", "custom", "local")
# Filter key (lowercase, as SPNKr sends it) → scope column.
FILTERS = {
    "seasonid": "season_id",
    "playlistassetid": "playlist_asset_id",
    "isranked": "is_ranked",
    "gamevariantcategory": "game_variant_category",
    "gameplayinteraction": "gameplay_interaction",
}
_TOP = {"MatchesCompleted", "Wins", "Losses", "Ties", "TimePlayed"}
_LISTS = {"Medals", "PersonalScores"}


def scope_key(lifecycle: str, filters: Mapping[str, str] | None = None) -> str:
    """Return the canonical scope of a request: ``matchmade?seasonid=…`` (keys sorted, lowercase).

    Raises:
        ValueError: an unknown lifecycle or filter, or filters outside matchmade.

    """
    lifecycle = lifecycle.lower()
    if lifecycle not in LIFECYCLES:
        raise ValueError(f"not a service record lifecycle: {lifecycle!r}")
    pairs = sorted((key.lower(), value) for key, value in (filters or {}).items())
    unknown = [key for key, _ in pairs if key not in FILTERS]
    if unknown:
        raise ValueError(f"not a service record filter: {unknown[0]!r}")
    if pairs and lifecycle != "matchmade":
        raise ValueError("service record filters apply to matchmade only")
    return f"{lifecycle}?{urlencode(pairs, safe='/')}" if pairs else lifecycle


def parse_scope(scope: str) -> tuple[str, dict[str, str]]:
    """Split a `scope_key` back into (lifecycle, filters).

    Raises:
        ValueError: ``scope`` is not a scope key.

    """
    lifecycle, _, query = scope.partition("?")
    filters = dict(parse_qsl(query, keep_blank_values=True))
    if scope_key(lifecycle, filters) != scope:
        raise ValueError(f"not a canonical service record scope: {scope!r}")
    return lifecycle, filters


def scope_columns(scope: str) -> Row:
    """Return the scope's columns of ``service_record_snapshots`` (lifecycle and filters)."""
    lifecycle, filters = parse_scope(scope)
    row: Row = {"lifecycle": lifecycle, **dict.fromkeys(FILTERS.values())}
    for key, value in filters.items():
        column = FILTERS[key]
        if column == "is_ranked":
            row[column] = value.lower() == "true"
        elif column in ("game_variant_category", "gameplay_interaction"):
            row[column] = int(value) if value.lstrip("-").isdigit() else None
        else:
            row[column] = value
    return row


def service_record_rows(doc: Mapping[str, Any], player_id: str, scope: str) -> Rows:
    """Turn a service record into rows of the snapshot tables (without ``taken_at``).

    Args:
        doc: the parsed service record.
        player_id: whose record it is (``xuid(…)``).
        scope: the request's `scope_key`.

    Returns:
        ``service_record_snapshots`` (one row), ``service_record_medals``, and
        one ``service_record_<block>`` table per mode block present.

    Raises:
        MalformedResponseError: the document is not a service record, or a value
            breaks the naming rules (a bad duration).

    """
    if not isinstance(doc, Mapping) or not isinstance(doc.get("CoreStats"), Mapping):
        raise MalformedResponseError(f"service record of {player_id} ({scope}) has no CoreStats")
    try:
        return _rows(doc, {"player_id": player_id, "scope": scope})
    except (ValueError, TypeError, KeyError) as error:
        raise MalformedResponseError(f"service record of {player_id} ({scope}): {error}") from None


def _rows(doc: Mapping[str, Any], key: Row) -> Rows:
    row: Row = {**key, **scope_columns(key["scope"])}
    subqueries = doc.get("Subqueries")
    row["subqueries"] = None if subqueries is None else json.dumps(subqueries, sort_keys=True)
    rows: Rows = {"service_record_snapshots": [row], "service_record_medals": []}
    core = doc["CoreStats"]
    for name, value in core.items():
        if name not in _LISTS:
            _put(row, name, value)
    medals: dict[int, Row] = {}
    for medal in core.get("Medals") or []:
        name_id = key_int(medal["NameId"], "medal NameId")
        total = medals.setdefault(
            name_id, {**key, "medal_id": name_id, "count": 0, "total_personal_score_awarded": 0}
        )
        total["count"] += medal.get("Count") or 0
        total["total_personal_score_awarded"] += medal.get("TotalPersonalScoreAwarded") or 0
    rows["service_record_medals"] = list(medals.values())
    for name, value in doc.items():
        if name in ("Subqueries", "CoreStats"):
            continue
        if isinstance(value, Mapping):
            block: Row = dict(key)
            for field, item in value.items():
                _put(block, field, item)
            rows.setdefault(Form.SERVICE_RECORD.table_name(name), []).append(block)
        elif value is not None or name in _TOP:
            _put(row, name, value)
    return rows


def _put(row: Row, name: str, value: Any) -> None:
    if name in DURATION_FIELDS or is_duration(value):
        row[snake_case(name) + "_seconds"] = duration_seconds(value)
    elif isinstance(value, list | Mapping):
        row[snake_case(name)] = json.dumps(value, sort_keys=True)
    else:
        row[snake_case(name)] = value
