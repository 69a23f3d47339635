"""Writing enrichment into the archive: names, medals, skill, seasons, gamertags.

This module knows SQL and nothing of HTTP. Each ``save_*`` writes the raw
document and its normalized rows in one transaction (a savepoint inside a
caller's transaction), and releases the item from ``pending_enrichment``;
each ``write_*`` writes rows only, for ``reparse``. The ``missing_*``
queries say what the archive's matches refer to that is not looked up yet,
leaving out what has been given up on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from grunt_archive import career
from grunt_archive.errors import MalformedResponseError
from grunt_archive.normalize import (
    asset_rows,
    medal_rows,
    profile_rows,
    season_rows,
    skill_rows,
)
from grunt_archive.normalize.assets import ASSET_KINDS, asset_key
from grunt_archive.normalize.values import now_utc
from grunt_archive.store import COLUMNS, RawDocument, save_raw, transaction, upsert_conflict

# raw_responses kinds.
ASSET = "asset"
MEDAL_METADATA = "medal_metadata"
MATCH_SKILL = "match_skill"
PROFILE_USERS = "profile_users"
SEASON_CALENDAR = "season_calendar"
# pending_enrichment kinds besides the raw kinds: an id a fetched document lacked.
MEDAL = "medal"
SEASON = "season"
# Lookups that failed this often are left alone (they stay listed in pending_enrichment).
MAX_ATTEMPTS = 5

Rows = Mapping[str, list[dict[str, Any]]]


def _upsert(
    connection: Connection, table: str, rows: Iterable[dict[str, Any]], key: tuple[str, ...]
) -> None:
    """Insert or replace rows whole: every column, absent fields as NULL."""
    columns = sorted(COLUMNS[table])
    values = [tuple(row.get(c) for c in columns) for row in rows]
    if not values:
        return
    connection.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
        f" {upsert_conflict(key, columns)}",
        values,
    )


def _replace_raw(connection: Connection, raw: RawDocument) -> None:
    """Keep one raw document per key: a newer copy replaces the older."""
    connection.exec_driver_sql(
        "DELETE FROM raw_responses WHERE kind = ? AND key = ?", (raw.kind, raw.key)
    )
    save_raw(connection, raw)


# --- assets --------------------------------------------------------------------


def write_asset_rows(connection: Connection, rows: Rows, fetched_at: str) -> None:
    """Upsert ``assets`` rows; ``fetched_at`` is when their document arrived."""
    _upsert(
        connection,
        "assets",
        ({**row, "fetched_at": fetched_at} for row in rows.get("assets", [])),
        ("asset_id", "version_id"),
    )


def save_asset(
    connection: Connection, raw: RawDocument, doc: Any, kind: str, asset_id: str, version_id: str
) -> None:
    """Archive one asset version's discovery document and its ``assets`` row.

    Raises:
        MalformedResponseError: the document cannot be normalized; nothing is written.

    """
    rows = asset_rows(doc, kind, asset_id, version_id)
    with transaction(connection):
        write_asset_rows(connection, rows, raw.fetched_at)
        career.rename_assets(connection, rows.get("assets", []))
        _replace_raw(connection, raw)
        clear_pending(connection, ASSET, raw.key)


# --- medals --------------------------------------------------------------------


def write_medal_rows(connection: Connection, rows: Rows) -> None:
    """Upsert ``medals`` rows (a medal the metadata no longer lists keeps its name)."""
    medals = rows.get("medals", [])
    _upsert(connection, "medals", medals, ("medal_id",))
    clear_pending(connection, MEDAL, *(str(row["medal_id"]) for row in medals))


def save_medals(connection: Connection, raw: RawDocument, doc: Any) -> None:
    """Archive the medal metadata (kept as a log, one raw row per fetch) and upsert ``medals``.

    Raises:
        MalformedResponseError: the document cannot be normalized; nothing is written.

    """
    rows = medal_rows(doc)
    with transaction(connection):
        write_medal_rows(connection, rows)
        career.rename_medals(connection)
        save_raw(connection, raw)
        clear_pending(connection, MEDAL_METADATA, "")


# --- skill ---------------------------------------------------------------------


def write_skill_rows(connection: Connection, match_id: str, rows: Rows) -> None:
    """Replace a match's ``match_skill`` rows.

    Raises:
        MalformedResponseError: a row names a player or match the archive lacks.

    """
    connection.exec_driver_sql("DELETE FROM match_skill WHERE match_id = ?", (match_id,))
    try:
        _upsert(connection, "match_skill", rows.get("match_skill", []), ("match_id", "player_id"))
    except IntegrityError as error:
        raise MalformedResponseError(
            f"skill of match {match_id} names a player the match lacks: {error.orig}"
        ) from None


def save_match_skill(connection: Connection, raw: RawDocument, doc: Any, match_id: str) -> None:
    """Archive a match's skill document and its ``match_skill`` rows.

    Raises:
        MalformedResponseError: the document cannot be normalized or stored; nothing is written.

    """
    rows = skill_rows(doc, match_id)
    with transaction(connection):
        write_skill_rows(connection, match_id, rows)
        career.refresh_match(connection, match_id)
        _replace_raw(connection, raw)
        clear_pending(connection, MATCH_SKILL, match_id)


def skill_players(connection: Connection, match_id: str) -> list[str]:
    """Return the human players of a match, the only ids the skill service accepts."""
    rows = connection.exec_driver_sql(
        "SELECT DISTINCT player_id FROM match_players WHERE match_id = ?"
        " AND player_id LIKE 'xuid(%' AND coalesce(player_type, 1) = 1 ORDER BY player_id",
        (match_id,),
    )
    return [row[0] for row in rows]


# --- seasons -------------------------------------------------------------------


def write_season_rows(connection: Connection, rows: Rows) -> None:
    """Upsert ``seasons`` rows and release the ids they name from ``pending_enrichment``."""
    seasons = rows.get("seasons", [])
    _upsert(connection, "seasons", seasons, ("season_id",))
    clear_pending(connection, SEASON, *(row["season_id"] for row in seasons))


def save_seasons(connection: Connection, raw: RawDocument, doc: Any) -> None:
    """Archive a season calendar (kept as a log) and upsert the ``seasons`` it lists.

    Raises:
        MalformedResponseError: the document cannot be normalized; nothing is written.

    """
    rows = season_rows(doc)
    with transaction(connection):
        write_season_rows(connection, rows)
        career.rename_seasons(connection, [row["season_id"] for row in rows.get("seasons", [])])
        save_raw(connection, raw)
        clear_pending(connection, SEASON_CALENDAR, "")


# --- players -------------------------------------------------------------------


def save_gamertags(
    connection: Connection, raw: RawDocument | None, doc: Any, asked: list[str]
) -> None:
    """Record a profile batch answer: gamertags of the users it lists, lookup time for all asked.

    A player the service does not list keeps the gamertag it had, and is not
    asked about again until the lookup is stale.

    Args:
        connection: the archive.
        raw: the answer as received (None when the service answered 404).
        doc: the parsed answer.
        asked: the ``xuid(…)`` ids that were asked about.

    Raises:
        MalformedResponseError: the answer cannot be normalized; nothing is written.

    """
    rows = profile_rows(doc) if raw is not None else {"players": []}
    now = raw.fetched_at if raw is not None else now_utc()
    with transaction(connection):
        if asked:
            connection.exec_driver_sql(
                "UPDATE players SET gamertag_updated_at = ? WHERE player_id = ?",
                [(now, player_id) for player_id in asked],
            )
        if rows["players"]:
            connection.exec_driver_sql(
                "UPDATE players SET gamertag = coalesce(?, gamertag), gamertag_updated_at = ?"
                " WHERE player_id = ?",
                [(row["gamertag"], now, row["player_id"]) for row in rows["players"]],
            )
            career.rename_players(connection, [row["player_id"] for row in rows["players"]])
        if raw is not None:
            save_raw(connection, raw)
        clear_pending(connection, PROFILE_USERS, "")


def stale_gamertags(connection: Connection, looked_up_before: str) -> list[str]:
    """Return human players never looked up, or last looked up before ``looked_up_before``."""
    rows = connection.exec_driver_sql(
        "SELECT player_id FROM players WHERE is_bot = 0 AND player_id LIKE 'xuid(%'"
        " AND (gamertag_updated_at IS NULL OR gamertag_updated_at < ?) ORDER BY player_id",
        (looked_up_before,),
    )
    return [row[0] for row in rows]


def name_bots(connection: Connection, names: Mapping[str, str]) -> None:
    """Give bots (``bid(…)``) their names; no request is needed for them."""
    if names:
        connection.exec_driver_sql(
            "UPDATE players SET gamertag = ?, is_bot = 1 WHERE player_id = ?",
            [(name, player_id) for player_id, name in names.items()],
        )


def unnamed_bots(connection: Connection) -> list[str]:
    """Return the bots that have no name yet."""
    rows = connection.exec_driver_sql(
        "SELECT player_id FROM players WHERE player_id LIKE 'bid(%' AND gamertag IS NULL"
    )
    return [row[0] for row in rows]


# --- what is missing -------------------------------------------------------------

_GIVEN_UP = "SELECT key FROM pending_enrichment WHERE kind = ? AND attempts >= ?"


def missing_assets(
    connection: Connection, match_id: str | None = None
) -> list[tuple[str, str, str]]:
    """Return (kind, asset id, version id) of asset versions not looked up yet.

    Args:
        connection: the archive.
        match_id: only this match's references; None for every match.

    """
    if match_id is None:
        rows = connection.exec_driver_sql(
            "SELECT asset_kind, asset_id, version_id FROM assets WHERE fetched_at IS NULL"
            " ORDER BY asset_kind, asset_id, version_id"
        )
    else:
        refs = " UNION ".join(
            f"SELECT '{kind}' AS kind, {kind}_asset_id AS asset_id,"
            f" {kind}_version_id AS version_id FROM matches WHERE match_id = ?"
            for kind in ASSET_KINDS
        )
        rows = connection.exec_driver_sql(
            f"SELECT kind, asset_id, version_id FROM ({refs}) AS r"
            " WHERE asset_id IS NOT NULL AND version_id IS NOT NULL AND NOT EXISTS"
            " (SELECT 1 FROM assets AS a WHERE a.asset_id = r.asset_id"
            " AND a.version_id = r.version_id AND a.fetched_at IS NOT NULL)"
            " ORDER BY kind, asset_id, version_id",
            (match_id,) * len(ASSET_KINDS),
        )
    given_up = {key for (key,) in connection.exec_driver_sql(_GIVEN_UP, (ASSET, MAX_ATTEMPTS))}
    return [
        (kind, asset_id, version_id)
        for kind, asset_id, version_id in rows
        if asset_key(kind, asset_id, version_id) not in given_up
    ]


def missing_skill(connection: Connection) -> list[str]:
    """Return matchmade matches with no ``match_skill`` row, newest first."""
    rows = connection.exec_driver_sql(
        "SELECT match_id FROM matches AS m WHERE lifecycle_mode = 3 AND NOT EXISTS"
        " (SELECT 1 FROM match_skill AS s WHERE s.match_id = m.match_id)"
        f" AND match_id NOT IN ({_GIVEN_UP}) ORDER BY start_time DESC",
        (MATCH_SKILL, MAX_ATTEMPTS),
    )
    return [row[0] for row in rows]


def needs_skill(connection: Connection, match_id: str) -> bool:
    """Say whether a stored match is matchmade and has no skill rows yet."""
    row = connection.exec_driver_sql(
        "SELECT lifecycle_mode = 3 AND NOT EXISTS (SELECT 1 FROM match_skill WHERE match_id = ?)"
        " FROM matches WHERE match_id = ?",
        (match_id, match_id),
    ).first()
    return bool(row and row[0])


def missing_medal_ids(connection: Connection) -> list[int]:
    """Return medal ids the archive refers to (awards, service records) with no name yet."""
    rows = connection.exec_driver_sql(
        "SELECT medal_id FROM medals WHERE name IS NULL"
        f" AND CAST(medal_id AS TEXT) NOT IN ({_GIVEN_UP}) ORDER BY medal_id",
        (MEDAL, MAX_ATTEMPTS),
    )
    return [row[0] for row in rows]


def missing_season_ids(connection: Connection) -> list[str]:
    """Return season ids of matches and service record snapshots with no name yet."""
    rows = connection.exec_driver_sql(
        "SELECT season_id FROM seasons WHERE name IS NULL"
        f" AND season_id NOT IN ({_GIVEN_UP}) ORDER BY season_id",
        (SEASON, MAX_ATTEMPTS),
    )
    return [row[0] for row in rows]


# --- pending -------------------------------------------------------------------


def mark_pending(
    connection: Connection,
    kind: str,
    key: str,
    reason: str,
    *,
    tried: bool = True,
    give_up: bool = False,
) -> None:
    """Remember a lookup for the next run.

    Args:
        connection: the archive.
        kind: what was looked up (``asset``, ``match_skill``, …).
        key: which one.
        reason: why it is pending, for a person reading the table.
        tried: whether a request was made (only those count as attempts).
        give_up: the lookup found nothing worth asking again for (an id a
            fetched document lacks): count it as out of attempts at once.

    """
    now = now_utc()
    step = int(tried)
    attempts = MAX_ATTEMPTS if give_up else step
    connection.exec_driver_sql(
        "INSERT INTO pending_enrichment (kind, key, reason, attempts, first_seen_at,"
        " last_attempt_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET"
        " reason = excluded.reason, last_attempt_at = excluded.last_attempt_at,"
        " attempts = max(attempts + ?, excluded.attempts)",
        (kind, key, reason, attempts, now, now, step),
    )


def clear_pending(connection: Connection, kind: str, *keys: str) -> None:
    """Release items from ``pending_enrichment`` once their lookup succeeded."""
    if keys:
        connection.exec_driver_sql(
            "DELETE FROM pending_enrichment WHERE kind = ? AND key = ?",
            [(kind, key) for key in keys],
        )


def given_up(connection: Connection, kind: str, key: str) -> bool:
    """Say whether a lookup has failed ``MAX_ATTEMPTS`` times."""
    row = connection.exec_driver_sql(
        "SELECT attempts >= ? FROM pending_enrichment WHERE kind = ? AND key = ?",
        (MAX_ATTEMPTS, kind, key),
    ).first()
    return bool(row and row[0])


def pending_items(connection: Connection) -> list[str]:
    """Return ``kind:key`` of every lookup still to be retried."""
    rows = connection.exec_driver_sql(
        "SELECT kind, key FROM pending_enrichment WHERE attempts < ? ORDER BY kind, key",
        (MAX_ATTEMPTS,),
    )
    return [f"{kind}:{key}" if key else kind for kind, key in rows]
