"""A hostile service: answers that look valid to HTTP but no archiver should trust.

`HostileBodies` wraps the simulator's ASGI app. For a seeded choice of
``hostile_matches`` matches it spoils one kind of answer (``hostile``):

- ``gzip``: the stats body is announced as gzip and is not.
- ``charset``: the stats body holds bytes that are not UTF-8.
- ``nested``: the stats body nests arrays 5000 deep.
- ``bigint``: the stats body holds an integer beyond 64 bits.
- ``wide_int``: a player's ``Kills`` is 2**62: within 64 bits, beyond the service's 32.
- ``nonfinite``: the stats body says ``NaN`` and ``Infinity`` (not JSON, but seen).
- ``huge``: the stats body is padded past 32 MiB.
- ``drip``: the stats body comes a byte every `DRIP_SECONDS`.
- ``swapped``: the stats answer is another match's document (its own ``MatchId``).
- ``bad_time``: the stats body's ``StartTime`` is 30 February (in the pattern, not the calendar).
- ``edge_time``: a player's ``FirstJoinedTime`` is in year 1 an hour ahead of UTC (before year 1
  in UTC).
- ``text_number``: every ``PersonalScore`` of the stats body is the text ``"lots"``.
- ``nul``: the stats body's ``ClearanceId`` begins with NUL (U+0000), which PostgreSQL's text
  cannot hold.
- ``future``: the history lists the match with a ``StartTime`` in year 9999.

Two kinds spoil every history page rather than chosen matches (`history_request`):

- ``short_pages``: pages hold at most `SHORT_PAGE` matches, whatever ``count`` asks.
- ``ignore_start``: every page is the first one, whatever ``start`` asks.
- ``repeated_entries``: every page lists each of its matches twice (50 entries for 25).

And one spoils the profile service (`hosts.profile`):

- ``no_xuid``: ``/users/me`` and gamertag lookups answer ``"xuid": null``.
"""

from __future__ import annotations

import asyncio
import gzip
import random
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grunt_archive.simulator.core import Simulator

Send = Callable[[dict[str, Any]], Awaitable[None]]
DRIP_SECONDS = 0.05
HUGE_BYTES = 33 * 1024 * 1024
SHORT_PAGE = 7
FAR_FUTURE = "9999-12-31T23:59:59.999Z"
# Kinds that spoil the stats answer of a chosen match (`HOSTILE_KINDS` in config adds the others).
BODY_KINDS = (
    "gzip",
    "charset",
    "nested",
    "bigint",
    "wide_int",
    "nonfinite",
    "huge",
    "drip",
    "swapped",
    "bad_time",
    "edge_time",
    "text_number",
    "nul",
)
_STATS = re.compile(r"/hi/matches/(?P<match>[^/]+)/stats/?", re.IGNORECASE)


def spoil(kind: str, body: bytes) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """Return a stats body spoilt the ``kind`` way, and headers to send with it."""
    if kind == "gzip":
        return gzip.compress(body)[:10] + b"\xff\xff\xff\xff", [(b"content-encoding", b"gzip")]
    if kind == "charset":
        return body.replace(b'"StartTime":"', b'"StartTime":"\xff\xfe', 1), []
    if kind == "nested":
        return body[:-1] + b',"Deep":' + b"[" * 5000 + b"]" * 5000 + b"}", []
    if kind == "bigint":
        return body.replace(b'"Kills":', b'"Kills":123456789012345678901234567890', 1), []
    if kind == "wide_int":
        return re.sub(rb'"Kills":[0-9]+', b'"Kills":4611686018427387904', body, count=1), []
    if kind == "nonfinite":
        body = re.sub(rb'"KDA":-?[0-9.]+', b'"KDA":NaN', body, count=1)
        return re.sub(rb'"Accuracy":[0-9.]+', b'"Accuracy":Infinity', body, count=1), []
    if kind == "bad_time":
        return re.sub(
            rb'"StartTime":"\d{4}-\d{2}-\d{2}', b'"StartTime":"2024-02-30', body, count=1
        ), []
    if kind == "edge_time":
        edge = b'"FirstJoinedTime":"0001-01-01T00:30:00+01:00"'
        return re.sub(rb'"FirstJoinedTime":"[^"]*"', edge, body, count=1), []
    if kind == "text_number":
        return re.sub(rb'"PersonalScore":-?[0-9.]+', b'"PersonalScore":"lots"', body), []
    if kind == "nul":
        return body.replace(b'"ClearanceId":"', b'"ClearanceId":"\\u0000', 1), []
    if kind == "huge":
        return body[:-1] + b" " * HUGE_BYTES + b"}", []
    return body, []


