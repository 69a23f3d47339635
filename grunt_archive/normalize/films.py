"""A match's film (manifest and highlight chunk) as rows of ``films``, ``film_events``, ``kills``.

Pure: the manifest as parsed JSON, the chunk's bytes as the blob host served
them (compressed), and the match's stats document (to reconcile the film's
counts with) go in; rows come out. A chunk in a film version the reader has
no checked layout for is read with the layout the chunk shows, where one fits
every event (``layout_inferred``); where none does, it gives a ``films`` row
with status ``unreadable`` and no events, so that ``reparse`` reads it again
once a newer reader knows that version. A chunk the reader refuses for a
version it knows gives ``malformed``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from grunt_archive.errors import MalformedFilmError, MalformedResponseError, UnknownFilmVersionError
from grunt_archive.film.feed import pair_kills, reconcile
from grunt_archive.film.reader import FilmEvent, Layout, read_film

# ``films.status``, as INTERFACE.md names them (``read`` was ``archived`` before 0028).
READ, GONE, UNREADABLE, MALFORMED = "read", "gone", "unreadable", "malformed"

Rows = dict[str, list[dict[str, Any]]]


def manifest_facts(manifest: Any) -> dict[str, int | None]:
    """Return the film's major version, length in ms and number of chunks from its manifest.

    Raises:
        MalformedResponseError: No ``CustomData`` object, or no integer ``FilmMajorVersion``.

    """
    data = manifest.get("CustomData") if isinstance(manifest, Mapping) else None
    if not isinstance(data, Mapping):
        raise MalformedResponseError("a film manifest without CustomData")
    version = data.get("FilmMajorVersion")
    if not _is_int(version):
        raise MalformedResponseError("a film manifest without an integer FilmMajorVersion")
    length = data.get("FilmLength")
    chunks = data.get("Chunks")
    return {
        "major_version": version,
        "film_length_ms": length if _is_int(length) else None,
        "chunk_count": len(chunks) if isinstance(chunks, list) else None,
    }


def film_rows(
    match_id: str,
    manifest: Any,
    chunk: bytes,
    stats: Mapping[str, Any] | None,
    fetched_at: str,
    layouts: Mapping[int, Layout] | None = None,
) -> Rows:
    """Return the rows of one match's film.

    Args:
        match_id: The match.
        manifest: Its film manifest (parsed JSON).
        chunk: Its highlight chunk (type 3), as served.
        stats: Its match stats document, to reconcile with; None leaves
            ``agrees_with_stats`` empty.
        fetched_at: When the chunk was fetched.
        layouts: The reader's layout table; the reader's own by default.

    Returns:
        ``films`` (one row), ``film_events`` and ``kills`` (empty unless the film was read),
        and ``players``: a row for each player of its events, whom ``film_events`` and
        ``kills`` name by foreign key (written only where the match stats gave none).

    Raises:
        MalformedResponseError: The manifest lacks its version.

    """
    film: dict[str, Any] = {
        "match_id": match_id, **manifest_facts(manifest), "status": READ,
        "events_read": None, "layout_inferred": None, "agrees_with_stats": None,
        "disagreements": None, "error": None,
        "fetched_at": fetched_at,
    }  # fmt: skip
    try:
        reading = read_film(chunk, film["major_version"], layouts=layouts)
    except UnknownFilmVersionError as error:
        return {"films": [{**film, "status": UNREADABLE, "error": str(error)}]}
    except MalformedFilmError as error:
        return {"films": [{**film, "status": MALFORMED, "error": str(error)}]}
    events = reading.events
    film["events_read"], film["layout_inferred"] = len(events), reading.inferred
    if stats is not None:
        found = reconcile(events, stats)
        film["agrees_with_stats"] = not found
        film["disagreements"] = json.dumps(
            [{"player_id": d.player_id, "what": d.what, "film": d.film, "stats": d.stats}
             for d in found]
        )  # fmt: skip
    return {
        "films": [film],
        "film_events": [_event_row(match_id, seq, e) for seq, e in enumerate(events)],
        "kills": kill_rows(match_id, events),
        # Films carry human players only; the match stats list them too, but a film that
        # names one they do not (reconcile shows it) must still find its players row.
        "players": [
            {"player_id": p, "is_bot": False} for p in sorted({e.player_id for e in events})
        ],
    }


def gone_row(match_id: str) -> dict[str, Any]:
    """Return the ``films`` row of a match whose film had expired when it was asked for."""
    return {"match_id": match_id, "status": GONE}


def kill_rows(match_id: str, events: list[FilmEvent]) -> list[dict[str, Any]]:
    """Return the kill feed of a film's events as ``kills`` rows, in time order."""
    return [
        {
            "match_id": match_id,
            "seq": seq,
            "time_ms": kill.time_ms,
            "killer_id": f"xuid({kill.killer_xuid})",
            "killer_gamertag": kill.killer_gamertag,
            "victim_id": None if kill.victim_xuid is None else f"xuid({kill.victim_xuid})",
            "victim_gamertag": kill.victim_gamertag,
            # A kill no death fits is as open as one several fit.
            "ambiguous": kill.ambiguous or kill.victim_xuid is None,
            "candidates": kill.candidates,
        }
        for seq, kill in enumerate(pair_kills(events))
    ]


def _event_row(match_id: str, seq: int, event: FilmEvent) -> dict[str, Any]:
    return {
        "match_id": match_id,
        "seq": seq,
        "player_id": event.player_id,
        "gamertag": event.gamertag,
        "type": event.type,
        "time_ms": event.time_ms,
        "medal_code": event.medal_code,
        "medal_name": event.medal_name,
    }


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
