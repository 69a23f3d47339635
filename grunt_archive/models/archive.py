"""Archive state: what is tracked, pending, fetched and run (bookkeeping, never rebuilt)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Dialect, Index, LargeBinary
from sqlalchemy.types import TypeDecorator, TypeEngine
from sqlmodel import AutoString, Field, SQLModel


class TrackedPlayer(SQLModel, table=True):
    """A player whose history is archived, and how far the archive reaches.

    Every match with ``oldest_start_time <= start_time <= newest_start_time``
    is archived or pending. ``backfill_offset`` is the history offset where an
    unfinished backfill resumes; ``history_complete`` says the walk has reached
    the player's first match.
    """

    __tablename__ = "tracked_players"

    player_id: str = Field(primary_key=True, foreign_key="players.player_id")
    added_at: str
    history_complete: bool = False
    newest_start_time: str | None = None
    oldest_start_time: str | None = None
    backfill_offset: int = 0
    last_synced_at: str | None = None


class PendingMatch(SQLModel, table=True):
    """A match seen in a history whose stats could not be archived yet.

    ``given_up_at`` is set when the user gave up on it (``grunt-archive pending
    give-up``, with ``given_up_reason`` if they said why): the row stays, later
    syncs no longer fetch it and it no longer makes them partial, until
    ``pending retry`` clears it.
    """

    __tablename__ = "pending_matches"

    match_id: str = Field(primary_key=True)
    player_id: str | None = None
    start_time: str | None = None
    reason: str | None = None
    attempts: int = 0
    first_seen_at: str
    last_attempt_at: str | None = None
    given_up_at: str | None = None
    given_up_reason: str | None = None


class Body(TypeDecorator[str | bytes]):
    """A raw body: bytes (``grunt_archive.rawbody``), in SQLite's TEXT column or PostgreSQL's BYTEA.

    On SQLite the column is declared TEXT (as revision 0001 made it); SQLite
    keeps a BLOB value in a TEXT column as it is (only numbers are converted),
    so ``typeof(body)`` says which a row holds. PostgreSQL's text cannot hold
    bytes: there the column is BYTEA (revision 0017).
    """

    impl = AutoString
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """Return BYTEA's type on PostgreSQL, TEXT's elsewhere."""
        if dialect.name == "postgresql":
            return dialect.type_descriptor(LargeBinary())
        return dialect.type_descriptor(AutoString())


class RawResponse(SQLModel, table=True):
    """A document exactly as the service sent it, so tables can be rebuilt offline."""

    __tablename__ = "raw_responses"
    __table_args__ = (Index("ix_raw_responses_kind_key", "kind", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    key: str
    path: str
    fetched_at: str
    # Bytes as `encoding` says (`grunt_archive.rawbody`): SQL reads `raw_body(body, encoding)`.
    body: str | bytes = Field(sa_column=Column(Body(), nullable=False))
    encoding: str = Field(default="identity", sa_column_kwargs={"server_default": "identity"})


class SyncRun(SQLModel, table=True):
    """One run of ``grunt-archive sync``: what it did and how it ended.

    ``matches_added`` is None for a run killed outright whose saves the archive
    cannot tell from other workers' (`grunt_archive.store.state.start_run`).
    """

    __tablename__ = "sync_runs"

    id: int | None = Field(default=None, primary_key=True)
    started_at: str
    finished_at: str | None = None
    outcome: str = "running"
    players: str | None = None
    requests: int = 0
    matches_added: int | None = 0
    pending: int = 0
    failures: str | None = None
    error: str | None = None


class UnfinishedCopy(SQLModel, table=True):
    """A ``copy`` into this archive under way, or one cut short before its end.

    The copy writes its row before its first row and deletes it with its last
    write, the derived tables' update. A row a copy finds was left by one cut
    short: what that one added to matches held before it cannot be told from the
    archive's own rows, so the finding copy counts the derived tables again
    (`grunt_archive.store.copied`; whether its copy still runs: `store.unfinished`).
    """

    __tablename__ = "unfinished_copies"

    id: int | None = Field(default=None, primary_key=True)
    started_at: str


class ApiDrift(SQLModel, table=True):
    """A field or mode block the API sent that this version of the code does not know."""

    __tablename__ = "api_drift"

    table_name: str = Field(primary_key=True)
    field: str = Field(primary_key=True)
    first_seen_at: str
    last_seen_at: str
    example_match_id: str | None = None
    occurrences: int = 0


class ServiceRecordCheck(SQLModel, table=True):
    """One comparison by ``verify`` of a player's service record with the archive's sums.

    ``differences`` is JSON: per differing field, what the service counts and
    what the archive holds (``{"kills": {"service": 812, "archive": 800}}``);
    ``{}`` when they agree. The snapshot compared is ``(player_id, scope,
    snapshot_taken_at)`` of ``service_record_snapshots``; ``counted_until`` is
    when the service last answered with it, and the archive's sums count the
    matches that ended by then. ``pending`` counts the player's matches waiting
    in ``pending_matches`` at the time, which the service may already count;
    ``given_up`` those of them the user gave up on (no sync fetches them).
    """

    __tablename__ = "service_record_checks"

    player_id: str = Field(primary_key=True, foreign_key="players.player_id")
    checked_at: str = Field(primary_key=True)
    scope: str
    snapshot_taken_at: str
    counted_until: str
    agrees: bool
    differences: str
    pending: int = 0
    given_up: int = 0
