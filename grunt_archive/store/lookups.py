"""Lookups into the archive: names, medals, skill, seasons, gamertags, and what is missing.

This module knows SQL and nothing of HTTP. Each ``save_*`` writes the raw
document and its normalized rows in one unit of work (`raw.save_document`),
and releases the item from ``pending_enrichment``; each ``write_*`` writes
rows only, and is what ``reparse`` replays. The ``missing_*`` queries say
what the archive's matches refer to that is not looked up yet, leaving out
what has been given up on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from grunt_archive.documents import (
    ASSET,
    MATCH_SKILL,
    MEDAL_METADATA,
    PROFILE_USERS,
    SEASON_CALENDAR,
    RawDocument,
    Rows,
)
from grunt_archive.errors import MalformedResponseError
from grunt_archive.normalize.assets import ASSET_KINDS
from grunt_archive.store import career_snapshots, player_tables
from grunt_archive.store.matches import archived_in
from grunt_archive.store.raw import keep_raw, save_document, writes
from grunt_archive.store.session import Store, Unit
from grunt_archive.store.writer import execute, merge, query, replace, write_rows
from grunt_archive.times import now_utc

# pending_enrichment kinds besides the document kinds: an id a fetched document lacked.
MEDAL = "medal"
SEASON = "season"
# Lookups that failed this often are left alone (they stay listed in pending_enrichment).
MAX_ATTEMPTS = 5


# --- assets --------------------------------------------------------------------

_WHOLE_ASSET = replace("asset_id", "version_id", whole=True)


@writes(ASSET)
def write_asset_rows(connection: Unit, rows: Rows, raw: RawDocument) -> bool:
    """Upsert ``assets`` rows, stamped with when their document arrived."""
    assets = [{**row, "fetched_at": raw.fetched_at} for row in rows.get("assets", [])]
    write_rows(connection, "assets", assets, _WHOLE_ASSET)
    return True


def save_asset(store: Store, raw: RawDocument, document: Any) -> None:
    """Archive one asset version's discovery document and its ``assets`` row.

    Raises:
        MalformedResponseError: the document cannot be normalized; nothing is written.

    """

    def named(connection: Unit, rows: Rows, changed: bool) -> None:
        player_tables.rename_assets(connection, rows.get("assets", []))
        clear_pending(connection, ASSET.name, raw.key)

    save_document(store, raw, document, named)


# --- medals --------------------------------------------------------------------


@writes(MEDAL_METADATA)
def write_medal_rows(connection: Unit, rows: Rows, raw: RawDocument) -> bool:
    """Upsert ``medals`` rows (a medal the metadata no longer lists keeps its name)."""
    medals = rows.get("medals", [])
    write_rows(connection, "medals", medals, replace("medal_id", whole=True))
    clear_pending(connection, MEDAL, *(str(row["medal_id"]) for row in medals))
    return True


def save_medals(store: Store, raw: RawDocument, document: Any) -> None:
    """Archive the medal metadata (kept as a log) and upsert ``medals``.

    Raises:
        MalformedResponseError: the document cannot be normalized; nothing is written.

    """

    def named(connection: Unit, rows: Rows, changed: bool) -> None:
        player_tables.rename_medals(connection)
        clear_pending(connection, MEDAL_METADATA.name, "")

    save_document(store, raw, document, named)


# --- skill ---------------------------------------------------------------------


@writes(MATCH_SKILL)
def write_skill_rows(connection: Unit, rows: Rows, raw: RawDocument) -> bool:
    """Replace a match's ``match_skill`` rows (none for a match the archive lacks).

    Raises:
        MalformedResponseError: a row names a player the match lacks.

    """
    match_id = raw.key
    if not archived_in(connection, [match_id]):
        # Skill of a match whose own document no longer parses stays out with it.
        return False
    execute(connection, "DELETE FROM match_skill WHERE match_id = ?", (match_id,))
    try:
        write_rows(
            connection,
            "match_skill",
            rows.get("match_skill", []),
            replace("match_id", "player_id", whole=True),
        )
    except MalformedResponseError as error:
        raise MalformedResponseError(
            f"skill of match {match_id} names a player the match lacks: {error}"
        ) from None
    return True


def save_match_skill(store: Store, raw: RawDocument, document: Any) -> None:
    """Archive a match's skill document (``raw.key`` is the match id) and its rows.

    Raises:
        MalformedResponseError: the document cannot be normalized or stored; nothing is written.

    """

    def refreshed(connection: Unit, rows: Rows, changed: bool) -> None:
        player_tables.refresh_skill(connection, raw.key)
        career_snapshots.skill_landed(connection, raw.key)
        clear_pending(connection, MATCH_SKILL.name, raw.key)

    save_document(store, raw, document, refreshed)


def skill_players(store: Store, match_id: str) -> list[str]:
    """Return the human players of a match, the only ids the skill service accepts."""
    with store.unit() as connection:
        rows = query(
            connection,
            "SELECT DISTINCT player_id FROM match_players WHERE match_id = ?"
            " AND player_id LIKE 'xuid(%' AND coalesce(player_type, 1) = 1 ORDER BY player_id",
            (match_id,),
        )
    return [row[0] for row in rows]


# --- seasons -------------------------------------------------------------------


@writes(SEASON_CALENDAR)
def write_season_rows(connection: Unit, rows: Rows, raw: RawDocument) -> bool:
    """Upsert ``seasons`` rows and release the ids they name from ``pending_enrichment``."""
    seasons = rows.get("seasons", [])
    write_rows(connection, "seasons", seasons, replace("season_id", whole=True))
    clear_pending(connection, SEASON, *(row["season_id"] for row in seasons))
    return True


def save_seasons(store: Store, raw: RawDocument, document: Any) -> None:
    """Archive a season calendar (kept as a log) and upsert the ``seasons`` it lists.

    Raises:
        MalformedResponseError: the document cannot be normalized; nothing is written.

    """

    def named(connection: Unit, rows: Rows, changed: bool) -> None:
        season_ids = [row["season_id"] for row in rows.get("seasons", [])]
        player_tables.rename_seasons(connection, season_ids)
        clear_pending(connection, SEASON_CALENDAR.name, "")

    save_document(store, raw, document, named)


def give_up_missing(store: Store, kind: str, reason: str) -> None:
    """Give up on every medal (``kind`` `MEDAL`) or season (`SEASON`) still without a name."""
    with store.unit() as connection:
        missing = _missing_medal_ids(connection) if kind == MEDAL else _missing_seasons(connection)
        for key in missing:
            _mark_pending(connection, kind, str(key), reason, tried=True, give_up=True)


# --- players -------------------------------------------------------------------


def save_gamertags(store: Store, raw: RawDocument | None, document: Any, asked: list[str]) -> None:
    """Record a profile batch answer: gamertags of the users it lists, lookup time for all asked.

    A player the service does not list keeps the gamertag it had, and is not
    asked about again until the lookup is stale.

    Args:
        store: the archive.
        raw: the answer as received (None when the service answered 404).
        document: the parsed answer.
        asked: the ``xuid(…)`` ids that were asked about.

    Raises:
        MalformedResponseError: the answer cannot be normalized; nothing is written.

    """
    rows = PROFILE_USERS.rows(document, raw.key) if raw is not None else {"players": []}
    now = raw.fetched_at if raw is not None else now_utc()
    with store.unit() as connection:
        execute(
            connection,
            "UPDATE players SET gamertag_updated_at = ? WHERE player_id = ?",
            [(now, player_id) for player_id in asked],
        )
        if rows["players"]:
            execute(
                connection,
                "UPDATE players SET gamertag = coalesce(?, gamertag), gamertag_updated_at = ?"
                " WHERE player_id = ?",
                [(row["gamertag"], now, row["player_id"]) for row in rows["players"]],
            )
            player_tables.rename_players(connection, [row["player_id"] for row in rows["players"]])
        if raw is not None:
            keep_raw(connection, raw)
        clear_pending(connection, PROFILE_USERS.name, "")


def stale_gamertags(
    store: Store, looked_up_before: str, played: Sequence[str] = (), played_before: str = ""
) -> list[str]:
    """Return the human players whose gamertag should be looked up (again).

    Those never looked up, or last looked up before ``looked_up_before``; and
    those of ``played`` (tracked players whose history grew this run) last
    looked up before ``played_before``: a renamed member's pages show their new
    name after their next match rather than up to a month later, and a night
    when nobody played asks for nothing.
    """
    sql = (
        "SELECT player_id FROM players WHERE NOT is_bot AND player_id LIKE 'xuid(%'"
        " AND (gamertag_updated_at IS NULL OR gamertag_updated_at < ?"
    )
    params: list[str] = [looked_up_before]
    if played:
        sql += f" OR (gamertag_updated_at < ? AND player_id IN ({', '.join('?' * len(played))}))"
        params += [played_before, *played]
    with store.unit() as connection:
        rows = query(connection, sql + ") ORDER BY player_id", tuple(params))
    return [row[0] for row in rows]


def name_bots(store: Store, names: Mapping[str, str]) -> None:
    """Give bots (``bid(…)``) their names; no request is needed for them."""
    with store.unit() as connection:
        execute(
            connection,
            "UPDATE players SET gamertag = ?, is_bot = TRUE WHERE player_id = ?",
            [(name, player_id) for player_id, name in names.items()],
        )


def unnamed_bots(store: Store) -> list[str]:
    """Return the bots that have no name yet."""
    with store.unit() as connection:
        rows = query(
            connection,
            "SELECT player_id FROM players WHERE player_id LIKE 'bid(%' AND gamertag IS NULL",
        )
    return [row[0] for row in rows]


# --- what is missing -------------------------------------------------------------

_GIVEN_UP = "SELECT key FROM pending_enrichment WHERE kind = ? AND attempts >= ?"


def missing_assets(store: Store, match_id: str | None = None) -> list[tuple[str, str, str]]:
    """Return (kind, asset id, version id) of asset versions not looked up yet.

    Args:
        store: the archive.
        match_id: only this match's references; None for every match.

    """
    with store.unit() as connection:
        if match_id is None:
            rows = query(
                connection,
                "SELECT asset_kind, asset_id, version_id FROM assets WHERE fetched_at IS NULL"
                " ORDER BY asset_kind, asset_id, version_id",
            )
        else:
            refs = " UNION ".join(
                f"SELECT '{kind}' AS kind, {kind}_asset_id AS asset_id,"
                f" {kind}_version_id AS version_id FROM matches WHERE match_id = ?"
                for kind in ASSET_KINDS
            )
            rows = query(
                connection,
                f"SELECT kind, asset_id, version_id FROM ({refs}) AS r"
                " WHERE asset_id IS NOT NULL AND version_id IS NOT NULL AND NOT EXISTS"
                " (SELECT 1 FROM assets AS a WHERE a.asset_id = r.asset_id"
                " AND a.version_id = r.version_id AND a.fetched_at IS NOT NULL)"
                " ORDER BY kind, asset_id, version_id",
                (match_id,) * len(ASSET_KINDS),
            )
        given_up = {key for (key,) in query(connection, _GIVEN_UP, (ASSET.name, MAX_ATTEMPTS))}
    return [
        (kind, asset_id, version_id)
        for kind, asset_id, version_id in rows
        if ASSET.key_of(kind, asset_id, version_id) not in given_up
    ]


def asset_fetched(store: Store, asset_id: str, version_id: str) -> bool:
    """Say whether an asset version's document is archived."""
    with store.unit() as connection:
        rows = query(
            connection,
            "SELECT 1 FROM assets WHERE asset_id = ? AND version_id = ? AND fetched_at IS NOT NULL",
            (asset_id, version_id),
        )
    return bool(rows)


