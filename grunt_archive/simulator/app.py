"""The ASGI application: the services' real paths, auth, faults and admin routes.

No web framework: a table of path patterns, each with the counter it feeds
and the handler that answers it. Clients reach it at ``{base}{path}``, the
path and query exactly as the real hosts would get them.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from grunt_archive.simulator import career_routes, catalog, enrichment_routes, extras

if TYPE_CHECKING:
    from grunt_archive.simulator.core import Simulator

Query = dict[str, list[str]]
Headers = dict[str, str]
_TYPES = {
    "all": None,
    "matchmaking": frozenset({3}),
    "custom": frozenset({1}),
    "local": frozenset({7}),
}
_TYPES |= {str(number): value for number, value in enumerate(_TYPES.values())}


@dataclass
class Reply:
    """A response: status, JSON body bytes (possibly empty), extra headers."""

    status: int
    body: bytes = b""
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


def _json(value: Any, status: int = 200) -> Reply:
    return Reply(status, json.dumps(value, separators=(",", ":")).encode())


def _error(status: int, message: str) -> Reply:
    return _json({"message": message}, status)


def _int(query: Query, name: str, default: int) -> int | None:
    """Return a non-negative integer query value, the default, or None if invalid."""
    values = query.get(name)
    if not values or values[-1] == "":
        return default
    text = values[-1].strip()
    return int(text) if text.isdigit() else None


def _listed(query: Query, name: str) -> list[str]:
    """Return a list parameter sent repeated (``?a=1&a=2``) or comma-joined (``?a=1,2``)."""
    return [
        item.strip() for value in query.get(name, []) for item in value.split(",") if item.strip()
    ]


class SimulatorApp:
    """ASGI callable answering for every simulated host at once."""

    def __init__(self, simulator: Simulator) -> None:
        """Serve `simulator`'s world."""
        self.sim = simulator
        handler = Callable[[re.Match[str], Query, Headers], Reply]
        routes: list[tuple[str, str, handler]] = [
            (r"/hi/players/(?P<player>[^/]+)/matches", "history", self._history),
            (r"/hi/players/(?P<player>[^/]+)/matches/count", "match_count", self._match_count),
            (r"/hi/matches/(?P<match>[^/]+)/stats", "stats", self._stats),
            (r"/hi/matches/(?P<match>[^/]+)/skill", "skill", self._skill),
            (r"/users/me", "profile", self._me),
            (r"/users/gt\((?P<gamertag>.+)\)", "profile", self._by_gamertag),
            (r"/users/xuid\((?P<xuid>\d+)\)", "profile", self._by_xuid),
            (r"/users", "profile", self._users),
            (
                r"/hi/(?P<kind>maps|ugcGameVariants|playlists|mapModePairs)/(?P<asset>[0-9a-fA-F-]{36})"
                r"(?:/versions/(?P<version>[0-9a-fA-F-]{36}))?",
                "discovery",
                self._asset,
            ),
            (r"/hi/waypoint/file/medals/metadata\.json", "gamecms", self._medals),
            (
                r"/oban/flight-configurations/titles/hi/audiences/[^/]+(?:/players/[^/]+)?/active",
                "clearance",
                self._clearance,
            ),
            *enrichment_routes.routes(_json),
            *career_routes.routes(simulator, _json),
        ]
        flags = re.IGNORECASE
        self.routes = [(re.compile(f"{pattern}/?", flags), kind, h) for pattern, kind, h in routes]

    async def __call__(
        self,
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[dict[str, Any]]],
        send: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        """Answer one ASGI connection (HTTP, or the server's lifespan events)."""
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        reply = await self.handle(
            scope["method"],
            scope["path"],
            parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True),
            {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
        )
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(reply.body)).encode()),
            *reply.headers,
        ]
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        body = b"" if scope["method"] == "HEAD" else reply.body
        await send({"type": "http.response.body", "body": body})

    async def handle(self, method: str, path: str, query: Query, headers: Headers) -> Reply:
        """Route a request and apply latency, auth and faults; return the reply."""
        if path.startswith("/_simulator/"):
            return self._admin(method, path, query)
        route = next(
            ((found, kind, handler) for pattern, kind, handler in self.routes
             if (found := pattern.fullmatch(path))),
            None,
        )  # fmt: skip
        if route is None:
            return Reply(404)
        found, kind, handler = route
        if method not in ("GET", "HEAD"):
            return Reply(405)
        sim = self.sim
        sim.count(kind)
        began = time.monotonic()
        with sim.lock:
            refused = self._refuse(kind, path, headers)
        reply = refused or handler(found, query, headers)
        if sim.config.latency_ms:
            # A service's latency includes its own work: answer `latency_ms` after the
            # request came, not that long after building the answer (a history page
            # builds 25 documents).
            await asyncio.sleep(max(0.0, sim.config.latency_ms / 1000 - time.monotonic() + began))
        return reply

    def _refuse(self, kind: str, path: str, headers: Headers) -> Reply | None:
        """Return a fault or auth failure for this request, or None to answer it."""
        sim = self.sim
        if not headers.get("x-343-authorization-spartan", "").strip() or not sim.faults.authorize():
            sim.count("faults", "fault_401")
            return Reply(401)
        if kind == "profile" and path.rstrip("/").lower() == "/users/me":
            return None
        status = sim.faults.gateway()
        if status is None:
            return None
        sim.count("faults", "fault_429" if status == 429 else "fault_5xx")
        retry = sim.faults.retry_after_header() if status in (429, 503) else []
        return Reply(status, headers=retry)

    def _player(self, found: re.Match[str]) -> int | None:
        with self.sim.lock:
            return self.sim.world.player_index(found["player"])

    def _history(self, found: re.Match[str], query: Query, headers: Headers) -> Reply:
        player = self._player(found)
        if player is None:
            return Reply(404)
        lowered = {key.lower(): value for key, value in query.items()}
        start, count = _int(lowered, "start", 0), _int(lowered, "count", 25)
        kind = (lowered.get("type") or ["all"])[-1].strip().lower() or "all"
        if start is None or count is None or kind not in _TYPES:
            return _error(
                400, "start and count must be integers; type all|matchmaking|custom|local"
            )
        count = min(max(count, 1), 25)
        return _json(self.sim.history_page(player, start, count, _TYPES[kind]))

    def _match_count(self, found: re.Match[str], query: Query, headers: Headers) -> Reply:
        player = self._player(found)
        return Reply(404) if player is None else _json(self.sim.match_count(player))

    def _stats(self, found: re.Match[str], query: Query, headers: Headers) -> Reply:
        sim, match_id = self.sim, found["match"].lower()
        with sim.lock:
            if match_id not in sim.world.matches:
                return Reply(404)
            if sim.faults.stats_not_ready(match_id):
                sim.count("faults", "fault_404")
                return Reply(404)
        body = sim.stats_body(match_id)
        if match_id in sim.malformed_match_ids:
            sim.count("faults", "fault_malformed")
            return Reply(200, body[: len(body) // 2])
        return Reply(200, body)

    def _skill(self, found: re.Match[str], query: Query, headers: Headers) -> Reply:
        if not headers.get("343-clearance", "").strip():
            return _error(403, "the 343-clearance header is required")
        sim, match_id = self.sim, found["match"].lower()
        wanted = _listed({k.lower(): v for k, v in query.items()}, "players")
        if any(p.lower().startswith("bid(") for p in wanted):
            sim.count("skill_bot_ids")  # the real service refuses them; a client never sends one
        with sim.lock:
            meta = sim.world.matches.get(match_id)
            late = meta is not None and sim.faults.skill_not_ready(match_id)
        if late:
            sim.count("faults", "fault_skill_404")
            return _json({"Value": [extras.skill_not_found(p) for p in wanted]}, 404)
        if meta is None or meta.lifecycle != 3 or not wanted:
            return _json({"Value": [extras.skill_not_found(p) for p in wanted]}, 404)
        stats = sim.stats_document(match_id)
        humans = {p["PlayerId"] for p in stats["Players"] if p["PlayerType"] == 1}
        info = stats["MatchInfo"]
        ranked = (info["Playlist"] or {}).get("AssetId") == catalog.RANKED_PLAYLIST_ID
        values = [
            extras.skill_result(stats, p, ranked) if p in humans else extras.skill_not_found(p)
            for p in wanted
        ]
        return _json({"Value": values}, 200 if set(wanted) <= humans else 404)

    def _profile(self, xuid: str | None) -> Reply:
        if xuid is None:
            return Reply(404)
        return _json(extras.profile(xuid, self.sim.world.people[xuid]))

    def _me(self, found: re.Match[str], query: Query, headers: Headers) -> Reply:
        return self._profile(self.sim.world.player_ids[0][5:-1])

    def _by_gamertag(self, found: re.Match[str], query: Query, headers: Headers) -> Reply:
        return self._profile(self.sim.world.xuid_of(found["gamertag"]))

    def _by_xuid(self, found: re.Match[str], query: Query, headers: Headers) -> Reply:
        return self._profile(found["xuid"] if found["xuid"] in self.sim.world.people else None)

    def _users(self, found: re.Match[str], query: Query, headers: Headers) -> Reply:
        people = self.sim.world.people
        xuids = [x for x in _listed(query, "xuids") if x in people]
        return _json([extras.profile(x, people[x]) for x in dict.fromkeys(xuids)])

    def _asset(self, found: re.Match[str], query: Query, headers: Headers) -> Reply:
        kind = next(k for k in extras.ASSET_PATHS if k.lower() == found["kind"].lower())
        document = extras.asset_document(kind, found["asset"], found["version"])
        if document is None:
            return Reply(404)
        return _json(career_routes.grow_asset_stats(self.sim, document))

    def _medals(self, found: re.Match[str], query: Query, headers: Headers) -> Reply:
        return _json(extras.medal_metadata())

    def _clearance(self, found: re.Match[str], query: Query, headers: Headers) -> Reply:
        return _json({"FlightConfigurationId": catalog.FLIGHT_ID})

    def _admin(self, method: str, path: str, query: Query) -> Reply:
        """Answer ``/_simulator/…``: never faulted, never delayed, no auth."""
        sim, route = self.sim, path.rstrip("/")
        if route == "/_simulator/state":
            return _json(sim.state()) if method == "GET" else Reply(405)
        if route == "/_simulator/reset-counts":
            if method != "POST":
                return Reply(405)
            sim.reset_counts()
            return _json({"counts": {}})
        if route == "/_simulator/play":
            if method != "POST":
                return Reply(405)
            player, count = (query.get("player") or [""])[-1], _int(query, "matches", 1)
            if count is None:
                return _error(400, "matches must be a non-negative integer")
            try:
                match_ids = sim.play(player, count)
            except KeyError:
                return _error(404, f"no tracked player {player!r}")
            player_id = sim.player_ids[sim.world.player_index(player) or 0]
            return _json({"player_id": player_id, "match_ids": match_ids})
        return Reply(404)
