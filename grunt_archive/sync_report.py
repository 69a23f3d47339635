"""What a sync is asked to do (`SyncOptions`) and what it did (`SyncReport`, ``--json``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from grunt_archive.wording import counted, quoted


@dataclass(frozen=True, slots=True)
class SyncOptions:
    """What to sync.

    Attributes:
        players: player ids or gamertags as typed; empty means every tracked
            player, or the signed-in player when none is tracked.
        full: walk every player's whole history again, fetching whatever is missing.
        limit: stop after this many new matches (the rest waits for the next run).
        matches_only: archive matches (and what they refer to) only: no service
            record, CSR or popularity snapshots, and no request for them.
        films: fetch each new match's film (manifest and highlight chunk).
        films_backfill: also fetch the films of archived matches that have
            none, newest first, up to the first that has expired.

    """

    players: tuple[str, ...] = ()
    full: bool = False
    limit: int | None = None
    matches_only: bool = False
    films: bool = True
    films_backfill: bool = False


@dataclass(slots=True)
class SyncReport:
    """What a run did; ``to_json()`` is the ``--json`` summary."""

    run_id: int
    outcome: str = "ok"
    players: list[str] = field(default_factory=list)
    matches_added: int = 0
    pending: list[str] = field(default_factory=list)
    requests: int = 0
    seconds: float = 0.0
    failures: list[dict[str, str]] = field(default_factory=list)
    # Lookups of names and skill left for the next run (``kind:key``); not a partial run.
    enrichment_pending: list[str] = field(default_factory=list)
    # Films archived, gone (expired) and stored unreadable this run; inferred: archived ones read
    # with a layout their chunk showed (a film version with no checked layout).
    films: dict[str, int] = field(default_factory=dict)
    # Players whose history could not be walked (or who could not be resolved): a partial run.
    failed_players: list[str] = field(default_factory=list)
    # Each host's requests per second at the end (lower than --rps after 429s; None: no limit).
    rates: dict[str, float | None] = field(default_factory=dict)
    # Players another worker was syncing (PostgreSQL), as ``Gamertag (xuid(…))``: skipped.
    claimed_elsewhere: list[str] = field(default_factory=list)
    # Whether the run compacted the archive (`store.compact`: after a large growth).
    compacted: bool = False
    # The players' gamertags (an id where none is known yet), in the order of ``players``.
    gamertags: list[str] = field(default_factory=list)
    # Matches the user gave up on (`pending give-up`): never fetched, not a partial run.
    given_up: list[str] = field(default_factory=list)
    # ``--player`` gamertags no Halo player has any more that a tracked player had (they
    # changed it): ``{"player": as typed, "player_id", "gamertag": the new one or None}``.
    renamed: list[dict[str, str | None]] = field(default_factory=list)

    def renamed_notes(self) -> list[str]:
        """Say, one line each, which ``--player`` gamertags now name no one and who was synced."""
        return [
            f"no Halo player has the gamertag {quoted(r['player'])} any more: synced "
            f"{r['player_id']}, whom this archive tracks under it"
            + (f", now {quoted(r['gamertag'])}" if r["gamertag"] else "")
            + "; name them by their xuid in --player"
            for r in self.renamed
        ]

    def partial_summary(self) -> str:
        """Say in one line what a partial run left for the next one."""
        parts = []
        if self.pending:
            named = ", ".join(self.pending[:5])
            # One match alone (a late or spoilt one, night after night) is named with why.
            why = [f["error"] for f in self.failures if f.get("match_id") == self.pending[0]]
            if len(self.pending) == 1 and why:
                named += f" ({why[-1]})"
            parts.append(
                f"{counted(len(self.pending), 'match')} left pending for the next run: {named}"
            )
        for failure in self.failures:
            if "player_id" in failure:
                parts.append(f"{failure['player']} not synced: {failure['error']}")
        return "; ".join(parts).replace("\n", " ")

    def to_json(self) -> dict[str, object]:
        """Return the summary as a JSON-ready dict."""
        return {
            "outcome": self.outcome,
            "run_id": self.run_id,
            "players": self.players,
            "gamertags": self.gamertags,
            "matches_added": self.matches_added,
            "pending": self.pending,
            "given_up": self.given_up,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "failures": self.failures,
            "enrichment_pending": self.enrichment_pending,
            "films": self.films,
            "failed_players": self.failed_players,
            "rates": self.rates,
            "claimed_elsewhere": self.claimed_elsewhere,
            "compacted": self.compacted,
            "renamed": self.renamed,
        }
