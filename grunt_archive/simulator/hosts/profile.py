"""profile: who is signed in, and gamertag ↔ xuid lookups."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grunt_archive.simulator.data.profiles import profile
from grunt_archive.simulator.replies import Reply, Request, Route, json_reply, listed_param

if TYPE_CHECKING:
    from grunt_archive.simulator.core import Simulator

HOST = "https://profile.svc.halowaypoint.com"


def _known(sim: Simulator, xuid: str | None) -> bool:
    """Say whether the profile service knows ``xuid`` (a gone player's account is no more)."""
    if xuid is None or xuid not in sim.world.people:
        return False
    index = sim.player_index(f"xuid({xuid})")
    return index is None or index not in sim.gone_players


def _profile(sim: Simulator, xuid: str | None) -> Reply:
    if not _known(sim, xuid):
        return Reply(404)
    assert xuid is not None
    document = profile(xuid, sim.world.people[xuid])
    if sim.config.hostile == "no_xuid":
        # A profile with no usable xuid: the archiver must not track `xuid(None)`.
        sim.count("faults", "fault_no_xuid")
        document = {**document, "xuid": None}
    return json_reply(document)


def _me(sim: Simulator, request: Request) -> Reply:
    return _profile(sim, sim.world.player_ids[0][5:-1])


def _by_gamertag(sim: Simulator, request: Request) -> Reply:
    return _profile(sim, sim.world.xuid_of(request["gamertag"]))


def _by_xuid(sim: Simulator, request: Request) -> Reply:
    return _profile(sim, request["xuid"])


def _users(sim: Simulator, request: Request) -> Reply:
    people = sim.world.people
    xuids = [x for x in listed_param(request.query, "xuids") if _known(sim, x)]
    return json_reply([profile(x, people[x]) for x in dict.fromkeys(xuids)])


ROUTES = (
    Route(r"/users/me", "profile", _me),
    Route(r"/users/gt\((?P<gamertag>.+)\)", "profile", _by_gamertag),
    Route(r"/users/xuid\((?P<xuid>\d+)\)", "profile", _by_xuid),
    Route(r"/users", "profile", _users),
)
