"""The services' admin routes (``/_simulator/…``): never faulted, never delayed, no auth.

``GET /_simulator/state`` (request counts, each tracked player's matches),
``POST /_simulator/reset-counts``, ``POST /_simulator/play?player=&matches=N``
(new matches on top of a history) and ``POST /_simulator/rename?player=&gamertag=``
(a tracked player changes gamertag). The sign-in chain's admin routes are in
`hosts.signin`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from grunt_archive.simulator.replies import Query, Reply, error_reply, int_param, json_reply

if TYPE_CHECKING:
    from grunt_archive.simulator.core import Simulator

PREFIX = "/_simulator/"


def answer(sim: Simulator, method: str, path: str, query: Query) -> Reply:
    """Answer an admin request (`path` starts with `PREFIX`)."""
    route = path.rstrip("/")
    if route == "/_simulator/state":
        return json_reply(sim.state()) if method == "GET" else Reply(405)
    if route == "/_simulator/reset-counts":
        if method != "POST":
            return Reply(405)
        sim.reset_counts()
        return json_reply({"counts": {}})
    if route == "/_simulator/play":
        return _play(sim, query) if method == "POST" else Reply(405)
    if route == "/_simulator/rename":
        return _rename(sim, query) if method == "POST" else Reply(405)
    return Reply(404)


def _rename(sim: Simulator, query: Query) -> Reply:
    player, gamertag = ((query.get(key) or [""])[-1] for key in ("player", "gamertag"))
    if not gamertag.strip():
        return error_reply(400, "gamertag must not be empty")
    try:
        player_id = sim.rename(player, gamertag.strip())
    except KeyError:
        return error_reply(404, f"no tracked player {player!r}, or {gamertag!r} is taken")
    return json_reply({"player_id": player_id, "gamertag": gamertag.strip()})


def _play(sim: Simulator, query: Query) -> Reply:
    player, count = (query.get("player") or [""])[-1], int_param(query, "matches", 1)
    if count is None:
        return error_reply(400, "matches must be a non-negative integer")
    try:
        match_ids = sim.play(player, count)
    except KeyError:
        return error_reply(404, f"no tracked player {player!r}")
    player_id = sim.player_ids[sim.world.player_index(player) or 0]
    return json_reply({"player_id": player_id, "match_ids": match_ids})
