"""skill: a match's CSR, MMR and expected performance; a playlist's CSR."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grunt_archive.simulator.data.skill import match_skill, playlist_csr, skill_not_found
from grunt_archive.simulator.replies import (
    Reply,
    Request,
    Route,
    clearance_refusal,
    json_reply,
    listed_param,
    lowered,
)

if TYPE_CHECKING:
    from grunt_archive.simulator.core import Simulator

HOST = "https://skill.svc.halowaypoint.com"


def _match_skill(sim: Simulator, request: Request) -> Reply:
    refused = clearance_refusal(request.headers)
    if refused is not None:
        return refused
    match_id = request["match"].lower()
    wanted = listed_param(lowered(request.query), "players")
    if any(p.lower().startswith("bid(") for p in wanted):
        sim.count("skill_bot_ids")  # the real service refuses them; a client never sends one
    with sim.lock:
        meta = sim.world.matches.get(match_id)
        late = meta is not None and sim.faults.skill_not_ready(match_id)
    if late:
        sim.count("faults", "fault_skill_404")
        return json_reply({"Value": [skill_not_found(p) for p in wanted]}, 404)
    if meta is None or meta.lifecycle != 3 or not wanted:
        return json_reply({"Value": [skill_not_found(p) for p in wanted]}, 404)
    stats = sim.stats_document(match_id)
    humans = {p["PlayerId"] for p in stats["Players"] if p["PlayerType"] == 1}
    values = match_skill(sim, stats, wanted)
    return json_reply({"Value": values}, 200 if set(wanted) <= humans else 404)


def _playlist_csr(sim: Simulator, request: Request) -> Reply:
    refused = clearance_refusal(request.headers)
    if refused is not None:
        return refused
    query = lowered(request.query)
    wanted = listed_param(query, "players")
    season = (query.get("season") or [""])[-1].strip() or None
    values, missing = [], False
    for player_id in wanted:
        player = sim.player_index(player_id)
        if player is None or not player_id.lower().startswith("xuid("):
            values.append(skill_not_found(player_id))
            missing = True
        else:
            values.append(playlist_csr(sim, player, request["playlist"], season))
    return json_reply({"Value": values}, 404 if missing or not wanted else 200)


ROUTES = (
    Route(r"/hi/matches/(?P<match>[^/]+)/skill", "skill", _match_skill),
    Route(r"/hi/playlist/(?P<playlist>[0-9a-fA-F-]{36})/csrs", "csr", _playlist_csr),
)
