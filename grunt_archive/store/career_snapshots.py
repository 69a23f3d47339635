"""Writing career snapshots: service records, playlist CSR, asset popularity.

This module knows SQL and nothing of HTTP. Every snapshot table is a log of
changes: ``write_*`` compares the new rows with the latest snapshot of the
same key (by ``content_hash``, a hash of every normalized row except the
time) and writes nothing when they are equal. `save_snapshot` does that, and keeps
the raw document only when a snapshot was written, so ``reparse`` replaying
the raw documents in order writes exactly the same rows. ``snapshot_checks``
remembers when each key was last asked about, changed or not (that is what
the once-a-day rule of asset popularity reads, and, for a player's service
records, whether their careers are behind the archive: `service_record_behind`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from grunt_archive.documents import (
    ASSET_STATS,
    PLAYLIST_CSR,
    SERVICE_RECORD,
    RawDocument,
    Rows,
)
from grunt_archive.store.matches import write_references
from grunt_archive.store.raw import save_document, writes
from grunt_archive.store.session import Store, Unit
from grunt_archive.store.writer import execute, merge, query, replace, write_rows

_CHECKED = merge(("kind", "key"), checked_at="excluded.checked_at")
# A player's service record check set back to before any match: their careers are
# asked again (a ranked playlist's skill landed after the snapshots were taken).
STALE = "1970-01-01T00:00:00.000Z"
# A skill result (``s``) that shows a CSR: the player's playlist is ranked for them.
# Unranked matches name no tier and have none remaining, whatever their ``Value`` (-1,
# or 0 as in ``grunt2022__match_skill.json``).
_RANKED = (
    "(coalesce(s.pre_match_tier, '') != '' OR coalesce(s.post_match_tier, '') != ''"
    " OR coalesce(s.pre_match_measurement_matches_remaining, 0) > 0"
    " OR coalesce(s.post_match_measurement_matches_remaining, 0) > 0)"
)


def content_hash(rows: Rows) -> str:
    """Return a hash of normalized rows: equal rows, equal hash, whatever their order."""
    canonical = {
        table: sorted(json.dumps(row, sort_keys=True, default=str) for row in table_rows)
        for table, table_rows in rows.items()
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _latest_hash(connection: Unit, table: str, where: Mapping[str, Any]) -> str | None:
    condition = " AND ".join(f"{column} = ?" for column in where)
    rows = query(
        connection,
        f"SELECT content_hash FROM {table} WHERE {condition} ORDER BY taken_at DESC LIMIT 1",
        tuple(where.values()),
    )
    return rows[0][0] if rows else None


def _write_snapshot(
    connection: Unit, rows: Rows, main: str, key: Mapping[str, Any], taken_at: str
) -> bool:
    """Write one snapshot (its main row and any side tables) unless it equals the latest.

    Raises:
        MalformedResponseError: the rows break the schema.

    """
    digest = content_hash(rows)
    if _latest_hash(connection, main, key) == digest:
        return False
    source = " ".join(str(v) for v in key.values())
    write_references(connection, rows, what="snapshot")
    for table, table_rows in rows.items():
        stamped = [{**row, "taken_at": taken_at} for row in table_rows]
        if table == main:
            stamped = [{**row, "content_hash": digest} for row in stamped]
        write_rows(connection, table, stamped, replace(), source=source, what="snapshot")
    return True


# --- service records ---------------------------------------------------------------


@writes(SERVICE_RECORD)
def write_service_record(connection: Unit, rows: Rows, raw: RawDocument) -> bool:
    """Write a service record snapshot unless it equals the latest of its player and scope.

    Returns:
        Whether a snapshot was written.

    """
    main = rows["service_record_snapshots"][0]
    key = {"player_id": main["player_id"], "scope": main["scope"]}
    return _write_snapshot(connection, rows, "service_record_snapshots", key, raw.fetched_at)


def save_snapshot(store: Store, raw: RawDocument, document: Any) -> bool:
    """Archive a service record, playlist CSR or asset figures when they changed; note the check.

    The raw document is kept only when a snapshot was written, so that
    ``reparse``, replaying the kept documents in order, writes the same rows.

    Returns:
        Whether it changed (and a snapshot and the raw document were written).

    Raises:
        MalformedResponseError: the document cannot be normalized or stored; nothing is written.

    """

    def checked(connection: Unit, rows: Rows, changed: bool) -> None:
        _mark_checked(connection, raw.kind, raw.key, raw.fetched_at)

    return save_document(store, raw, document, checked)


# --- playlist CSR ------------------------------------------------------------------


@writes(PLAYLIST_CSR)
def write_csr(connection: Unit, rows: Rows, raw: RawDocument) -> bool:
    """Write each player's CSR row unless it equals their latest in that playlist.

    Returns:
        Whether any row was written.

    """
    written = False
    for row in rows.get("csr_snapshots", []):
        key = {"player_id": row["player_id"], "playlist_asset_id": row["playlist_asset_id"]}
        one = {"csr_snapshots": [row]}
        written |= _write_snapshot(connection, one, "csr_snapshots", key, raw.fetched_at)
    return written


# --- asset popularity --------------------------------------------------------------


@writes(ASSET_STATS)
def write_asset_stats(connection: Unit, rows: Rows, raw: RawDocument) -> bool:
    """Write an asset's figures unless they equal its latest snapshot."""
    row = rows["asset_stats_snapshots"][0]
    key = {"asset_id": row["asset_id"]}
    return _write_snapshot(connection, rows, "asset_stats_snapshots", key, raw.fetched_at)


