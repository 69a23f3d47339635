"""The SPNKr script's twin on httpx, the stack's HTTP client: the same requests, the same dump.

Usage: ``python bench/httpx_dump.py BASE PLAYER DB [--transport grunt-archive] [--discard]``.
Walks the player's whole
history, fetches every match's stats and skill with 4 in flight, at no rate
limit, and stores ``(match_id, stats JSON, skill JSON)`` in one table, as
``spnkr_dump.py`` does with SPNKr on aiohttp. Its CPU a match is what the
requests alone cost a program built on httpx: the share of the 1.3x budget
no normalizing, store or check of grunt-archive's can have. ``--transport
grunt-archive`` sends them through grunt-archive's own client and transport
(`CookielessClient`, `Transport`: HTTP/1.1 on asyncio's streams), the cheapest
httpx the project has, instead of httpx's default (httpcore). ``--discard``
stores nothing: the requests alone (``bench/versus.py`` adds the archive's
rows alone to them, the floor of any archive of these tables). Prints one
JSON line: matches, seconds, CPU seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import time

import httpx

IN_FLIGHT = 4
HEADERS = {"x-343-authorization-spartan": "v4=bench-spartan-token", "343-clearance": "clearance"}


def _client(base: str, transport: str) -> httpx.AsyncClient:
    options: dict = {"base_url": base, "headers": HEADERS}
    if transport == "httpx":
        return httpx.AsyncClient(**options, limits=httpx.Limits(max_connections=IN_FLIGHT))
    from grunt_archive.api.transport import CookielessClient, Transport

    return CookielessClient(**options, transport=Transport(max_idle=IN_FLIGHT))


async def dump(base: str, player: str, db: sqlite3.Connection | None, transport: str) -> int:
    """Archive every match of ``player``'s history; return how many."""
    async with _client(base, transport) as client:
        match_ids: list[str] = []
        while True:
            reply = await client.get(
                f"/hi/players/{player}/matches",
                params={"start": len(match_ids), "count": 25, "type": "All"},
            )
            page = reply.raise_for_status().json()
            match_ids += [result["MatchId"] for result in page["Results"]]
            if page["ResultCount"] < 25:
                break
        slots = asyncio.Semaphore(IN_FLIGHT)

        async def fetch(match_id: str) -> None:
            async with slots:
                reply = await client.get(f"/hi/matches/{match_id}/stats")
                body = reply.raise_for_status().text
                xuids = [p["PlayerId"] for p in json.loads(body)["Players"]
                         if p["PlayerId"].startswith("xuid(")]  # fmt: skip
                reply = await client.get(
                    f"/hi/matches/{match_id}/skill", params={"players": ",".join(xuids)}
                )
                skill_body = reply.text if reply.status_code == 200 else None  # custom: none
            if db is not None:
                db.execute("INSERT INTO matches VALUES (?, ?, ?)", (match_id, body, skill_body))
                db.commit()

        await asyncio.gather(*(fetch(match_id) for match_id in match_ids))
        return len(match_ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base")
    parser.add_argument("player")
    parser.add_argument("db")
    parser.add_argument("--transport", choices=("httpx", "grunt-archive"), default="httpx")
    parser.add_argument("--discard", action="store_true", help="store nothing")
    args = parser.parse_args()
    db = None if args.discard else sqlite3.connect(args.db)
    if db is not None:
        db.execute("CREATE TABLE IF NOT EXISTS matches (match_id TEXT PRIMARY KEY, stats, skill)")
    began, cpu = time.perf_counter(), time.process_time()
    count = asyncio.run(dump(args.base, args.player, db, args.transport))
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    print(json.dumps({"matches": count, "seconds": seconds, "cpu_seconds": cpu}))


if __name__ == "__main__":
    main()
