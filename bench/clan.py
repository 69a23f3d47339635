"""Clan figures: the archive of `queries` as a clan's, hundreds of players tracked.

A clan or a community site tracks hundreds of players who play together. The
cached archive of ``queries`` (one player's 50,000 matches) is copied, and the
people who played most of those matches with that player are tracked as a clan
adds its members: ``store.state.track_player``, which computes their per-player
tables and the totals from the matches already archived, as ``sync --player``
does for a player it meets for the first time. The copy is cached beside the
archive it comes from.

On it, as in ``pages`` and ``queries`` (the same harness, the same bounds): the
front page and a typical member's player page through Datasette, against their
data read by the viewer's functions on bare ``sqlite3``; every canned query and
dashboard chart and filter of ``metadata.yml`` through Datasette, against its
SQL on bare ``sqlite3``, both with no player picked (the whole clan) and for the
member with the fewest ranked matches. Each scenario is a row of its own.
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

from harness import CACHE, Figure, Scale, cached_build, note
from pages import page_figures
from queries import BUILD, SEED, build_archive, metadata_queries, query_figure, ready, time_queries

from grunt_archive.db import archive
from grunt_archive.store import open_store
from grunt_archive.store.state import track_player

CLAN_BUILD = 1  # bump when build_clan changes: the cached clan archives are built again
# The pages a member opens: the clan's front page and their own.
PAGES = ("home /", "player page /player/{gamertag}", "player page, every scope")

# The humans who played the most of the archive's matches, not tracked yet: a clan plays together.
_MEMBERS = """
SELECT mp.player_id, p.gamertag
FROM match_players AS mp JOIN players AS p ON p.player_id = mp.player_id
WHERE mp.player_type = 1 AND p.gamertag IS NOT NULL
    AND mp.player_id NOT IN (SELECT player_id FROM tracked_players)
GROUP BY mp.player_id
ORDER BY count(DISTINCT mp.match_id) DESC, mp.player_id
LIMIT ?
"""


def build_clan(source: Path, directory: Path, members: int) -> Path:
    """Return a cached copy of the archive at ``source`` that tracks ``members`` players.

    The players are tracked one by one through ``track_player``, as ``sync
    --player`` tracks a player it has not met, so their rows are the tool's own.
    """
    return cached_build(directory, lambda building: _track_clan(source, building, members))


def _track_clan(source: Path, building: Path, members: int) -> None:
    """Copy ``source`` into ``building`` and track ``members`` players there, all but one new."""
    note(f"clan: copying {source} to track {members} players (cached in {building.parent})")
    # SQLite's backup reads the source as one snapshot, its write-ahead log too.
    with (
        closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as original,
        closing(sqlite3.connect(building)) as copy,
    ):
        original.backup(copy)
        clan = copy.execute(_MEMBERS, (members - 1,)).fetchall()
    with archive(building) as engine, open_store(engine) as store:
        for done, (player_id, gamertag) in enumerate(clan, 1):
            track_player(store, player_id, gamertag)
            if done % 25 == 0:
                note(f"clan: {done} of {len(clan)} members tracked")


def _members(path: Path) -> tuple[str, str, int]:
    """Return a typical member (the median by matches), the one of fewest ranked matches, and
    how many players the archive tracks."""
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as connection:
        by_matches = [
            row[0]
            for row in connection.execute(
                "SELECT max(gamertag) FROM player_totals GROUP BY player_id"
                " ORDER BY sum(matches), player_id"
            )
        ]
        fewest_ranked = connection.execute(
            "SELECT max(gamertag) FROM player_matches WHERE post_match_csr IS NOT NULL"
            " GROUP BY player_id ORDER BY count(*), player_id LIMIT 1"
        ).fetchone()[0]
    return by_matches[len(by_matches) // 2], fewest_ranked, len(by_matches)


def clan_figures(scale: Scale, workdir: Path) -> list[Figure]:
    """Time the front page, a member's page and every query on a clan's cached archive."""
    count = scale.query_matches
    source = build_archive(CACHE / f"queries-{count}-{SEED}-v{BUILD}", count)
    name = f"clan-{count}-{SEED}-v{BUILD}.{CLAN_BUILD}-{scale.clan_members}"
    path = build_clan(source, CACHE / name, scale.clan_members)
    ready(path)
    typical, few_ranked, tracked = _members(path)
    title = f"clan ({tracked} players, {count:,} matches)"
    pages = page_figures(path, count, scale.repeats, gamertag=typical, names=PAGES, title=title)
    values = {"gamertag": few_ranked, "q": few_ranked[:3]}
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as connection:
        values["player_id"] = connection.execute(
            "SELECT player_id FROM players WHERE gamertag = ?", (few_ranked,)
        ).fetchone()[0]
    queries = metadata_queries(path.stem, extras=False)
    note(f"clan: {len(queries)} queries, for nobody and for {few_ranked} (fewest ranked matches)")
    results = asyncio.run(time_queries(path, queries, values, scale.repeats))
    return pages + [query_figure(title, timed) for timed in results]