def assets_to_refresh(store: Store, checked_before: str) -> list[tuple[str, str]]:
    """Return (kind, asset id) of every asset in ``assets`` not checked since ``checked_before``."""
    with store.unit() as connection:
        rows = query(
            connection,
            # An asset id is of one kind: min() picks it in either dialect.
            "SELECT min(asset_kind) AS asset_kind, asset_id FROM assets GROUP BY asset_id"
            " ORDER BY asset_kind, asset_id",
        )
        checked = query(
            connection,
            "SELECT key FROM snapshot_checks WHERE kind = ? AND checked_at >= ?",
            (ASSET_STATS.name, checked_before),
        )
    recent = {key for (key,) in checked}
    return [(kind, asset_id) for kind, asset_id in rows if ASSET_STATS.key_of(kind, asset_id)
            not in recent]  # fmt: skip


# --- what to ask about -------------------------------------------------------------


def service_record_behind(store: Store, player_id: str) -> bool:
    """Say whether the player's service records were last asked before a match the archive holds.

    True when none is stored, or when every scope was last answered (the
    ``service_record`` check in ``snapshot_checks``; in an archive from before
    that check, the newest row) before the player's newest archived match
    began: a run that stopped before its snapshots, or ``--matches-only``,
    leaves them behind.
    """
    with store.unit() as connection:
        ((taken, asked, newest),) = query(
            connection,
            "SELECT (SELECT max(taken_at) FROM service_record_snapshots WHERE player_id = ?),"
            " (SELECT checked_at FROM snapshot_checks WHERE kind = ? AND key = ?),"
            " (SELECT newest_start_time FROM tracked_players WHERE player_id = ?)",
            (player_id, SERVICE_RECORD.name, player_id, player_id),
        )
    last = asked if asked is not None else taken
    return taken is None or (newest is not None and newest > last)


def skill_landed(connection: Unit, match_id: str) -> None:
    """Set back the service record checks of players a match's skill newly shows ranked.

    Those are the tracked players whose skill result in the match shows a CSR in
    a playlist their CSR snapshots lack. In one run the snapshots wait for every
    skill lookup; with several workers, the worker that stored a shared match
    looks up its skill, which can land after another worker took its player's
    snapshots. The next run then takes them again.
    """
    execute(
        connection,
        "UPDATE snapshot_checks SET checked_at = ? WHERE kind = ? AND key IN ("
        " SELECT s.player_id FROM match_skill AS s"
        " JOIN tracked_players AS t ON t.player_id = s.player_id"
        " JOIN matches AS m ON m.match_id = s.match_id"
        f" WHERE s.match_id = ? AND m.playlist_asset_id IS NOT NULL AND {_RANKED}"
        " AND NOT EXISTS (SELECT 1 FROM csr_snapshots AS c WHERE c.player_id = s.player_id"
        " AND c.playlist_asset_id = m.playlist_asset_id))",
        (STALE, SERVICE_RECORD.name, match_id),
    )


def _mark_checked(connection: Unit, kind: str, key: str, checked_at: str) -> None:
    row = {"kind": kind, "key": key, "checked_at": checked_at}
    write_rows(connection, "snapshot_checks", [row], _CHECKED)


def checked_since(store: Store, raw_key: str, since: str, kind: str = ASSET_STATS.name) -> bool:
    """Say whether a snapshot key was asked about at or after ``since``."""
    with store.unit() as connection:
        rows = query(
            connection,
            "SELECT 1 FROM snapshot_checks WHERE kind = ? AND key = ? AND checked_at >= ?",
            (kind, raw_key, since),
        )
    return bool(rows)


def mark_checked(store: Store, raw_key: str, checked_at: str) -> None:
    """Remember when an asset's figures were last asked about (an asset gone from discovery)."""
    with store.unit() as connection:
        _mark_checked(connection, ASSET_STATS.name, raw_key, checked_at)


def current_season(store: Store, player_id: str) -> str | None:
    """Return the season of the player's newest matchmade match in the archive, if any."""
    with store.unit() as connection:
        rows = query(
            connection,
            "SELECT m.season_id FROM matches AS m JOIN match_players AS p USING (match_id)"
            " WHERE p.player_id = ? AND m.lifecycle_mode = 3 AND m.season_id IS NOT NULL"
            " ORDER BY m.start_time DESC LIMIT 1",
            (player_id,),
        )
    return rows[0][0] if rows else None


def ranked_playlists(store: Store, player_id: str) -> list[str]:
    """Return the playlists where the player's skill results show a CSR (ranked playlists).

    A playlist counts as ranked for a player once a skill result of theirs in
    it named a tier or had placement matches remaining (`_RANKED`).
    """
    with store.unit() as connection:
        return _ranked_playlists(connection, player_id)


def _ranked_playlists(connection: Unit, player_id: str) -> list[str]:
    rows = query(
        connection,
        "SELECT DISTINCT m.playlist_asset_id FROM match_skill AS s JOIN matches AS m"
        " USING (match_id) WHERE s.player_id = ? AND m.playlist_asset_id IS NOT NULL"
        f" AND {_RANKED} ORDER BY m.playlist_asset_id",
        (player_id,),
    )
    return [row[0] for row in rows]


def mark_careers_checked(store: Store, player_id: str, playlists: list[str], asked: str) -> None:
    """Remember that every service record scope of the player answered, asked at ``asked``.

    ``playlists`` are the ranked playlists whose CSR was asked for. If a skill
    result stored since shows another (`skill_landed`, on another worker), the
    check is `STALE` instead, so that the next run asks again.
    """
    with store.unit() as connection:
        current = _ranked_playlists(connection, player_id) == playlists
        _mark_checked(connection, SERVICE_RECORD.name, player_id, asked if current else STALE)
