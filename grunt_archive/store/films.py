"""Films in the archive: the manifest and chunk kept as received, their rows, gone films, rivals.

This module knows SQL and nothing of HTTP. `save_film` keeps a match's
manifest and highlight chunk and writes the film's rows in one unit of work;
`write_film_rows` is the film chunk's writer, which ``reparse`` replays: it
reads the manifest (for the film version) and the match's stats document
(to reconcile with) from ``raw_responses`` and calls the pure normalizer, so
a chunk stored unreadable is read again by a reader that knows its version.

`kept_film` gives back what the archive keeps of one match's film (its status,
version and chunk as served), for ``film read --match``.

A film that answered 404 is gone for good: `mark_gone` writes its ``films``
row and an ``expired_films`` row (archive state: never asked for again), from
which `restore_gone` writes the ``films`` row again after a rebuild.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from grunt_archive.documents import FILM_CHUNK, FILM_MANIFEST, MATCH_STATS, RawDocument, Rows
from grunt_archive.errors import MalformedResponseError
from grunt_archive.normalize.films import GONE, MALFORMED, film_rows, gone_row, manifest_facts
from grunt_archive.rawbody import decode
from grunt_archive.store import rivals
from grunt_archive.store.lookups import MAX_ATTEMPTS, clear_pending, mark_pending_in
from grunt_archive.store.raw import keep_raw, writes
from grunt_archive.store.session import Store, Unit
from grunt_archive.store.writer import IGNORE, execute, query, replace, write_rows
from grunt_archive.times import now_utc

FILM_TABLES = ("kills", "film_events", "films")
"""Children first: what one film's rows fill."""


@dataclass(frozen=True, slots=True)
class KeptFilm:
    """What the archive keeps of a match's film: its ``films`` row's status, and its chunk.

    ``status`` is None when the match has no ``films`` row (never looked at, or the
    match is not archived: ``archived`` says which); ``chunk`` is the highlight
    chunk as served and ``version`` its manifest's ``FilmMajorVersion``, both None
    when no chunk is kept (an expired film, or one not fetched yet).
    """

    match_id: str
    archived: bool
    status: str | None
    version: int | None
    chunk: bytes | None


def kept_film(store: Store, match_id: str) -> KeptFilm:
    """Return what the archive keeps of ``match_id``'s film (a GUID in any case).

    Raises:
        MalformedResponseError: the kept manifest is not JSON or lacks its version.

    """
    match_id = match_id.lower()  # as the match normalizer keeps every match id
    with store.unit() as connection:
        archived = bool(query(connection, "SELECT 1 FROM matches WHERE match_id = ?", (match_id,)))
        status = query(connection, "SELECT status FROM films WHERE match_id = ?", (match_id,))
        chunk = _latest(connection, FILM_CHUNK.name, match_id)
        manifest = _stored(connection, FILM_MANIFEST.name, match_id) if chunk else None
    try:
        body = decode(*chunk) if chunk else None
    except ValueError as error:
        raise MalformedResponseError(f"the kept film chunk of {match_id}: {error}") from None
    version = manifest_facts(manifest)["major_version"] if chunk else None
    return KeptFilm(
        match_id,
        archived,
        str(status[0][0]) if status else None,
        version,
        bytes(body) if isinstance(body, bytes | bytearray | memoryview) else None,
    )


@writes(FILM_CHUNK)
def write_film_rows(connection: Unit, rows: Rows, raw: RawDocument) -> bool:
    """Replace a match's film rows with those its chunk gives, and its tracked players' rivals.

    ``rows`` is empty (a film chunk's rows need its manifest and the match's stats,
    read here); runs inside the caller's unit of work.

    Raises:
        MalformedResponseError: no manifest is kept for the match, or it lacks its version.

    """
    match_id = raw.key
    manifest = _stored(connection, FILM_MANIFEST.name, match_id)
    if manifest is None:
        raise MalformedResponseError(f"film of {match_id}: no manifest kept for its chunk")
    stats = _stored(connection, MATCH_STATS.name, match_id)
    if not isinstance(raw.body, bytes):
        raise MalformedResponseError(f"film of {match_id}: its chunk is not kept as bytes")
    found = film_rows(match_id, manifest, raw.body, stats, raw.fetched_at)
    for table in FILM_TABLES:
        execute(connection, f"DELETE FROM {table} WHERE match_id = ?", (match_id,))
    # The match's own players rows stay as they are; a player only the film names gets one.
    write_rows(connection, "players", found.get("players", []), IGNORE)
    for table in reversed(FILM_TABLES):
        write_rows(connection, table, found.get(table, []))
    # A chunk the reader refuses may be one spoilt on its way: the film stays wanted (its
    # pending row, counted by the fetches, gives up after a few), and `reparse` leaves it so.
    if found["films"][0]["status"] != MALFORMED:
        clear_pending(connection, FILM_MANIFEST.name, match_id)
    rivals.refresh_match(connection, match_id)
    return True


