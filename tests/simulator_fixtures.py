"""Helpers for tests that talk to a `Simulator` in process, through `httpx.ASGITransport`."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import httpx

from grunt_archive.simulator import Simulator

AUTH = {"x-343-authorization-spartan": "v4=simulator-test-token"}
Call = tuple[str, str, dict | None]  # method, path, query parameters


class SimClient:
    """Synchronous requests to a simulator's ASGI app, for plain test functions."""

    def __init__(self, sim: Simulator, headers: dict[str, str] | None = None) -> None:
        self.sim = sim
        self.headers = AUTH if headers is None else headers

    def run(
        self, calls: Iterable[Call], headers: dict[str, str] | None = None
    ) -> list[httpx.Response]:
        """Make the calls one after another in one event loop; return the responses."""

        async def go() -> list[httpx.Response]:
            transport = httpx.ASGITransport(app=self.sim.app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://sim", headers=self.headers
            ) as client:
                return [
                    await client.request(method, path, params=params, headers=headers)
                    for method, path, params in calls
                ]

        return asyncio.run(go())

    def get(self, path: str, headers: dict[str, str] | None = None, **params) -> httpx.Response:
        return self.run([("GET", path, params or None)], headers)[0]

    def post(self, path: str, **params) -> httpx.Response:
        return self.run([("POST", path, params or None)])[0]

    def walk(self, player: str, count: int = 25, **params) -> list[dict]:
        """Return every page of a player's history, from start=0 to the first short page."""
        pages, start = [], 0
        while True:
            page = self.get(f"/hi/players/{player}/matches", start=start, count=count, **params)
            assert page.status_code == 200, page.status_code
            pages.append(page.json())
            if page.json()["ResultCount"] < count:
                return pages
            start += count


def history_ids(pages: list[dict]) -> list[str]:
    return [result["MatchId"] for page in pages for result in page["Results"]]
