"""Match skill document (``/hi/matches/{id}/skill``) → ``match_skill`` rows.

The service sends some numbers as the strings ``"NaN"`` and ``"Infinity"``
(GravlLift), and a result with ``ResultCode`` other than 0 has an empty
``StatPerformances`` and no ``Counterfactuals``. A number column gets NULL for
a value that is not a finite number, and the row's ``non_finite`` column
keeps what was sent (``{"team_mmr": "NaN"}``), so averages in SQL skip it
rather than reading it as 0, and nothing the service said is lost.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from grunt_archive.errors import MalformedResponseError
from grunt_archive.normalize.csr import CSR_FIELDS, CSR_TEXT_FIELDS

Rows = dict[str, list[dict[str, Any]]]

_NON_FINITE = {"nan": "NaN", "infinity": "Infinity", "-infinity": "-Infinity", "inf": "Infinity"}
# Each CSR block's (field, column, holds text), before and after the match: spelt once.
_CSR_COLUMNS = tuple(
    (block, tuple((f, f"{prefix}_{name}", f in CSR_TEXT_FIELDS) for f, name in CSR_FIELDS.items()))
    for prefix, block in (("pre_match", "PreMatchCsr"), ("post_match", "PostMatchCsr"))
)
# json.dumps builds an encoder per call when given options: one serves every row.
_JSON = json.JSONEncoder(sort_keys=True, allow_nan=False)


class _Row(dict):
    """A row that records which numbers were not finite as it is filled."""

    def __init__(self, **key: Any) -> None:
        super().__init__(key)
        self.non_finite: dict[str, Any] = {}

    def number(self, column: str, value: Any) -> None:
        kind = type(value)
        if (kind is float or kind is int) and math.isfinite(value):  # most values: one test
            self[column] = value
        elif isinstance(value, bool) or value is None:
            self[column] = None
        elif isinstance(value, int | float) and math.isfinite(value):
            self[column] = value
        elif isinstance(value, float) or (
            isinstance(value, str) and value.strip().lower() in _NON_FINITE
        ):
            self[column] = None
            self.non_finite[column] = value if isinstance(value, str) else repr(value)
        else:
            raise ValueError(f"{column} is not a number: {value!r}")

    def text(self, column: str, value: Any) -> None:
        self[column] = value if isinstance(value, str) else None

    def json(self, column: str, value: Any) -> None:
        if value is None:
            self[column] = None
            return
        try:
            self[column] = _JSON.encode(value)
        except ValueError:
            # Non-finite floats cannot be written as strict JSON: spelt as the service does.
            self[column] = json.dumps(_strict(value), sort_keys=True)


def _strict(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Mapping):
        return {str(k): _strict(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strict(v) for v in value]
    return value


def skill_rows(doc: Mapping[str, Any], match_id: str) -> Rows:
    """Turn a match skill document into one ``match_skill`` row per player it lists.

    Args:
        doc: the parsed skill document, ``{"Value": [{"Id", "ResultCode", "Result"}]}``.
        match_id: the match the document was fetched for (it does not say).

    Returns:
        ``{"match_skill": rows}``; a player whose ``ResultCode`` is not 0 still
        gets a row, with the code and whatever the result carried.

    Raises:
        MalformedResponseError: no ``Value`` list, an entry without a player
            id, or a number field holding something other than a number.

    """
    values = doc.get("Value") if isinstance(doc, Mapping) else None
    if not isinstance(values, list):
        raise MalformedResponseError(f"skill document of match {match_id} has no Value list")
    rows: dict[str, dict[str, Any]] = {}
    for entry in values:
        player_id = entry.get("Id") if isinstance(entry, Mapping) else None
        if not isinstance(player_id, str) or not player_id:
            raise MalformedResponseError(f"skill entry of match {match_id} has no player Id")
        try:
            rows[player_id] = _row(match_id, player_id, entry)
        except (ValueError, TypeError) as error:
            raise MalformedResponseError(
                f"skill of {player_id} in match {match_id}: {error}"
            ) from None
    return {"match_skill": list(rows.values())}


def _row(match_id: str, player_id: str, entry: Mapping[str, Any]) -> dict[str, Any]:
    row = _Row(match_id=match_id.lower(), player_id=player_id)
    result = _object(entry.get("Result"))
    code = entry.get("ResultCode")
    row["result_code"] = code if isinstance(code, int) and not isinstance(code, bool) else None
    team = result.get("TeamId")
    row["team_id"] = team if isinstance(team, int) and not isinstance(team, bool) else None
    row.number("team_mmr", result.get("TeamMmr"))
    row.json("team_mmrs", result.get("TeamMmrs"))
    recap = _object(result.get("RankRecap"))
    for block, columns in _CSR_COLUMNS:
        csr = _object(recap.get(block))
        for field, column, text in columns:
            if text:
                row.text(column, csr.get(field))
            else:
                row.number(column, csr.get(field))
    performances = _object(result.get("StatPerformances"))
    for stat, column in (("Kills", "kills"), ("Deaths", "deaths")):
        performance = _object(performances.get(stat))
        row.number(column, performance.get("Count"))
        row.number(f"expected_{column}", performance.get("Expected"))
        row.number(f"{column}_std_dev", performance.get("StdDev"))
    counterfactuals = _object(result.get("Counterfactuals"))
    own = _object(counterfactuals.get("SelfCounterfactuals"))
    row.number("self_counterfactual_kills", own.get("Kills"))
    row.number("self_counterfactual_deaths", own.get("Deaths"))
    row.json("tier_counterfactuals", counterfactuals.get("TierCounterfactuals"))
    row.json("ranked_rewards", result.get("RankedRewards"))
    row["non_finite"] = json.dumps(row.non_finite, sort_keys=True) if row.non_finite else None
    return dict(row)


def _object(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
