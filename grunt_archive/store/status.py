"""What an archive holds and how its last sync went (``grunt-archive status``), read-only.

The nightly run's owner asks two things of a morning: did it work, and is
anything waiting. Everything here is a count or a row the archive keeps
already (`sync_runs`, `tracked_players`, `player_matches`, the pending tables,
`films`), read in one unit of work.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from grunt_archive.players import labelled
from grunt_archive.store import claims, unfinished
from grunt_archive.store.lookups import MAX_ATTEMPTS
from grunt_archive.store.session import Store, Unit
from grunt_archive.store.state import NOT_GIVEN_UP, saved_so_far
from grunt_archive.store.writer import query


@dataclass(frozen=True, slots=True)
class TrackedPlayer:
    """A tracked player: how many of their matches the archive holds, and when they began."""

    player_id: str
    gamertag: str | None
    matches: int
    oldest_start_time: str | None
    newest_start_time: str | None
    history_complete: bool
    last_synced_at: str | None

    @property
    def name(self) -> str:
        """Return how a person knows the player: ``Gamertag (xuid(…))``, or the id alone."""
        return labelled(self.player_id, self.gamertag)


@dataclass(frozen=True, slots=True)
class LastRun:
    """The latest row of ``sync_runs``."""

    started_at: str
    finished_at: str | None
    outcome: str
    matches_added: int | None
    pending: int
    requests: int
    error: str | None
    id: int
    # For a run still marked ``running``: whether its process still runs (None: not known).
    alive: bool | None = None


@dataclass(slots=True)
class ArchiveStatus:
    """An archive at a glance."""

    matches: int = 0
    players: list[TrackedPlayer] = field(default_factory=list)
    last_run: LastRun | None = None
    # Runs still marked ``running`` besides the latest, oldest first: PostgreSQL's other
    # workers, or runs killed outright that the next sync marks interrupted.
    other_runs: list[LastRun] = field(default_factory=list)
    last_ok_at: str | None = None  # when the latest run that ended ``ok`` began
    pending_matches: int = 0
    given_up_matches: int = 0
    pending_lookups: int = 0
    given_up_lookups: int = 0
    films: dict[str, int] = field(default_factory=dict)  # by `films.status`
    # Copies into the archive that stopped before their end: their rows are not all there.
    copies_cut_short: int = 0

    def to_json(self) -> dict[str, object]:
        """Return the status as a JSON-ready dict, each player's ``name`` included."""
        data = asdict(self)
        data["players"] = [{**asdict(p), "name": p.name} for p in self.players]
        return data


_PLAYERS = """
SELECT t.player_id, p.gamertag, coalesce(c.matches, 0), c.oldest, c.newest,
    t.history_complete, t.last_synced_at
FROM tracked_players AS t
LEFT JOIN players AS p ON p.player_id = t.player_id
-- The archive's matches of each, however they came (a sync, a copy, another player's).
LEFT JOIN (SELECT player_id, count(*) AS matches, min(start_time) AS oldest,
        max(start_time) AS newest
    FROM player_matches GROUP BY player_id) AS c
    ON c.player_id = t.player_id
ORDER BY coalesce(c.matches, 0) DESC, lower(p.gamertag), t.player_id
"""
_RUN = "SELECT started_at, finished_at, outcome, matches_added, pending, requests, error, id"
_LAST_RUN = f"{_RUN} FROM sync_runs ORDER BY id DESC LIMIT 1"
_OTHER_RUNS = f"{_RUN} FROM sync_runs WHERE outcome = 'running' AND id < ? ORDER BY id"


def archive_status(store: Store) -> ArchiveStatus:
    """Return what the archive holds, its latest sync run and what waits for the next."""
    status = ArchiveStatus()
    with store.unit() as connection:
        status.matches = query(connection, "SELECT count(*) FROM matches")[0][0]
        status.players = [
            TrackedPlayer(row[0], row[1], row[2], row[3], row[4], bool(row[5]), row[6])
            for row in query(connection, _PLAYERS)
        ]
        runs = [LastRun(*row) for row in query(connection, _LAST_RUN)]
        if runs:
            runs += [LastRun(*row) for row in query(connection, _OTHER_RUNS, (runs[0].id,))]
        runs = [_as_now(connection, run) for run in runs]
        status.last_run = runs[0] if runs else None
        status.other_runs = runs[1:]
        ok = query(connection, "SELECT max(started_at) FROM sync_runs WHERE outcome = 'ok'")
        status.last_ok_at = ok[0][0]
        (waiting,) = query(
            connection,
            f"SELECT count(*) FILTER (WHERE {NOT_GIVEN_UP}), count(*) FROM pending_matches",
        )
        status.pending_matches, status.given_up_matches = waiting[0], waiting[1] - waiting[0]
        lookups = query(
            connection,
            "SELECT count(*) FILTER (WHERE attempts < ?), count(*) FILTER (WHERE attempts >= ?)"
            " FROM pending_enrichment",
            (MAX_ATTEMPTS, MAX_ATTEMPTS),
        )
        status.pending_lookups, status.given_up_lookups = lookups[0][0], lookups[0][1]
        films = query(connection, "SELECT status, count(*) FROM films GROUP BY status")
        status.films = {row[0]: row[1] for row in sorted(films)}
        status.copies_cut_short = unfinished.cut_short(connection)
    return status


def _as_now(connection: Unit, run: LastRun) -> LastRun:
    """Return a run still marked ``running`` with whether it lives and what it has saved."""
    if run.outcome != "running":
        return run
    alive = claims.run_alive(connection, run.id)
    return replace(run, alive=alive, matches_added=saved_so_far(connection, run.id))
