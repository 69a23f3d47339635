"""The services' ASGI application: every host's routes, auth, faults, latency, admin routes.

No web framework: the routes of `hosts` are tried in turn against the path.
Clients reach it at ``{base}{path}``, the path and query exactly as the real
hosts would get them; which host a path belongs to does not matter here.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from grunt_archive.simulator import admin, hosts
from grunt_archive.simulator.replies import Headers, Query, Reply, Request, Route, refusal

if TYPE_CHECKING:
    from grunt_archive.simulator.core import Simulator

_TABLE = [(re.compile(f"{route.pattern}/?", re.IGNORECASE), route) for route in hosts.ROUTES]


def find_route(path: str) -> tuple[re.Match[str], Route] | None:
    """Return the match and route that answer `path`, or None when no host serves it."""
    for pattern, route in _TABLE:
        found = pattern.fullmatch(path)
        if found:
            return found, route
    return None


class SimulatorApp:
    """ASGI callable answering for every simulated services host at once."""

    def __init__(self, simulator: Simulator) -> None:
        """Serve `simulator`'s world."""
        self.sim = simulator

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
        sim = self.sim
        if path.startswith(admin.PREFIX):
            return admin.answer(sim, method, path, query)
        routed = find_route(path)
        if routed is None:
            return Reply(404)
        found, route = routed
        if method not in ("GET", "HEAD"):
            return Reply(405)
        sim.count(route.kind)
        began = time.monotonic()
        with sim.lock:
            refused = refusal(sim, route.kind, path, headers, hosts.HOST_OF_KIND[route.kind])
        reply = refused or route.handler(sim, Request(found, query, headers))
        if sim.config.latency_ms:
            # A service's latency includes its own work: answer `latency_ms` after the
            # request came, not that long after building the answer (a history page
            # builds 25 documents).
            await asyncio.sleep(max(0.0, sim.config.latency_ms / 1000 - time.monotonic() + began))
        return reply
