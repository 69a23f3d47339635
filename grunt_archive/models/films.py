"""Theater films: what each match's highlight chunk says (kills, deaths, medals) and the rivals.

``films``, ``film_events`` and ``kills`` are rebuilt by ``reparse`` from the
stored chunk bytes (``raw_responses`` kind ``film_chunk``), so a film read
with a layout this version lacks is read again once a newer one knows it.
``player_rivals`` is derived from ``kills`` for the tracked players
(``grunt_archive.store.rivals``).
"""

from __future__ import annotations

from sqlalchemy import Index, PrimaryKeyConstraint
from sqlmodel import Field, SQLModel

FILM_STATUSES = ("read", "gone", "unreadable", "malformed")
"""``films.status``: read; expired before it was fetched (404); a version the reader
does not know; bytes the reader refuses for a version it knows."""


class Film(SQLModel, table=True):
    """A match's film: whether it was kept and read, and whether it agrees with the stats."""

    __tablename__ = "films"

    match_id: str = Field(primary_key=True, foreign_key="matches.match_id")
    status: str
    major_version: int | None = None
    film_length_ms: int | None = None
    chunk_count: int | None = None
    events_read: int | None = None
    # True when the film's version had no checked layout and the reader found one in the
    # chunk (film.reader.read_film); None for a film not read.
    layout_inferred: bool | None = None
    agrees_with_stats: bool | None = None
    # JSON list of {"player_id", "what", "film", "stats"}: the counts that differ.
    disagreements: str | None = None
    # Why a film is unreadable or malformed, in the reader's words.
    error: str | None = None
    fetched_at: str | None = None


class FilmEventRow(SQLModel, table=True):
    """One highlight event of a film, in the chunk's order (``seq``)."""

    __tablename__ = "film_events"
    __table_args__ = (
        PrimaryKeyConstraint("match_id", "seq"),
        Index("ix_film_events_player_id", "player_id", "type"),
    )

    match_id: str = Field(foreign_key="films.match_id")
    seq: int
    player_id: str = Field(foreign_key="players.player_id")
    gamertag: str | None = None
    type: str
    time_ms: int
    medal_code: int | None = None
    medal_name: str | None = None


class KillRow(SQLModel, table=True):
    """A line of a match's kill feed: a kill event paired with its victim's death."""

    __tablename__ = "kills"
    __table_args__ = (
        PrimaryKeyConstraint("match_id", "seq"),
        Index("ix_kills_killer_id", "killer_id"),
        Index("ix_kills_victim_id", "victim_id"),
    )

    match_id: str = Field(foreign_key="films.match_id")
    seq: int
    time_ms: int
    killer_id: str = Field(foreign_key="players.player_id")
    killer_gamertag: str | None = None
    victim_id: str | None = Field(default=None, foreign_key="players.player_id")
    victim_gamertag: str | None = None
    # More than one death fits the window and the pairing is open, or none fits.
    ambiguous: bool
    candidates: int


class PlayerRival(SQLModel, table=True):
    """A tracked player's record against one opponent over every archived film."""

    __tablename__ = "player_rivals"
    __table_args__ = (
        PrimaryKeyConstraint("player_id", "opponent_id"),
        # The player page's nemeses and favourite victims: a player's rows by net, no sort.
        Index("ix_player_rivals_net", "player_id", "net"),
    )

    player_id: str = Field(foreign_key="players.player_id")
    opponent_id: str = Field(foreign_key="players.player_id")
    opponent_gamertag: str | None = None
    kills_on: int
    deaths_to: int
    net: int
    matches: int


class ExpiredFilm(SQLModel, table=True):
    """A match whose film answered 404 (films expire): archive state, never asked for again.

    No document holds this, so ``reparse`` writes the ``gone`` rows of ``films`` from here.
    """

    __tablename__ = "expired_films"

    match_id: str = Field(primary_key=True)
    seen_at: str
