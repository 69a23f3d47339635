"""One module per Halo host, as `grunt_archive.api` has one client module per host.

Each services host module has ``HOST`` (the real base URL it stands in for)
and ``ROUTES`` (its paths, see `replies.Route`): `stats` (halostats), `skill`,
`discovery` (discovery-infiniteugc, film manifests too), `blobs` (the film
chunks of blobs-infiniteugc), `profile`, `gamecms` (gamecms-hacs) and
`settings` (the clearance). `signin` serves the sign-in chain's hosts
(login.live.com, the Xbox Live auth hosts, settings' ``/spartan-token``) as
ASGI middleware in front of the services.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from grunt_archive.simulator.hosts import (
    blobs,
    discovery,
    gamecms,
    profile,
    settings,
    skill,
    stats,
)

SERVICES = (stats, skill, profile, discovery, blobs, gamecms, settings)
ROUTES = tuple(route for host in SERVICES for route in host.ROUTES)


def host_name(host: str) -> str:
    """Return a host's short name, as the client's limits know it (``halostats``, ``skill``…)."""
    return (urlsplit(host).hostname or host).split(".", 1)[0]


# Request counter (`replies.Route.kind`) → the short name of the host serving it.
HOST_OF_KIND = {route.kind: host_name(host.HOST) for host in SERVICES for route in host.ROUTES}
