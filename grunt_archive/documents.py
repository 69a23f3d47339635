"""Every kind of document the archive keeps, declared once.

A kind says what ``raw_responses.kind`` its copies are filed under, how their
``key`` is built and read back, which pure normalizer turns one into rows,
which tables those rows land in, whether raw copies are a log or the latest
replaces the older, and when ``reparse`` replays it. The store and ``reparse``
are driven by this registry; nothing else spells a key or a table list.

This module holds data and pure functions only: it imports no SQL or HTTP
library. Adding a kind is one `DocumentKind` here, its normalizer in
``normalize/``, its tables in ``models/`` (and a migration), and the one
function that writes its rows in the store (registered with ``store.raw.writes``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from grunt_archive.normalize import (
    asset_rows,
    match_rows,
    medal_rows,
    profile_rows,
    season_rows,
    skill_rows,
)
from grunt_archive.normalize.asset_stats import asset_stats_rows
from grunt_archive.normalize.assets import ASSET_KINDS
from grunt_archive.normalize.csr import csr_rows
from grunt_archive.normalize.mode_blocks import MODE_BLOCKS, Form, forms
from grunt_archive.normalize.service_record import service_record_rows

Rows = Mapping[str, list[dict[str, Any]]]


class Fetched(Protocol):
    """A response as the API client hands it over: where from, when, and the body."""

    path: str
    fetched_at: str
    body: str


@dataclass(frozen=True, slots=True)
class RawDocument:
    """A response body as received, with what it is and where it came from.

    ``body`` is text for the JSON documents; a binary kind (film chunks) keeps bytes.
    """

    kind: str
    key: str
    path: str
    fetched_at: str
    body: str | bytes

    @classmethod
    def of(cls, kind: DocumentKind, key: str, fetched: Fetched) -> RawDocument:
        """Return the record of a fetched document (the API client's ``Document``)."""
        return cls(kind.name, key, fetched.path, fetched.fetched_at, fetched.body)


class Keep(Enum):
    """What becomes of the raw copies of one key."""

    LOG = "log"  # every fetch is kept, in order
    LATEST = "latest"  # a newer copy replaces the older
    CHANGES = "changes"  # kept, in order, only when it changed what the archive holds


@dataclass(frozen=True, slots=True)
class KeyFormat:
    """How a kind's ``raw_responses.key`` is built from its parts, and split back."""

    build: Callable[..., str]
    parse: Callable[[str], tuple[str, ...]]


def _whole(key: str) -> tuple[str, ...]:
    return (key,)


def _identity(part: str) -> str:
    return part


def _history_key(player_id: str, start: int) -> str:
    return f"{player_id}?start={start}"


def _parse_history_key(key: str) -> tuple[str, str]:
    player_id, _, start = key.partition("?start=")
    return player_id, start


def _players_key(xuids: Sequence[str]) -> str:
    return ",".join(xuids)


def _player_and(player_id: str, what: str) -> str:
    return f"{player_id} {what}"


def _parse_player_and(key: str) -> tuple[str, str]:
    player_id, _, what = key.partition(" ")
    return player_id, what


def _asset_key(kind: str, asset_id: str, version_id: str) -> str:
    return f"{kind}:{asset_id}:{version_id}"


def _parse_asset_key(key: str) -> tuple[str, str, str]:
    kind, asset_id, version_id = key.split(":")
    if kind not in ASSET_KINDS:
        raise ValueError(f"not an asset kind: {kind!r}")
    return kind, asset_id, version_id


def _asset_stats_key(kind: str, asset_id: str) -> str:
    return f"{kind}:{asset_id}"


def _parse_asset_stats_key(key: str) -> tuple[str, str]:
    kind, _, asset_id = key.partition(":")
    return kind, asset_id


WHOLE = KeyFormat(_identity, _whole)  # the key is the id itself (a match id, a path)


def mode_tables(*wanted: Form) -> tuple[str, ...]:
    """Return the tables of every mode block in the ``wanted`` forms (player, team, record)."""
    return tuple(
        form.table_name(block.name)
        for block in MODE_BLOCKS
        for form in forms(block)
        if form in wanted
    )


@dataclass(frozen=True, slots=True)
class DocumentKind:
    """One kind of document: its raw record, its rows, and how ``reparse`` replays it.

    Attributes:
        name: its ``raw_responses.kind``.
        key: how its ``raw_responses.key`` is built and parsed.
        normalize: the pure function from (document, key) to rows; None when
            its documents write no table (history pages), or when its rows need
            other documents too (a film chunk needs its manifest and the match's
            stats: its store writer reads them and calls its normalizer).
        tables: the tables its rows land in.
        keep: what becomes of its raw copies.
        stage: when ``reparse`` replays it (kinds of one stage in fetch order,
            stages in increasing order); None when it is never replayed.
        binary: its bodies are bytes, not JSON text.

    """

    name: str
    key: KeyFormat
    normalize: Callable[[Any, str], Rows] | None
    tables: tuple[str, ...]
    keep: Keep
    stage: int | None
    binary: bool = False

    def key_of(self, *parts: Any) -> str:
        """Return the raw key of the document named by ``parts``."""
        return self.key.build(*parts)

    def rows(self, document: Any, key: str) -> Rows:
        """Return the rows of one document of this kind.

        Raises:
            MalformedResponseError: the document is not the shape the endpoint promises.
            ValueError: ``key`` is not a key of this kind.

        """
        if self.normalize is None:
            return {}
        return self.normalize(document, key)

    def writes(self, table: str) -> bool:
        """Say whether this kind's rows land in ``table``."""
        return table in self.tables


# Stages of `reparse`: the matches, then what they refer to, then the snapshots, then films.
MATCHES_STAGE, LOOKUPS_STAGE, SNAPSHOTS_STAGE, FILMS_STAGE = 1, 2, 3, 4

HISTORY_PAGE = DocumentKind(
    "match_history", KeyFormat(_history_key, _parse_history_key), None, (), Keep.LOG, None
)
MATCH_STATS = DocumentKind(
    "match_stats",
    WHOLE,
    lambda document, key: match_rows(document),
    ("matches", "players", "match_teams", "match_players", "medal_awards",
     "personal_score_awards", *mode_tables(Form.PLAYER, Form.TEAM)),
    Keep.LATEST,
    MATCHES_STAGE,
)  # fmt: skip
MATCH_SKILL = DocumentKind(
    "match_skill", WHOLE, lambda document, key: skill_rows(document, key), ("match_skill",),
    Keep.LATEST, LOOKUPS_STAGE,
)  # fmt: skip
ASSET = DocumentKind(
    "asset",
    KeyFormat(_asset_key, _parse_asset_key),
    lambda document, key: asset_rows(document, *_parse_asset_key(key)),
    ("assets",),
    Keep.LATEST,
    LOOKUPS_STAGE,
)
MEDAL_METADATA = DocumentKind(
    "medal_metadata", WHOLE, lambda document, key: medal_rows(document), ("medals",), Keep.LOG,
    LOOKUPS_STAGE,
)  # fmt: skip
# Both calendars (the seasons' and the CSR seasons'), keyed by their path.
SEASON_CALENDAR = DocumentKind(
    "season_calendar", WHOLE, lambda document, key: season_rows(document), ("seasons",), Keep.LOG,
    LOOKUPS_STAGE,
)  # fmt: skip
# Gamertags: never replayed, since a player the service did not list keeps the
# name it had and bots are named without a request (players keep their names).
PROFILE_USERS = DocumentKind(
    "profile_users",
    KeyFormat(_players_key, lambda key: tuple(key.split(","))),
    lambda document, key: profile_rows(document),
    ("players",),
    Keep.LOG,
    None,
)
SERVICE_RECORD = DocumentKind(
    "service_record",
    KeyFormat(_player_and, _parse_player_and),
    lambda document, key: service_record_rows(document, *_parse_player_and(key)),
    ("service_record_snapshots", "service_record_medals", *mode_tables(Form.SERVICE_RECORD)),
    Keep.CHANGES,
    SNAPSHOTS_STAGE,
)
PLAYLIST_CSR = DocumentKind(
    "playlist_csr",
    KeyFormat(_player_and, _parse_player_and),
    lambda document, key: csr_rows(document, _parse_player_and(key)[1]),
    ("csr_snapshots",),
    Keep.CHANGES,
    SNAPSHOTS_STAGE,
)
ASSET_STATS = DocumentKind(
    "asset_stats",
    KeyFormat(_asset_stats_key, _parse_asset_stats_key),
    lambda document, key: asset_stats_rows(document, *_parse_asset_stats_key(key)),
    ("asset_stats_snapshots",),
    Keep.CHANGES,
    SNAPSHOTS_STAGE,
)
# A match's film manifest: never replayed by itself, its film chunk's writer reads it.
FILM_MANIFEST = DocumentKind("film_manifest", WHOLE, None, (), Keep.LATEST, None)
# A match's highlight chunk (type 3), kept as served (zlib bytes) so that a newer
# reader can read it again; its rows need the manifest (the film version) and the stats.
FILM_CHUNK = DocumentKind(
    "film_chunk", WHOLE, None, ("films", "film_events", "kills"), Keep.LATEST, FILMS_STAGE,
    binary=True,
)  # fmt: skip

KINDS: Mapping[str, DocumentKind] = {
    kind.name: kind
    for kind in (
        HISTORY_PAGE,
        MATCH_STATS,
        MATCH_SKILL,
        ASSET,
        MEDAL_METADATA,
        SEASON_CALENDAR,
        PROFILE_USERS,
        SERVICE_RECORD,
        PLAYLIST_CSR,
        ASSET_STATS,
        FILM_MANIFEST,
        FILM_CHUNK,
    )
}

# The archive's own bookkeeping: no document holds it, so `reparse` leaves it alone.
ARCHIVE_STATE = frozenset(
    {
        "tracked_players",
        "pending_matches",
        "pending_enrichment",
        "sync_runs",
        "api_drift",
        "raw_responses",
        "snapshot_checks",
        "expired_films",
        "service_record_checks",
        "unfinished_copies",
    }
)
# The viewer's per-player tables: computed from the match tables, not from a document
# (``store.player_tables``), and computed again after every replay.
# ``player_rivals`` is derived from ``kills`` (``store.rivals``); the ``*_totals`` of
# ``player_matches`` that the canned queries add up, from it (``store.player_totals``).
DERIVED_TABLES = (
    "player_matches",
    "player_encounters",
    "player_medal_totals",
    "player_rivals",
    "player_totals",
    "player_day_totals",
    "player_playlist_totals",
    "player_map_totals",
    "player_mode_totals",
    "archive_map_totals",
    "archive_day_totals",
)


def kinds_writing(table: str) -> list[DocumentKind]:
    """Return the kinds whose rows land in ``table``."""
    return [kind for kind in KINDS.values() if kind.writes(table)]


def replayed_kinds() -> list[DocumentKind]:
    """Return the kinds ``reparse`` replays, in the order of their stages."""
    return sorted(
        (kind for kind in KINDS.values() if kind.stage is not None),
        key=lambda kind: kind.stage or 0,
    )


def rebuilt_tables(tables: Sequence[str]) -> list[str]:
    """Return which of ``tables`` ``reparse`` empties and fills again from documents.

    A table some kind that is never replayed also writes keeps its rows
    (``players``: gamertags come from profile answers and bot names).
    """
    return [
        table
        for table in tables
        if (writers := kinds_writing(table)) and all(kind.stage is not None for kind in writers)
    ]
