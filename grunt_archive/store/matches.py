"""Matches into the archive: one unit of work per match, upserts on natural keys.

A match is written whole or not at all: its raw document, every normalized
row, the removal of any stale rows from an earlier copy, the viewer's
per-player tables, and its release from ``pending_matches`` share one
transaction. Columns and tables the schema lacks are recorded in
``api_drift`` instead of breaking the write (`writer.write_rows`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from grunt_archive.documents import DERIVED_TABLES, FILM_MANIFEST, MATCH_STATS, RawDocument, Rows
from grunt_archive.errors import MalformedResponseError
from grunt_archive.normalize.assets import ASSET_KINDS
from grunt_archive.store import player_tables
from grunt_archive.store.raw import save_document, writes
from grunt_archive.store.session import Store, Unit
from grunt_archive.store.state import count_saved_match
from grunt_archive.store.writer import (
    COLUMNS,
    IGNORE,
    INSERT,
    chunks,
    execute,
    merge,
    query,
    replace,
    write_rows,
)
from grunt_archive.times import now_utc
from grunt_archive.views import FREE_FOR_ALL_SQL, PLAYER_COUNT_SQL

# The reason of a film recorded with its match and not fetched yet (`save_match`): seen
# only when the run that archived the match stopped before its film (a Ctrl-C, a crash).
FILM_WANTED = "not fetched yet: the run that archived the match stopped first"

# Every table a match's rows land in, other than `matches` and `players` themselves: what
# an earlier copy leaves behind. (`match_skill` is written from its own document, so
# re-saving a match keeps it; the per-player tables are derived, see `player_tables`.)
MATCH_CHILD_TABLES = tuple(
    sorted(
        name
        for name in COLUMNS
        if MATCH_STATS.writes(name) and name not in {"matches", "players", *DERIVED_TABLES}
    )
)
# The matches of some ids whose `free_for_all` or `player_count` is not what their rows
# say now: the SQL twins of `normalize.match.is_free_for_all` (NULL, teams unknown, is
# not free-for-all) and `normalize.match.player_count`.
_FREE_FOR_ALL_NOW = f"coalesce({FREE_FOR_ALL_SQL.format(m='matches')}, false)"
_PLAYER_COUNT_NOW = PLAYER_COUNT_SQL.format(m="matches")
_STALE_FROM_ROWS = (
    f"UPDATE matches SET free_for_all = {_FREE_FOR_ALL_NOW}, player_count = {_PLAYER_COUNT_NOW}"
    " WHERE match_id IN ({marks})"
    f" AND (free_for_all <> {_FREE_FOR_ALL_NOW} OR player_count <> {_PLAYER_COUNT_NOW})"
)
# Players are upserted without touching the gamertags enrichment fills in.
PLAYERS = merge(("player_id",), is_bot="excluded.is_bot")
MATCHES = replace("match_id")
# Where the archive's rows name a medal or a season (the foreign keys into `medals`
# and `seasons`); a match's asset references are the `<kind>_asset_id` pairs of `matches`.
_MEDAL_TABLES = ("medal_awards", "service_record_medals")
_SEASON_TABLES = ("matches", "service_record_snapshots")


def references(rows: Mapping[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Return the ``assets``, ``medals`` and ``seasons`` rows that ``rows`` refer to.

    Written only where missing (`write_references`): a row with no
    ``fetched_at`` (an asset) or no ``name`` (a medal, a season) is a reference
    enrichment has not looked up yet.
    """
    assets = [
        {"asset_id": _reference_id(row[f"{kind}_asset_id"], f"{kind} asset id"),
         "version_id": _reference_id(row[f"{kind}_version_id"], f"{kind} version id"),
         "asset_kind": kind}
        for row in rows.get("matches", [])
        for kind in ASSET_KINDS
        if row.get(f"{kind}_asset_id") is not None and row.get(f"{kind}_version_id") is not None
    ]  # fmt: skip
    medal_ids = {
        _reference_id(row["medal_id"], "medal id")
        for table in _MEDAL_TABLES
        for row in rows.get(table, [])
    }
    season_ids = {
        _reference_id(row["season_id"], "season id")
        for table in _SEASON_TABLES
        for row in rows.get(table, [])
        if row.get("season_id") is not None
    }
    return {
        "assets": assets,
        "medals": [{"medal_id": medal_id} for medal_id in sorted(medal_ids)],
        "seasons": [{"season_id": season_id} for season_id in sorted(season_ids)],
    }


def _reference_id(value: Any, what: str) -> str | int:
    """Return an id another table's key holds; a list or an object there is a malformed answer.

    Raises:
        MalformedResponseError: ``value`` is not text or a whole number.

    """
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise MalformedResponseError(f"the document's {what} is not an id: {_shown(value)}")
    return value


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def write_references(connection: Unit, rows: Rows, *, what: str = "document") -> None:
    """Give every asset, medal and season ``rows`` refer to a row, before ``rows`` are written."""
    for table, referred in references(rows).items():
        write_rows(connection, table, referred, IGNORE, what=what)


def _write_matches(connection: Unit, batch: Sequence[Rows]) -> None:
    """Write the rows of matches, a statement per table: parents first, then the rest."""
    ids = [rows["matches"][0]["match_id"] for rows in batch]
    what = "match document"
    refs = [references(rows) for rows in batch]
    for table in ("assets", "medals", "seasons"):
        referred = [found[table] for found in refs]
        write_rows(
            connection, table, _flat(referred), IGNORE, source=_each(referred, ids), what=what
        )
    players = [rows.get("players", []) for rows in batch]
    write_rows(
        connection, "players", _flat(players), PLAYERS, source=_each(players, ids), what=what
    )
    matches = [rows["matches"][:1] for rows in batch]
    write_rows(connection, "matches", _flat(matches), MATCHES, source=ids, what=what)
    tables = dict.fromkeys(t for rows in batch for t in rows if t not in ("matches", "players"))
    for table in tables:
        per_match = [rows.get(table, []) for rows in batch]
        write_rows(
            connection, table, _flat(per_match), INSERT, source=_each(per_match, ids), what=what
        )