def history_request(kind: str, start: int, count: int) -> tuple[int, int]:
    """Return the ``start`` and ``count`` a history page is really served with."""
    if kind == "ignore_start":
        return 0, count
    if kind == "short_pages":
        return start, min(count, SHORT_PAGE)
    return start, count


def spoil_history(kind: str, page: dict[str, Any], match_ids: set[str]) -> dict[str, Any]:
    """Return a history page spoilt the ``kind`` way (``future``, ``repeated_entries``).

    ``future``: the chosen matches start in year 9999.
    """
    if kind == "repeated_entries":
        return {**page, "Results": [r for result in page["Results"] for r in (result, result)]}
    if kind != "future":
        return page
    results = []
    for result in page.get("Results", []):
        if str(result.get("MatchId", "")).lower() in match_ids:
            info = {**result.get("MatchInfo", {}), "StartTime": FAR_FUTURE}
            result = {**result, "MatchInfo": info}
        results.append(result)
    return {**page, "Results": results}


class HostileBodies:
    """ASGI middleware spoiling the answers about a seeded choice of matches."""

    def __init__(self, app: Callable[..., Awaitable[None]], simulator: Simulator) -> None:
        """Wrap `app`; the kind, count and seed come from `simulator.config`."""
        self.app = app
        self.sim = simulator
        config = simulator.config
        ids = sorted(simulator.world.matches)
        picks = random.Random(f"grunt-archive-hostile:{config.seed}")
        self.match_ids: set[str] = set(picks.sample(ids, min(config.hostile_matches, len(ids))))

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Send) -> None:
        """Answer one request, spoiling it when it is about a chosen match."""
        kind = self.sim.config.hostile
        path = scope.get("path", "") if scope["type"] == "http" else ""
        stats = _STATS.fullmatch(path)
        if stats and stats["match"].lower() in self.match_ids and kind in BODY_KINDS:
            self.sim.count("faults", f"fault_{kind}")
            if kind == "swapped":
                other = self._other_match()
                send = _buffered(send, lambda body: (self.sim.stats_body(other), []), 0)
            else:
                send = _spoiling(send, kind)
        await self.app(scope, receive, send)

    def _other_match(self) -> str:
        """Return a match that is not chosen: the one whose stats a ``swapped`` answer sends."""
        return next(i for i in sorted(self.sim.world.matches) if i not in self.match_ids)


def _buffered(send: Send, rewrite: Callable[[bytes], tuple[bytes, list]], drip: float) -> Send:
    """Return a `send` that rewrites the whole body (and its length) before sending it."""
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def buffered(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        body, extra = rewrite(b"".join(chunks))
        headers = [(k, v) for k, v in start["headers"] if k != b"content-length"]
        headers += [(b"content-length", str(len(body)).encode()), *extra]
        await send({**start, "headers": headers})
        if not drip:
            await send({"type": "http.response.body", "body": body})
            return
        for index in range(len(body)):
            await asyncio.sleep(drip)
            await send(
                {"type": "http.response.body", "body": body[index : index + 1], "more_body": True}
            )
        await send({"type": "http.response.body", "body": b""})

    return buffered


def _spoiling(send: Send, kind: str) -> Send:
    return _buffered(send, lambda body: spoil(kind, body), DRIP_SECONDS if kind == "drip" else 0)
