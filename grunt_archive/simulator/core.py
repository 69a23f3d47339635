"""`Simulator`: a seeded world, its faults and request counts, behind one lock."""

from __future__ import annotations

import json
import random
import threading
from collections import Counter, OrderedDict

from grunt_archive.simulator.app import SimulatorApp
from grunt_archive.simulator.config import SimulatorConfig
from grunt_archive.simulator.data import documents
from grunt_archive.simulator.data.world import MatchMeta, World
from grunt_archive.simulator.faults import Faults
from grunt_archive.simulator.films import SimulatedFilms
from grunt_archive.simulator.hostile import HostileBodies
from grunt_archive.simulator.hosts.signin import SignInApp
from grunt_archive.simulator.network import NetworkFaults, drift_body

# Stats bodies kept, most recently used first: a whole long history, so that the service
# records and CSR (`data.service_record`, `data.skill`), which read every match, do not
# rebuild them.
_DOCUMENT_CACHE = 20_000
_SUMMARY_CACHE = 8192  # history entries of tracked players, by match


class Simulator:
    """A local stand-in for the Halo Waypoint services, with its own world.

    Use `app` as an ASGI application (in process with `httpx.ASGITransport`,
    or served by uvicorn, see `server`). Everything about it derives from
    `config.seed`; it is safe to drive from a test thread while a server
    thread answers requests.

    Example:
        >>> sim = Simulator(SimulatorConfig(seed=7, players=2, matches=30))
        >>> len(sim.history(sim.player_ids[0]))
        30

    """

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        """Build the world of `config` (the defaults when None)."""
        self.config = config or SimulatorConfig()
        self.world = World(self.config.seed, self.config.players, self.config.matches)
        self.faults = Faults(self.config)
        self.counts: Counter[str] = Counter()
        self.lock = threading.RLock()
        picks = random.Random(f"grunt-archive-malformed:{self.config.seed}")
        ids = list(self.world.matches)
        self.malformed_match_ids: set[str] = set(
            picks.sample(ids, min(self.config.malformed_matches, len(ids)))
        )
        drift_picks = random.Random(f"grunt-archive-drift:{self.config.seed}")
        self.drift_match_ids: set[str] = set(
            drift_picks.sample(ids, min(self.config.drift_matches, len(ids)))
        )
        # Tracked players the service refuses (403) or no longer knows (404), by index.
        self.private_players = self._indices(self.config.private_players)
        self.gone_players = self._indices(self.config.gone_players)
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._summaries: OrderedDict[str, dict[str, dict]] = OrderedDict()
        self._paged_requests = 0
        self.films = SimulatedFilms(self)
        # The sign-in hosts in front of the services, the network's faults in front of all.
        hostile = HostileBodies(SignInApp(SimulatorApp(self), self), self)
        self.hostile_match_ids: set[str] = hostile.match_ids
        self.app = NetworkFaults(hostile, self)

    @property
    def player_ids(self) -> list[str]:
        """The tracked players' ``xuid(…)`` ids; `/users/me` is the first."""
        return list(self.world.player_ids)

    def gamertag(self, player_id: str) -> str:
        """Return the gamertag of a tracked player.

        Raises:
            KeyError: `player_id` is not a tracked player.

        """
        return self.world.gamertags[self._index(player_id)]

    def history(self, player_id: str) -> list[str]:
        """Return a tracked player's match ids, newest first."""
        with self.lock:
            return [meta.match_id for meta in self.world.history(self._index(player_id))]

    def stats_document(self, match_id: str) -> dict:
        """Return exactly what a successful stats request answers, parsed.

        Raises:
            KeyError: No match has this id.

        """
        return json.loads(self.stats_body(match_id))

    def play(self, player_id: str, n: int = 1) -> list[str]:
        """Add `n` new matches at the top of a player's history; return their ids, newest first."""
        with self.lock:
            return [meta.match_id for meta in self.world.play(self._index(player_id), n)]

    def reset_counts(self) -> None:
        """Forget every request counted so far."""
        with self.lock:
            self.counts.clear()

    def count(self, *keys: str) -> None:
        """Count one request under each of `keys`."""
        with self.lock:
            self.counts.update(keys)

    def player_index(self, player: str) -> int | None:
        """Return the index of a tracked player named by ``xuid(…)`` or gamertag, or None."""
        with self.lock:
            return self.world.player_index(player)

    def rename(self, player: str, gamertag: str) -> str:
        """Give a tracked player a new gamertag (as Xbox Live lets them); return their id.

        Their old gamertag then names no one, as on the real service.

        Raises:
            KeyError: `player` is not a tracked player, or `gamertag` is someone else's.

        """
        with self.lock:
            index = self._index(player)
            self.world.rename(index, gamertag)
            return self.world.player_ids[index]

    def _indices(self, players: tuple[str, ...]) -> frozenset[int]:
        """Return the indices of tracked players named in a setting (xuid or gamertag)."""
        from grunt_archive.errors import UsageError

        found = {player: self.world.player_index(player) for player in players}
        unknown = [player for player, index in found.items() if index is None]
        if unknown:
            raise UsageError(f"no tracked player of this world is {unknown[0]!r}")
        return frozenset(index for index in found.values() if index is not None)

    def _index(self, player_id: str) -> int:
        index = self.world.player_index(player_id)
        if index is None:
            raise KeyError(player_id)
        return index

    def stats_body(self, match_id: str) -> bytes:
        """Return the JSON body of a match's stats document (cached).

        Raises:
            KeyError: No match has this id.

        """
        with self.lock:
            body = self._bodies.get(match_id)
            if body is not None:
                self._bodies.move_to_end(match_id)
                return body
            meta = self.world.matches[match_id]
        return self._build(meta)[0]

    def history_result(self, meta: MatchMeta, player_id: str) -> dict:
        """Return one history entry of a tracked player (cached)."""
        with self.lock:
            summary = self._summaries.get(meta.match_id)
            if summary is not None:
                self._summaries.move_to_end(meta.match_id)
        if summary is None:
            summary = self._build(meta)[1]
        return summary[player_id]

    def _build(self, meta: MatchMeta) -> tuple[bytes, dict[str, dict]]:
        """Build a match's stats body and its tracked players' history entries; cache both.

        Building happens outside the lock: documents are a pure function of the match.
        """
        document = documents.stats_document(meta, self.world.player_ids, self.world.strangers)
        body = json.dumps(document, separators=(",", ":")).encode()
        if meta.match_id in self.drift_match_ids:
            body = drift_body(body)
        players = [self.world.player_ids[i] for i in meta.tracked]
        summary = {p: documents.history_result(document, p) for p in players}
        with self.lock:
            for cache, value, size in (
                (self._bodies, body, _DOCUMENT_CACHE),
                (self._summaries, summary, _SUMMARY_CACHE),
            ):
                cache[meta.match_id] = value
                while len(cache) > size:
                    cache.popitem(last=False)
        return body, summary

    def history_page(
        self, player: int, start: int, count: int, lifecycles: frozenset[int] | None
    ) -> dict:
        """Build a history page; with `config.arrivals`, new matches arrive first."""
        every = self.config.arrivals
        with self.lock:
            if start > 0 and every:
                self._paged_requests += 1
                if self._paged_requests % every == 0:
                    self.world.play(player, 1)
            window = self.world.history(player, lifecycles)[start : start + count]
        player_id = self.world.player_ids[player]
        results = [self.history_result(meta, player_id) for meta in window]
        return documents.history_page(results, start, count)

    def match_count(self, player: int) -> dict:
        """Build the match-count document of a tracked player."""
        with self.lock:
            return documents.match_count(self.world.history(player))

    def state(self) -> dict:
        """Return the admin view: request counts, and each tracked player's match ids.

        Returns:
            ``{"counts": {kind: n}, "players": [{"player_id", "gamertag",
            "matches": [ids newest first], "match_count"}]}``.

        """
        with self.lock:
            players = []
            for index, player_id in enumerate(self.world.player_ids):
                matches = [meta.match_id for meta in self.world.history(index)]
                players.append(
                    {
                        "player_id": player_id,
                        "gamertag": self.world.gamertags[index],
                        "matches": matches,
                        "match_count": len(matches),
                    }
                )
            return {"counts": dict(self.counts), "players": players}