def missing_skill(store: Store) -> list[str]:
    """Return matchmade matches with no ``match_skill`` row, newest first."""
    with store.unit() as connection:
        rows = query(
            connection,
            "SELECT match_id FROM matches AS m WHERE lifecycle_mode = 3 AND NOT EXISTS"
            " (SELECT 1 FROM match_skill AS s WHERE s.match_id = m.match_id)"
            f" AND match_id NOT IN ({_GIVEN_UP}) ORDER BY start_time DESC",
            (MATCH_SKILL.name, MAX_ATTEMPTS),
        )
    return [row[0] for row in rows]


def needs_skill(store: Store, match_id: str) -> bool:
    """Say whether a stored match is matchmade and has no skill rows yet."""
    with store.unit() as connection:
        rows = query(
            connection,
            "SELECT lifecycle_mode = 3 AND NOT EXISTS (SELECT 1 FROM match_skill"
            " WHERE match_id = ?) FROM matches WHERE match_id = ?",
            (match_id, match_id),
        )
    return bool(rows and rows[0][0])


def _missing_medal_ids(connection: Unit) -> list[int]:
    rows = query(
        connection,
        "SELECT medal_id FROM medals WHERE name IS NULL"
        f" AND CAST(medal_id AS TEXT) NOT IN ({_GIVEN_UP}) ORDER BY medal_id",
        (MEDAL, MAX_ATTEMPTS),
    )
    return [row[0] for row in rows]