def save_film(store: Store, manifest: RawDocument, chunk: RawDocument) -> tuple[str, bool]:
    """Keep a match's film manifest and highlight chunk and write its rows, all or nothing.

    Returns:
        The film's ``films.status`` (``read``, ``unreadable``, ``malformed``), and whether
        it was read with a layout inferred from the chunk (``films.layout_inferred``).

    Raises:
        MalformedResponseError: the manifest lacks its version; nothing is written.

    """
    with store.unit() as connection:
        keep_raw(connection, manifest)
        write_film_rows(connection, {}, chunk)
        keep_raw(connection, chunk)
        sql = "SELECT status, layout_inferred, error FROM films WHERE match_id = ?"
        ((status, inferred, error),) = query(connection, sql, (chunk.key,))
        if status == MALFORMED:
            reason = f"its chunk as received could not be read: {error}"
            mark_pending_in(connection, FILM_MANIFEST.name, chunk.key, reason[:300], tried=True)
    return str(status), bool(inferred)


def mark_gone(store: Store, match_id: str) -> None:
    """Record that a match's film had expired (404): a ``gone`` row, never asked for again."""
    with store.unit() as connection:
        write_rows(connection, "films", [gone_row(match_id)], replace("match_id"))
        write_rows(connection, "expired_films", [{"match_id": match_id, "seen_at": now_utc()}],
                   IGNORE)  # fmt: skip
        clear_pending(connection, FILM_MANIFEST.name, match_id)


def restore_gone(connection: Unit) -> None:
    """Write again the ``gone`` rows of the films that expired (after ``reparse``)."""
    execute(
        connection,
        "INSERT INTO films (match_id, status) SELECT e.match_id, ? FROM expired_films AS e"
        " JOIN matches AS m ON m.match_id = e.match_id"
        " WHERE e.match_id NOT IN (SELECT match_id FROM films)",
        (GONE,),
    )


def needs_film(store: Store, match_id: str) -> bool:
    """Say whether a stored match has no film (or a malformed one) and it was not given up on."""
    with store.unit() as connection:
        rows = query(
            connection,
            "SELECT 1 FROM matches AS m WHERE m.match_id = ?"
            f" AND NOT EXISTS (SELECT 1 FROM films AS f WHERE f.match_id = m.match_id{_KEPT})"
            f" AND {_NOT_GIVEN_UP}",
            (match_id, FILM_MANIFEST.name, MAX_ATTEMPTS),
        )
    return bool(rows)


# A film row that ends the fetching: every status but a chunk the reader refused.
_KEPT = f" AND f.status <> '{MALFORMED}'"
_NOT_GIVEN_UP = (
    "NOT EXISTS (SELECT 1 FROM pending_enrichment AS p"
    " WHERE p.key = m.match_id AND p.kind = ? AND p.attempts >= ?)"
)


def pending_films(store: Store) -> list[str]:
    """Return the matches whose film fetch failed before and is to be tried again."""
    with store.unit() as connection:
        rows = query(
            connection,
            "SELECT p.key FROM pending_enrichment AS p JOIN matches AS m ON m.match_id = p.key"
            " WHERE p.kind = ? AND p.attempts < ?"
            f" AND NOT EXISTS (SELECT 1 FROM films AS f WHERE f.match_id = p.key{_KEPT})"
            " ORDER BY m.start_time DESC, p.key",
            (FILM_MANIFEST.name, MAX_ATTEMPTS),
        )
    return [row[0] for row in rows]


def matches_without_film(store: Store) -> list[str]:
    """Return the archived matches with no film row, not given up on, newest first."""
    with store.unit() as connection:
        rows = query(
            connection,
            "SELECT m.match_id FROM matches AS m"
            " WHERE NOT EXISTS (SELECT 1 FROM films AS f WHERE f.match_id = m.match_id)"
            f" AND {_NOT_GIVEN_UP} ORDER BY m.start_time DESC, m.match_id",
            (FILM_MANIFEST.name, MAX_ATTEMPTS),
        )
    return [row[0] for row in rows]


def _stored(connection: Unit, kind: str, key: str) -> Any:
    """Return the parsed body of the latest raw copy of ``kind``/``key``, or None."""
    latest = _latest(connection, kind, key)
    if latest is None:
        return None
    try:
        return json.loads(decode(*latest) or "")
    except (ValueError, UnicodeDecodeError):
        raise MalformedResponseError(f"the kept {kind} of {key} is not JSON") from None


def _latest(connection: Unit, kind: str, key: str) -> tuple[Any, str | None] | None:
    """Return the body and encoding of the latest raw copy of ``kind``/``key``, or None."""
    rows = query(
        connection,
        "SELECT body, encoding FROM raw_responses WHERE kind = ? AND key = ?"
        " ORDER BY id DESC LIMIT 1",
        (kind, key),
    )
    return (rows[0][0], rows[0][1]) if rows else None
