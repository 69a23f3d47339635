"""A faithful local stand-in for the Halo Waypoint services (`grunt-archive simulate`).

`Simulator` holds a seeded world of players and matches and serves it as an
ASGI application at the services' real paths, with configurable faults;
`running_simulator` runs one on a free port for the length of a ``with``.
"""

from __future__ import annotations

from grunt_archive.simulator.config import SimulatorConfig
from grunt_archive.simulator.core import Simulator
from grunt_archive.simulator.server import running_simulator, serve

__all__ = ["Simulator", "SimulatorConfig", "running_simulator", "serve"]
