"""What every simulated host is built from: its route type, its replies, its query helpers.

A host module (`hosts`) declares ``ROUTES``, a tuple of `Route`: a path
pattern, the request counter it feeds, and a handler from the simulator and
the `Request` to a `Reply`. The app (`app.SimulatorApp`) matches the path,
counts the request and asks `refusal` whether the auth and gateway faults
answer it first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grunt_archive.simulator.core import Simulator

Query = dict[str, list[str]]
Headers = dict[str, str]


@dataclass
class Reply:
    """A response: status, JSON body bytes (possibly empty), extra headers."""

    status: int
    body: bytes = b""
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


@dataclass(frozen=True)
class Request:
    """A routed request: the path's match, the query (repeated keys kept), the headers.

    Header names are lowercase; query keys are as sent.
    """

    found: re.Match[str]
    query: Query
    headers: Headers

    def __getitem__(self, name: str) -> str:
        """Return a named group of the path pattern (``request["player"]``)."""
        return self.found[name]


Handler = Callable[["Simulator", Request], Reply]


@dataclass(frozen=True)
class Route:
    """One path of a host.

    Attributes:
        pattern: a regular expression the whole path must match (any case; a
            trailing ``/`` is allowed).
        kind: the request counter it feeds (``/_simulator/state``'s ``counts``).
        handler: answers the request from the simulator's world.

    """

    pattern: str
    kind: str
    handler: Handler


def json_reply(value: Any, status: int = 200) -> Reply:
    """Return `value` as a compact JSON body."""
    return Reply(status, json.dumps(value, separators=(",", ":")).encode())


def error_reply(status: int, message: str) -> Reply:
    """Return the services' error shape, ``{"message": …}``."""
    return json_reply({"message": message}, status)


def lowered(query: Query) -> Query:
    """Return the query with its keys lowercased (the services read them in any case)."""
    return {key.lower(): values for key, values in query.items()}


def int_param(query: Query, name: str, default: int) -> int | None:
    """Return a non-negative integer query value, the default, or None if invalid."""
    values = query.get(name)
    if not values or values[-1] == "":
        return default
    text = values[-1].strip()
    return int(text) if text.isdigit() else None


def listed_param(query: Query, name: str) -> list[str]:
    """Return a list parameter sent repeated (``?a=1&a=2``) or comma-joined (``?a=1,2``)."""
    return [
        item.strip() for value in query.get(name, []) for item in value.split(",") if item.strip()
    ]


def clearance_refusal(headers: Headers) -> Reply | None:
    """Return the 403 of a clearance-aware route called without ``343-clearance``, or None."""
    if headers.get("343-clearance", "").strip():
        return None
    return error_reply(403, "the 343-clearance header is required")


def refusal(
    sim: Simulator, kind: str, path: str, headers: Headers, host: str | None = None
) -> Reply | None:
    """Return the auth failure or gateway fault that answers this request, or None.

    Callers hold the simulator's lock (the fault generators are shared). ``host``
    is the short name of the host serving ``kind`` (`hosts.HOST_OF_KIND`).
    """
    if not headers.get("x-343-authorization-spartan", "").strip() or not sim.faults.authorize():
        sim.count("faults", "fault_401")
        return Reply(401)
    if kind == "profile" and path.rstrip("/").lower() == "/users/me":
        return None
    status = sim.faults.gateway(host)
    if status is None:
        return None
    sim.count("faults", "fault_429" if status == 429 else "fault_5xx")
    retry = sim.faults.retry_after_header() if status in (429, 503) else []
    return Reply(status, headers=retry)
