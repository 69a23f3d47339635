"""Page figures: the viewer's own pages (home, a player, a match, and their .json) on a big archive.

Each page is asked of Datasette with the packaged metadata and the viewer
plugin, as ``grunt-archive serve`` answers it (SQL, the page's Python and the
template); its bound is the same page's data read by the viewer's functions
on a plain ``sqlite3`` connection to the same file (SQL and Python, no
Datasette, no template).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import urllib.parse
from collections.abc import Callable, Collection
from contextlib import closing
from pathlib import Path

from harness import Figure, note

from grunt_archive.serve import datasette_for
from grunt_archive.viewer.home import front_page
from grunt_archive.viewer.match import match_page
from grunt_archive.viewer.player import player_page
from grunt_archive.viewer.reading import find_player

LIMIT_MS = 300.0


Page = tuple[str, str, Callable[[], object]]


def _pages(connection: sqlite3.Connection, gamertag: str | None = None) -> list[Page]:
    """Return (name, path, the same data read directly) for every page to time.

    The player's pages are ``gamertag``'s, else the first tracked player's.
    """
    gamertag, player_id = connection.execute(
        "SELECT p.gamertag, t.player_id FROM tracked_players AS t JOIN players AS p"
        " USING (player_id) WHERE ? IS NULL OR p.gamertag = ? ORDER BY t.added_at, t.player_id",
        (gamertag, gamertag),
    ).fetchone()
    match_id = connection.execute(
        "SELECT match_id FROM matches ORDER BY start_time DESC LIMIT 1"
    ).fetchone()[0]
    player = urllib.parse.quote(gamertag)

    def player_data(scope: str = "matchmade_pvp") -> object:
        return player_page(connection, find_player(connection, gamertag), scope)

    return [
        ("home /", "/", lambda: front_page(connection)),
        ("player page /player/{gamertag}", f"/player/{player}", player_data),
        ("player page .json", f"/player/{player}.json", player_data),
        ("player page, every scope", f"/player/{player}?scope=all", lambda: player_data("all")),
        ("player page by xuid", f"/player/{urllib.parse.quote(player_id)}", player_data),
        ("match page /match/{id}", f"/match/{match_id}", lambda: match_page(connection, match_id)),
        ("match page .json", f"/match/{match_id}.json", lambda: match_page(connection, match_id)),
    ]


async def _time_pages(
    path: Path, repeats: int, gamertag: str | None, names: Collection[str] | None
) -> list[tuple[str, float, float]]:
    """Return (name, Datasette seconds, direct seconds) per page, the best of ``repeats``."""
    datasette = datasette_for(path)
    await datasette.invoke_startup()
    results = []
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as direct:
        for name, url, read in _pages(direct, gamertag):
            if names is not None and name not in names:
                continue
            response = await datasette.client.get(url)  # warm-up: templates, pages of the file
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}: {response.text[:500]}")
            read()
            ours, bound = [], []
            for _ in range(max(1, repeats)):
                began = time.perf_counter()
                await datasette.client.get(url)
                ours.append(time.perf_counter() - began)
                began = time.perf_counter()
                read()
                bound.append(time.perf_counter() - began)
            results.append((name, min(ours), min(bound)))
    return results


def page_figures(
    path: Path,
    count: int,
    repeats: int,
    *,
    gamertag: str | None = None,
    names: Collection[str] | None = None,
    title: str | None = None,
) -> list[Figure]:
    """Time the viewer's pages on the archive at ``path`` (``count`` matches).

    Args:
        path: The archive.
        count: Its matches, for the figures' names.
        repeats: Timings of each page; the best counts.
        gamertag: Whose player pages (else the first tracked player's).
        names: Only these pages (``_pages``'s names), else every one.
        title: What the figures' names start with, else ``page (N matches)``.

    """
    title = title or f"page ({count:,} matches)"
    note(f"pages: the viewer's pages on {count:,} matches ({title})")
    return [
        Figure(
            f"{title}: {name}",
            f"{ours * 1000:.1f} ms",
            f"{bound * 1000:.1f} ms (its SQL and Python on sqlite3)",
            bound / ours if ours else None,
            f"< {LIMIT_MS:.0f} ms",
            ours * 1000 < LIMIT_MS,
        )
        for name, ours, bound in asyncio.run(_time_pages(path, repeats, gamertag, names))
    ]