def missing_medal_ids(store: Store) -> list[int]:
    """Return medal ids the archive refers to (awards, service records) with no name yet."""
    with store.unit() as connection:
        return _missing_medal_ids(connection)


def _missing_seasons(connection: Unit) -> list[str]:
    rows = query(
        connection,
        "SELECT season_id FROM seasons WHERE name IS NULL"
        f" AND season_id NOT IN ({_GIVEN_UP}) ORDER BY season_id",
        (SEASON, MAX_ATTEMPTS),
    )
    return [row[0] for row in rows]


def missing_season_ids(store: Store) -> list[str]:
    """Return season ids of matches and service record snapshots with no name yet."""
    with store.unit() as connection:
        return _missing_seasons(connection)


# --- pending -------------------------------------------------------------------


def mark_pending(
    store: Store,
    kind: str,
    key: str,
    reason: str,
    *,
    tried: bool = True,
    give_up: bool = False,
) -> None:
    """Remember a lookup for the next run.

    Args:
        store: the archive.
        kind: what was looked up (``asset``, ``match_skill``, …).
        key: which one.
        reason: why it is pending, for a person reading the table.
        tried: whether a request was made (only those count as attempts).
        give_up: the lookup found nothing worth asking again for (an id a
            fetched document lacks): count it as out of attempts at once.

    """
    with store.unit() as connection:
        _mark_pending(connection, kind, key, reason, tried=tried, give_up=give_up)


