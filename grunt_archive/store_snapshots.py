"""Writing career snapshots: service records, playlist CSR, asset popularity.

This module knows SQL and nothing of HTTP. Every snapshot table is a log of
changes: ``write_*`` compares the new rows with the latest snapshot of the
same key (by ``content_hash``, a hash of every normalized row except the
time) and writes nothing when they are equal. ``save_*`` does that, and keeps
the raw document only when a snapshot was written, so ``reparse`` replaying
the raw documents in order writes exactly the same rows. ``snapshot_checks``
remembers when each key was last asked about, changed or not (that is what
the once-a-day rule of asset popularity reads).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from grunt_archive.normalize.asset_stats import asset_stats_rows
from grunt_archive.normalize.csr import csr_rows
from grunt_archive.normalize.service_record import service_record_rows
from grunt_archive.store import (
    COLUMNS,
    RawDocument,
    record_drift,
    save_raw,
    schema_errors,
    transaction,
    write_references,
)

# raw_responses and snapshot_checks kinds.
SERVICE_RECORD = "service_record"
PLAYLIST_CSR = "playlist_csr"
ASSET_STATS = "asset_stats"

Rows = Mapping[str, list[dict[str, Any]]]

SERVICE_RECORD_TABLES = tuple(
    sorted(name for name in COLUMNS if name.startswith("service_record_"))
)
# Every table reparse rebuilds from the snapshot documents.
REBUILT_TABLES = tuple(
    sorted({*SERVICE_RECORD_TABLES, "service_record_snapshots", "csr_snapshots",
            "asset_stats_snapshots"})
)  # fmt: skip


def service_record_key(player_id: str, scope: str) -> str:
    """Return the ``raw_responses`` key of a player's service record in a scope."""
    return f"{player_id} {scope}"


def parse_service_record_key(key: str) -> tuple[str, str]:
    """Split `service_record_key`'s result into (player id, scope)."""
    player_id, _, scope = key.partition(" ")
    return player_id, scope


def csr_key(player_id: str, playlist_asset_id: str) -> str:
    """Return the ``raw_responses`` key of a player's CSR in a playlist."""
    return f"{player_id} {playlist_asset_id}"


