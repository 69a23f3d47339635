"""blobs-infiniteugc: the chunks of theater films, as bytes (`films.SimulatedFilms`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grunt_archive.simulator.films import BLOB_HOST
from grunt_archive.simulator.replies import Reply, Request, Route

if TYPE_CHECKING:
    from grunt_archive.simulator.core import Simulator

HOST = BLOB_HOST


def _chunk(sim: Simulator, request: Request) -> Reply:
    body = sim.films.chunk(request["asset"], request["blob"], int(request["index"]))
    return Reply(404) if body is None else Reply(200, body)


ROUTES = (
    Route(
        r"/ugcstorage/film/(?P<asset>[0-9a-fA-F-]{36})/(?P<blob>[0-9a-fA-F-]{36})"
        r"/filmChunk(?P<index>[0-9]{1,6})",
        "film_chunk",
        _chunk,
    ),
)
