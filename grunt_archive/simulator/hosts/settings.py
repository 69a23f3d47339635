"""settings: the clearance (flight configuration) clearance-aware requests carry.

The host's other path, the sign-in chain's ``/spartan-token``, is served with
the rest of the chain by `hosts.signin`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from grunt_archive.simulator.data import catalog
from grunt_archive.simulator.replies import Reply, Request, Route, json_reply

if TYPE_CHECKING:
    from grunt_archive.simulator.core import Simulator

HOST = "https://settings.svc.halowaypoint.com"


def _clearance(sim: Simulator, request: Request) -> Reply:
    return json_reply({"FlightConfigurationId": catalog.FLIGHT_ID})


ROUTES = (
    Route(
        r"/oban/flight-configurations/titles/hi/audiences/[^/]+(?:/players/[^/]+)?/active",
        "clearance",
        _clearance,
    ),
)