def content_hash(rows: Rows) -> str:
    """Return a hash of normalized rows: equal rows, equal hash, whatever their order."""
    canonical = {
        table: sorted(json.dumps(row, sort_keys=True, default=str) for row in table_rows)
        for table, table_rows in rows.items()
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _latest_hash(connection: Connection, table: str, where: Mapping[str, Any]) -> str | None:
    condition = " AND ".join(f"{column} = ?" for column in where)
    row = connection.exec_driver_sql(
        f"SELECT content_hash FROM {table} WHERE {condition} ORDER BY taken_at DESC LIMIT 1",
        tuple(where.values()),
    ).first()
    return row[0] if row else None


def _insert(
    connection: Connection, table: str, rows: list[dict[str, Any]]
) -> list[tuple[str, str]]:
    """Insert rows with the columns the schema has; return the (table, field) pairs it lacks."""
    known = COLUMNS.get(table)
    if known is None:
        return [(table, "*")] if rows else []
    drift = sorted({(table, field) for row in rows for field in row if field not in known})
    for row in rows:
        columns = [c for c in row if c in known]
        connection.exec_driver_sql(
            f"INSERT OR REPLACE INTO {table} ({', '.join(columns)})"
            f" VALUES ({', '.join('?' for _ in columns)})",
            tuple(row[c] for c in columns),
        )
    return drift


def _write_snapshot(
    connection: Connection, rows: Rows, main: str, key: Mapping[str, Any], taken_at: str
) -> bool:
    """Write one snapshot (its main row and any side tables) unless it equals the latest.

    Raises:
        MalformedResponseError: the rows break the schema.

    """
    digest = content_hash(rows)
    if _latest_hash(connection, main, key) == digest:
        return False
    drift: list[tuple[str, str]] = []
    with schema_errors("snapshot"):
        write_references(connection, rows)
        for table, table_rows in rows.items():
            stamped = [{**row, "taken_at": taken_at} for row in table_rows]
            if table == main:
                stamped = [{**row, "content_hash": digest} for row in stamped]
            drift += _insert(connection, table, stamped)
    if drift:
        record_drift(connection, drift, " ".join(str(v) for v in key.values()))
    return True


# --- service records ---------------------------------------------------------------


def write_service_record(connection: Connection, rows: Rows, taken_at: str) -> bool:
    """Write a service record snapshot unless it equals the latest of its player and scope.

    Returns:
        Whether a snapshot was written.

    """
    main = rows["service_record_snapshots"][0]
    key = {"player_id": main["player_id"], "scope": main["scope"]}
    return _write_snapshot(connection, rows, "service_record_snapshots", key, taken_at)


def save_service_record(
    connection: Connection, raw: RawDocument, doc: Any, player_id: str, scope: str
) -> bool:
    """Archive a service record when it changed; note the check either way.

    Returns:
        Whether it changed (and a snapshot and the raw document were written).

    Raises:
        MalformedResponseError: the document cannot be normalized or stored; nothing is written.

    """
    rows = service_record_rows(doc, player_id, scope)
    with transaction(connection):
        changed = write_service_record(connection, rows, raw.fetched_at)
        if changed:
            save_raw(connection, raw)
        mark_checked(connection, SERVICE_RECORD, raw.key, raw.fetched_at)
    return changed


# --- playlist CSR ------------------------------------------------------------------


def write_csr(connection: Connection, rows: Rows, taken_at: str) -> bool:
    """Write each player's CSR row unless it equals their latest in that playlist.

    Returns:
        Whether any row was written.

    """
    written = False
    for row in rows.get("csr_snapshots", []):
        key = {"player_id": row["player_id"], "playlist_asset_id": row["playlist_asset_id"]}
        one = {"csr_snapshots": [row]}
        written |= _write_snapshot(connection, one, "csr_snapshots", key, taken_at)
    return written


def save_csr(connection: Connection, raw: RawDocument, doc: Any, playlist_asset_id: str) -> bool:
    """Archive a playlist CSR document when a player's CSR changed; note the check either way.

    Raises:
        MalformedResponseError: the document cannot be normalized or stored; nothing is written.

    """
    rows = csr_rows(doc, playlist_asset_id)
    with transaction(connection):
        changed = write_csr(connection, rows, raw.fetched_at)
        if changed:
            save_raw(connection, raw)
        mark_checked(connection, PLAYLIST_CSR, raw.key, raw.fetched_at)
    return changed


# --- asset popularity --------------------------------------------------------------


def write_asset_stats(connection: Connection, rows: Rows, taken_at: str) -> bool:
    """Write an asset's figures unless they equal its latest snapshot."""
    row = rows["asset_stats_snapshots"][0]
    key = {"asset_id": row["asset_id"]}
    return _write_snapshot(connection, rows, "asset_stats_snapshots", key, taken_at)


def save_asset_stats(connection: Connection, raw: RawDocument, doc: Any, kind: str) -> bool:
    """Archive an asset's latest document when its ``AssetStats`` changed; note the check.

    ``raw.key`` is ``kind:asset_id``.

    Raises:
        MalformedResponseError: the document cannot be normalized; nothing is written.

    """
    rows = asset_stats_rows(doc, kind, raw.key.partition(":")[2])
    with transaction(connection):
        changed = write_asset_stats(connection, rows, raw.fetched_at)
        if changed:
            save_raw(connection, raw)
        mark_checked(connection, ASSET_STATS, raw.key, raw.fetched_at)
    return changed


def assets_to_refresh(connection: Connection, checked_before: str) -> list[tuple[str, str]]:
    """Return (kind, asset id) of every asset in ``assets`` not checked since ``checked_before``."""
    rows = connection.exec_driver_sql(
        "SELECT asset_kind, asset_id FROM assets AS a GROUP BY asset_id HAVING NOT EXISTS"
        " (SELECT 1 FROM snapshot_checks AS c WHERE c.kind = ? AND"
        " c.key = a.asset_kind || ':' || a.asset_id AND c.checked_at >= ?)"
        " ORDER BY asset_kind, asset_id",
        (ASSET_STATS, checked_before),
    )
    return [(kind, asset_id) for kind, asset_id in rows]


# --- what to ask about -------------------------------------------------------------


def has_service_record(connection: Connection, player_id: str) -> bool:
    """Say whether any service record snapshot of the player is stored."""
    row = connection.exec_driver_sql(
        "SELECT 1 FROM service_record_snapshots WHERE player_id = ? LIMIT 1", (player_id,)
    ).first()
    return row is not None


def mark_checked(connection: Connection, kind: str, key: str, checked_at: str) -> None:
    """Remember when a snapshot key was last asked about."""
    connection.exec_driver_sql(
        "INSERT INTO snapshot_checks (kind, key, checked_at) VALUES (?, ?, ?)"
        " ON CONFLICT (kind, key) DO UPDATE SET checked_at = excluded.checked_at",
        (kind, key, checked_at),
    )


def current_season(connection: Connection, player_id: str) -> str | None:
    """Return the season of the player's newest matchmade match in the archive, if any."""
    row = connection.exec_driver_sql(
        "SELECT m.season_id FROM matches AS m JOIN match_players AS p USING (match_id)"
        " WHERE p.player_id = ? AND m.lifecycle_mode = 3 AND m.season_id IS NOT NULL"
        " ORDER BY m.start_time DESC LIMIT 1",
        (player_id,),
    ).first()
    return row[0] if row else None


def ranked_playlists(connection: Connection, player_id: str) -> list[str]:
    """Return the playlists where the player's skill results show a CSR (ranked playlists).

    A playlist counts as ranked for a player once a skill result of theirs in
    it named a tier or had placement matches remaining. Unranked matches name
    no tier and have none remaining, whatever their ``Value`` (-1, or 0 as in
    ``grunt2022__match_skill.json``).
    """
    rows = connection.exec_driver_sql(
        "SELECT DISTINCT m.playlist_asset_id FROM match_skill AS s JOIN matches AS m"
        " USING (match_id) WHERE s.player_id = ? AND m.playlist_asset_id IS NOT NULL AND"
        " (coalesce(s.pre_match_tier, '') != '' OR coalesce(s.post_match_tier, '') != ''"
        " OR coalesce(s.pre_match_measurement_matches_remaining, 0) > 0"
        " OR coalesce(s.post_match_measurement_matches_remaining, 0) > 0)"
        " ORDER BY m.playlist_asset_id",
        (player_id,),
    )
    return [row[0] for row in rows]
