"""Misbehaviour below HTTP and from the future: hung requests, dropped connections, API drift.

`NetworkFaults` wraps the simulator's ASGI app. A chosen fraction of service
requests hangs (the client's timeout must fire) or loses its connection
halfway through the body (a real server closes the connection; in-process the
client gets half a body). `drift_body` adds fields and a mode block no version of
grunt-archive knows to a few matches' stats, as a future API would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grunt_archive.simulator.core import Simulator

Send = Callable[[dict[str, Any]], Awaitable[None]]


class DroppedConnection(Exception):
    """Raised inside the server to cut a response off mid-body."""


class NetworkFaults:
    """ASGI middleware: hang or drop a seeded fraction of service requests."""

    def __init__(self, app: Callable[..., Awaitable[None]], simulator: Simulator) -> None:
        """Wrap `app`, taking rates and the seed from `simulator.config`."""
        self.app = app
        self.sim = simulator
        self._rng = random.Random(f"grunt-archive-network:{simulator.config.seed}")

    def _decide(self, path: str) -> str | None:
        config = self.sim.config
        if not (config.timeouts or config.drops) or path.startswith("/_simulator/"):
            return None
        with self.sim.lock:
            roll = self._rng.random()
        if roll < config.timeouts:
            return "timeout"
        if roll < config.timeouts + config.drops:
            return "drop"
        return None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Send) -> None:
        """Answer, hang or drop one request."""
        fault = self._decide(scope.get("path", "")) if scope["type"] == "http" else None
        if fault == "timeout":
            self.sim.count("faults", "fault_timeout")
            await asyncio.sleep(self.sim.config.hang_seconds)
        elif fault == "drop":
            self.sim.count("faults", "fault_drop")
            # Meant to happen: the server closes the half-sent response. A
            # traceback per drop would fill a piped stderr and hang the server.
            with contextlib.suppress(DroppedConnection):
                await self.app(scope, receive, _dropping(send))
            return
        await self.app(scope, receive, send)


def _dropping(send: Send) -> Send:
    """Return a `send` that delivers the headers and half the body, then fails."""

    async def cut(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            body = message.get("body", b"")
            await send(
                {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            )
            raise DroppedConnection("connection dropped by the simulator")
        await send(message)

    return cut


def drift_body(body: bytes) -> bytes:
    """Return a stats body with fields and a mode block from a future API version."""
    doc = json.loads(body)
    doc["MatchInfo"]["SpectatorCount"] = 3
    for player in doc.get("Players", []):
        player["PlayerTeamStats"][0]["Stats"]["GrappleStats"] = {
            "GrappleKills": 2,
            "TimeGrappling": "PT4.5S",
        }
        player["PlayerTeamStats"][0]["Stats"]["CoreStats"]["SlideKills"] = 1
    return json.dumps(doc, separators=(",", ":")).encode()
