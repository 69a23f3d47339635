"""The script a Python user would write instead: SPNKr 0.10.2, JSON into SQLite.

Usage: ``python bench/spnkr_dump.py BASE PLAYER DB [--rps N]``. Walks the
player's whole history, fetches every match's stats and skill with 4 in flight,
at SPNKr's limit of ``--rps`` (default 5) requests a second per service, and
stores ``(match_id, stats JSON, skill JSON)`` in one table. The service's hosts
are rewritten to ``BASE`` (the simulator serves the real paths on any host).
Prints one JSON line: matches, seconds, CPU seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import time
from urllib.parse import urlsplit

import aiohttp
from spnkr import HaloInfiniteClient

IN_FLIGHT = 4


class Rebased:
    """An aiohttp session (all SPNKr uses of one) that sends every request to ``base``."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session, self.base, self.headers = session, base.rstrip("/"), session.headers

    def get(self, url: str, **kwargs: object):
        parts = urlsplit(url)
        query = f"?{parts.query}" if parts.query else ""
        return self.session.get(f"{self.base}{parts.path}{query}", **kwargs)


async def dump(base: str, player: str, db: sqlite3.Connection, rps: float) -> int:
    """Archive every match of ``player``'s history; return how many."""
    async with aiohttp.ClientSession() as session:
        client = HaloInfiniteClient(
            Rebased(session, base), "v4=bench-spartan-token", "clearance", rps
        )
        stats, skill = client.stats, client.skill  # one rate limiter per service
        match_ids: list[str] = []
        while True:
            page = await (await stats.get_match_history(player, len(match_ids), 25)).json()
            match_ids += [result["MatchId"] for result in page["Results"]]
            if page["ResultCount"] < 25:
                break
        slots = asyncio.Semaphore(IN_FLIGHT)

        async def fetch(match_id: str) -> None:
            async with slots:
                body = (await (await stats.get_match_stats(match_id)).read()).decode()
                xuids = [p["PlayerId"] for p in json.loads(body)["Players"]
                         if p["PlayerId"].startswith("xuid(")]  # fmt: skip
                try:
                    reply = await skill.get_match_skill(match_id, xuids)
                    skill_body = (await reply.read()).decode()
                except aiohttp.ClientResponseError:  # a custom game has no skill
                    skill_body = None
            db.execute("INSERT INTO matches VALUES (?, ?, ?)", (match_id, body, skill_body))
            db.commit()

        await asyncio.gather(*(fetch(match_id) for match_id in match_ids))
        return len(match_ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base")
    parser.add_argument("player")
    parser.add_argument("db")
    parser.add_argument("--rps", type=float, default=5)
    args = parser.parse_args()
    db = sqlite3.connect(args.db)
    db.execute("CREATE TABLE IF NOT EXISTS matches (match_id TEXT PRIMARY KEY, stats, skill)")
    began, cpu = time.perf_counter(), time.process_time()
    count = asyncio.run(dump(args.base, args.player, db, args.rps))
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    print(json.dumps({"matches": count, "seconds": seconds, "cpu_seconds": cpu}))


if __name__ == "__main__":
    main()
