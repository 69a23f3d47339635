"""The SPNKr script's requests alone, on grunt-archive's HTTP client: nothing normalized or stored.

Usage: ``python bench/requests_alone.py BASE PLAYER [--transport httpx]``. Walks
the player's whole history and fetches every match's stats and skill with 4 in
flight, at no rate limit, as ``spnkr_dump.py`` does with SPNKr on aiohttp, and
parses each stats answer (for the skill request's players) as the script does;
it stores nothing. Its CPU a match is what those requests cost on httpx over
grunt-archive's transport (`CookielessClient`, `Transport`), the cheapest
client the project has: with the rows alone (``bench/versus.py``), the floor of
any archive of grunt-archive's tables. ``--transport httpx`` sends them through
httpx's default transport (httpcore) instead. Prints one JSON line: matches,
seconds, CPU seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
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


async def fetch_all(base: str, player: str, transport: str) -> int:
    """Fetch every match of ``player``'s history, its stats and skill; return how many."""
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
                stats = (await client.get(f"/hi/matches/{match_id}/stats")).raise_for_status()
                humans = [p["PlayerId"] for p in json.loads(stats.text)["Players"]
                          if p["PlayerId"].startswith("xuid(")]  # fmt: skip
                # A custom game has no skill: its 404 read, as the script reads its error.
                skill = await client.get(
                    f"/hi/matches/{match_id}/skill", params={"players": ",".join(humans)}
                )
                _ = skill.text

        await asyncio.gather(*(fetch(match_id) for match_id in match_ids))
        return len(match_ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base")
    parser.add_argument("player")
    parser.add_argument("--transport", choices=("grunt-archive", "httpx"), default="grunt-archive")
    args = parser.parse_args()
    began, cpu = time.perf_counter(), time.process_time()
    count = asyncio.run(fetch_all(args.base, args.player, args.transport))
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    print(json.dumps({"matches": count, "seconds": seconds, "cpu_seconds": cpu}))


if __name__ == "__main__":
    main()