def mark_pending_in(
    connection: Unit, kind: str, key: str, reason: str, *, tried: bool = True
) -> None:
    """`mark_pending`, inside the caller's unit of work."""
    _mark_pending(connection, kind, key, reason, tried=tried, give_up=False)


def _mark_pending(
    connection: Unit, kind: str, key: str, reason: str, *, tried: bool, give_up: bool
) -> None:
    now = now_utc()
    step = int(tried)
    row = {"kind": kind, "key": key, "reason": reason,
           "attempts": MAX_ATTEMPTS if give_up else step, "first_seen_at": now,
           "last_attempt_at": now}  # fmt: skip
    conflict = merge(
        ("kind", "key"),
        reason="excluded.reason",
        last_attempt_at="excluded.last_attempt_at",
        attempts=f"CASE WHEN pending_enrichment.attempts + {step} > excluded.attempts"
        f" THEN pending_enrichment.attempts + {step} ELSE excluded.attempts END",
    )
    write_rows(connection, "pending_enrichment", [row], conflict)


def clear_pending(connection: Unit, kind: str, *keys: str) -> None:
    """Release items from ``pending_enrichment`` once their lookup succeeded (in a unit)."""
    execute(
        connection,
        "DELETE FROM pending_enrichment WHERE kind = ? AND key = ?",
        [(kind, key) for key in keys],
    )


def given_up(store: Store, kind: str, key: str) -> bool:
    """Say whether a lookup has failed ``MAX_ATTEMPTS`` times."""
    with store.unit() as connection:
        rows = query(
            connection,
            "SELECT attempts >= ? FROM pending_enrichment WHERE kind = ? AND key = ?",
            (MAX_ATTEMPTS, kind, key),
        )
    return bool(rows and rows[0][0])


def failed_before(store: Store) -> set[tuple[str, str]]:
    """Return (kind, key) of the lookups an earlier run tried and that are to be tried again."""
    with store.unit() as connection:
        rows = query(
            connection,
            "SELECT kind, key FROM pending_enrichment WHERE attempts BETWEEN 1 AND ?",
            (MAX_ATTEMPTS - 1,),
        )
    return {(kind, key) for kind, key in rows}


def pending_items(store: Store) -> list[str]:
    """Return ``kind:key`` of every lookup still to be retried."""
    with store.unit() as connection:
        rows = query(
            connection,
            "SELECT kind, key FROM pending_enrichment WHERE attempts < ? ORDER BY kind, key",
            (MAX_ATTEMPTS,),
        )
    return [f"{kind}:{key}" if key else kind for kind, key in rows]