def _flat(groups: Iterable[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [row for group in groups for row in group]


def _each(groups: Sequence[list[Any]], ids: Sequence[str]) -> list[str]:
    """Return the id of each row's match, row by row."""
    return [match_id for group, match_id in zip(groups, ids, strict=True) for _ in group]


@writes(MATCH_STATS)
def write_match_rows(connection: Unit, rows: Rows, raw: RawDocument | None = None) -> bool:
    """Replace everything the archive holds for one match with ``rows``, per-player tables too.

    Runs inside the caller's unit of work. Players are upserted without
    touching the gamertags that enrichment fills in.

    Raises:
        MalformedResponseError: the rows break the schema (a duplicate key, a
            number too large); the caller's unit of work is rolled back.

    """
    match_id = rows["matches"][0]["match_id"]
    existed = query(connection, "SELECT 1 FROM matches WHERE match_id = ?", (match_id,))
    replaced = None
    if existed:
        replaced = player_tables.shares_of(connection, match_id)
        for table in MATCH_CHILD_TABLES:
            execute(connection, f"DELETE FROM {table} WHERE match_id = ?", (match_id,))
    _write_matches(connection, [rows])
    player_tables.add_match(connection, match_id, replaced)
    return True


def write_new_matches(connection: Unit, batch: Sequence[Rows]) -> None:
    """Insert the rows of many matches the archive does not hold, a statement per table.

    What `write_match_rows` does for each, without its look for an earlier
    copy (``reparse`` emptied the tables, and deletes an earlier copy's rows
    itself) and without the per-player tables (``reparse`` rebuilds them once
    at the end): a whole batch of matches costs about what one match costs.

    Raises:
        MalformedResponseError: a match breaks the schema, or one is in the
            archive already; roll back and write them one by one to find it.

    """
    _write_matches(connection, batch)


def save_match(
    store: Store,
    raw: RawDocument,
    document: Any,
    run_id: int | None = None,
    *,
    film_wanted: bool = False,
) -> str:
    """Archive one match stats document: raw body, normalized rows, pending release.

    One unit of work: the match is stored whole or not at all, and counted towards
    the sync run ``run_id`` with it (`state.count_saved_match`). ``film_wanted``: the
    run fetches its film next; recorded with the match as a pending film lookup, which
    the fetch clears, so that a run stopped in between leaves the film to the next run.

    Returns:
        The match id.

    Raises:
        MalformedResponseError: the document cannot be normalized or stored; nothing is written.

    """
    found: list[str] = []

    def release(connection: Unit, rows: Rows, changed: bool) -> None:
        match_id = rows["matches"][0]["match_id"]
        execute(connection, "DELETE FROM pending_matches WHERE match_id = ?", (match_id,))
        count_saved_match(connection, run_id)
        if film_wanted:
            _want_film(connection, match_id)
        found.append(match_id)

    save_document(store, raw, document, release)
    return found[0]


def _want_film(connection: Unit, match_id: str) -> None:
    """Record the match's film as a pending lookup, unless it has a film or one is pending."""
    execute(
        connection,
        'INSERT INTO pending_enrichment (kind, "key", reason, attempts, first_seen_at)'
        " SELECT ?, ?, ?, 0, ? WHERE NOT EXISTS (SELECT 1 FROM films WHERE match_id = ?)"
        ' ON CONFLICT (kind, "key") DO NOTHING',
        (FILM_MANIFEST.name, match_id, FILM_WANTED, now_utc(), match_id),
    )


def archived_match_ids(store: Store, match_ids: Iterable[str]) -> set[str]:
    """Return which of ``match_ids`` the archive already holds."""
    ids = list(match_ids)
    if not ids:
        return set()
    with store.unit() as connection:
        return archived_in(connection, ids)


def archived_start_times(store: Store, match_ids: Sequence[str], latest: str) -> dict[str, str]:
    """Return the start time of each of ``match_ids`` the archive holds, if not after ``latest``."""
    if not match_ids:
        return {}
    marks = ", ".join("?" for _ in match_ids)
    with store.unit() as connection:
        found = query(
            connection,
            f"SELECT match_id, start_time FROM matches WHERE match_id IN ({marks})"
            " AND start_time IS NOT NULL AND start_time <= ?",
            [*match_ids, latest],
        )
    return {row[0]: row[1] for row in found}


def archived_in(connection: Unit, match_ids: Sequence[str]) -> set[str]:
    """Return which of ``match_ids`` the archive holds, inside a unit of work."""
    marks = ", ".join("?" for _ in match_ids)
    found = query(
        connection, f"SELECT match_id FROM matches WHERE match_id IN ({marks})", match_ids
    )
    return {row[0] for row in found}


def recompute_from_rows(connection: Unit, match_ids: Sequence[str]) -> None:
    """Decide ``free_for_all`` and ``player_count`` of ``match_ids`` again, from their rows now.

    The normalizer decides them from a match's own document; a copy that adds
    another archive's players (or teams) to a match held already changes what
    the rows say, so it asks again here. Only a row whose answer changed is written.
    """
    for chunk in chunks(match_ids):
        marks = ", ".join("?" for _ in chunk)
        execute(connection, _STALE_FROM_ROWS.format(marks=marks), tuple(chunk))
