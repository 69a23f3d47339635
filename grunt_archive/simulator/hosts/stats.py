"""halostats: match history, match counts, match stats and service records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grunt_archive.simulator.data.service_record import FILTERS, service_record
from grunt_archive.simulator.hostile import history_request, spoil_history
from grunt_archive.simulator.replies import (
    Reply,
    Request,
    Route,
    error_reply,
    int_param,
    json_reply,
    lowered,
)

if TYPE_CHECKING:
    from grunt_archive.simulator.core import Simulator

HOST = "https://halostats.svc.halowaypoint.com"
# The history's ``type`` filter, by name or number -> the lifecycles it keeps (None: all).
_TYPES = {
    "all": None,
    "matchmaking": frozenset({3}),
    "custom": frozenset({1}),
    "local": frozenset({7}),
}
_TYPES |= {str(number): value for number, value in enumerate(_TYPES.values())}


def _hidden(sim: Simulator, player: int | None, matches: bool) -> Reply | None:
    """Refuse a player's route as the service does, or return None.

    404 for no such (or a gone) player; 403 for the ``matches`` of one whose privacy
    settings hide them. Empty bodies: no client reads an error body (halo-api.md §3.6).
    """
    if player is None or player in sim.gone_players:
        return Reply(404)
    if matches and player in sim.private_players:
        sim.count("faults", "fault_private")
        return Reply(403)
    return None


def _history(sim: Simulator, request: Request) -> Reply:
    player = sim.player_index(request["player"])
    refused = _hidden(sim, player, matches=True)
    if refused is not None or player is None:
        return refused or Reply(404)
    query = lowered(request.query)
    start, count = int_param(query, "start", 0), int_param(query, "count", 25)
    kind = (query.get("type") or ["all"])[-1].strip().lower() or "all"
    if start is None or count is None or kind not in _TYPES:
        return error_reply(
            400, "start and count must be integers; type all|matchmaking|custom|local"
        )
    count = min(max(count, 1), 25)
    hostile = sim.config.hostile
    served = history_request(hostile, start, count)
    if served != (start, count):
        sim.count("faults", f"fault_{hostile}")
    page = sim.history_page(player, served[0], served[1], _TYPES[kind])
    return json_reply(spoil_history(hostile, page, sim.hostile_match_ids))


def _match_count(sim: Simulator, request: Request) -> Reply:
    player = sim.player_index(request["player"])
    refused = _hidden(sim, player, matches=True)
    if refused is not None or player is None:
        return refused or Reply(404)
    return json_reply(sim.match_count(player))


def _stats(sim: Simulator, request: Request) -> Reply:
    match_id = request["match"].lower()
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


def _service_record(sim: Simulator, request: Request) -> Reply:
    player = sim.player_index(request["player"])
    if player is None or player in sim.gone_players:
        return error_reply(404, "no such player")
    last = {key.lower(): values[-1] for key, values in request.query.items() if values}
    filters = {key: value for key, value in last.items() if key in FILTERS and value}
    return json_reply(service_record(sim, player, request["lifecycle"].lower(), filters))


ROUTES = (
    Route(r"/hi/players/(?P<player>[^/]+)/matches", "history", _history),
    Route(r"/hi/players/(?P<player>[^/]+)/matches/count", "match_count", _match_count),
    Route(r"/hi/matches/(?P<match>[^/]+)/stats", "stats", _stats),
    Route(
        r"/hi/players/(?P<player>[^/]+)/(?P<lifecycle>matchmade|custom|local)/servicerecord",
        "service_record",
        _service_record,
    ),
)
