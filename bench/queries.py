"""Query figures: every canned query and dashboard query of ``metadata.yml`` on a big archive.

Each query runs through Datasette with the packaged metadata, as ``grunt-archive
serve`` would answer it, and its bound is the same SQL with the same parameters
through plain ``sqlite3`` on the same file. Queries are read from
``metadata.yml``, so new ones are covered without touching the bench.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import time
import urllib.parse
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import httpx
from harness import CACHE, Figure, Scale, cached_build, note
from pages import page_figures

from grunt_archive.api import Tokens
from grunt_archive.db import archive
from grunt_archive.documents import MATCH_SKILL, MATCH_STATS, RawDocument
from grunt_archive.runner import ClientSettings, run_sync
from grunt_archive.serve import datasette_for, load_metadata
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.simulator.data import skill
from grunt_archive.store import lookups, open_store
from grunt_archive.store.matches import save_match
from grunt_archive.store.state import TrackedState, save_tracked, track_player
from grunt_archive.sync import SyncOptions

SEED = 7
BUILD = 1  # bump when build_archive changes: the cached archives are built again
LIMIT_MS = 100.0
# Parameters a user may leave empty (every tracked player, matchmade PvP, all playlists, all dates).
OPTIONAL_PARAMS = frozenset({"gamertag", "scope", "playlist", "date_from", "date_to"})
_PARAM = re.compile(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)")
_OPTIONAL = re.compile(r"\[\[.*?\]\]", re.DOTALL)

# The obvious questions, whatever metadata.yml holds: (name, SQL).
EXTRA_QUERIES = [
    (
        "a player's matches, newest first",
        "select * from player_matches where player_id = :player_id"
        " order by start_time desc limit 101",
    ),
    (
        "K/D by map (README)",
        "select map, count(*) matches, round(sum(kills) * 1.0 / max(sum(deaths), 1), 2) kd"
        " from player_matches where gamertag = :gamertag group by map order by matches desc",
    ),
    (
        "medal totals",
        "select medal_id, sum(count) as total from medal_awards where player_id = :player_id"
        " group by medal_id order by total desc",
    ),
]


@dataclass
class Query:
    """One query to time: how Datasette is asked for it, and the SQL sqlite3 runs."""

    name: str
    sql: str
    canned: str | None = None  # the canned query's name, else arbitrary SQL


def _skill_document(sim: Simulator, doc: dict) -> dict:
    """Return what the simulator's skill service answers for a matchmade match's humans."""
    humans = [p["PlayerId"] for p in doc["Players"] if p["PlayerType"] == 1]
    return {"Value": skill.match_skill(sim, doc, humans)}


def build_archive(directory: Path, count: int) -> Path:
    """Return a cached archive of ``count`` matches of one player, with names and skill.

    The match and skill documents are the simulator's, stored straight through
    ``store.matches.save_match`` and ``store.lookups.save_match_skill`` (no HTTP); then a
    real sync against the simulator in process looks up what the matches name
    (maps, modes, medals, seasons, gamertags), as a user's archive would have.
    """
    return cached_build(directory, lambda building: _build_archive(building, count))


def _build_archive(building: Path, count: int) -> None:
    """Store ``count`` simulated matches of one player into ``building``, then sync the rest."""
    note(f"queries: building a {count:,}-match archive once (cached in {building.parent})")
    sim = Simulator(SimulatorConfig(seed=SEED, players=1, matches=count))
    player_id = sim.player_ids[0]
    history = sim.history(player_id)
    with archive(building) as engine, open_store(engine) as store:
        for done, match_id in enumerate(history, 1):
            body = sim.stats_body(match_id).decode()
            doc = json.loads(body)
            path_ = f"/hi/matches/{match_id}/stats"
            raw = RawDocument(MATCH_STATS.name, match_id, path_, "2025-01-29T05:00:00.000Z", body)
            save_match(store, raw, doc)
            if doc["MatchInfo"]["LifecycleMode"] == 3:
                skill = _skill_document(sim, doc)
                raw = RawDocument(MATCH_SKILL.name, match_id, f"{path_[:-5]}skill",
                                  raw.fetched_at, json.dumps(skill))  # fmt: skip
                lookups.save_match_skill(store, raw, skill)
            if done % 1000 == 0:
                note(f"queries: {done:,} of {count:,} matches stored")
        with closing(sqlite3.connect(building)) as connection:
            starts = [r[0] for r in connection.execute("SELECT start_time FROM matches")]
        track_player(store, player_id, sim.gamertag(player_id))
        save_tracked(store, TrackedState(player_id, True, max(starts), min(starts), count))
    # Names, medals, seasons, gamertags and snapshots: the real sync, in process.
    settings = ClientSettings(
        tokens=Tokens("v4=bench"),
        api_base="http://simulator",
        rps=None,
        concurrency=8,
        transport=httpx.ASGITransport(app=sim.app),
    )
    report = run_sync(building, settings, SyncOptions())
    note(f"queries: enrichment sync made {report.requests} requests ({report.outcome})")


def metadata_queries(database: str, extras: bool = True) -> list[Query]:
    """Return every canned query and dashboard query (charts and filters) of metadata.yml.

    With ``extras``, the obvious questions of ``EXTRA_QUERIES`` follow them.
    """
    metadata = load_metadata(database)
    queries = [
        Query(f"canned query {name}", spec["sql"] if isinstance(spec, dict) else spec, name)
        for name, spec in ((metadata.get("databases") or {}).get(database) or {})
        .get("queries", {})
        .items()
    ]
    dashboards = (metadata.get("plugins") or {}).get("datasette-dashboards") or {}
    for slug, dashboard in dashboards.items():
        for name, chart in (dashboard.get("charts") or {}).items():
            if chart.get("query") and chart.get("db", database) == database:
                queries.append(Query(f"dashboard {slug}: chart {name}", chart["query"]))
        for name, item in (dashboard.get("filters") or {}).items():
            if item.get("query") and item.get("db", database) == database:
                queries.append(Query(f"dashboard {slug}: filter {name}", item["query"]))
    if extras:
        queries += [Query(name, sql) for name, sql in EXTRA_QUERIES]
    return queries


def _scenarios(sql: str, values: dict[str, str]) -> list[dict[str, str]]:
    """Return the parameter sets to try: a player picked, and every filter left empty.

    Leaving them empty (everybody, all dates) is only tried where each parameter
    is a filter that may be left empty, as a dashboard's or ``:gamertag = ''``.
    """
    names = set(_PARAM.findall(sql))
    picked = {name: values.get(name, "") for name in names}
    scenarios = [picked]
    if names <= OPTIONAL_PARAMS and any(picked.values()):
        scenarios.append({name: "" for name in names})
    return scenarios


def _fill_optional(sql: str, params: dict[str, str]) -> str:
    """Keep a dashboard's ``[[ … ]]`` clause when its parameter is set (datasette-dashboards)."""

    def keep(match: re.Match[str]) -> str:
        names = _PARAM.findall(match.group(0))
        return match.group(0)[2:-2] if names and params.get(names[0]) else ""

    return _OPTIONAL.sub(keep, sql)


class _TimedOut(Exception):
    """Datasette gave up on the query (its ``sql_time_limit_ms``)."""


Timed = tuple[Query, float, float, str]  # Datasette seconds, sqlite3 seconds, scenario


async def time_queries(
    path: Path, queries: list[Query], values: dict[str, str], repeats: int
) -> list[Timed]:
    """Return ``(query, datasette seconds, sqlite3 seconds, scenario)`` for every scenario.

    The scenario is ``player`` (``values`` given) or ``all`` (every filter left
    empty). A query Datasette interrupts counts as infinitely slow.
    """
    datasette = datasette_for(path)
    await datasette.invoke_startup()
    database = path.stem
    direct = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    results = []
    for query in queries:
        for params in _scenarios(query.sql, values):
            sql = _fill_optional(query.sql, params)
            used = {name: params.get(name, "") for name in set(_PARAM.findall(sql))}
            if query.canned:
                url = f"/{database}/{query.canned}.json"
                arguments = {"_shape": "array", **params}
            else:
                url = f"/{database}.json"
                arguments = {"_shape": "array", "sql": sql, **used}
            url += "?" + urllib.parse.urlencode(arguments)

            async def through_datasette(url: str = url) -> float:
                began = time.perf_counter()
                response = await datasette.client.get(url)
                if response.status_code == 400 and "SQL Interrupted" in response.text:
                    raise _TimedOut(url)
                if response.status_code != 200:
                    raise RuntimeError(f"{url} answered {response.status_code}: {response.text}")
                return time.perf_counter() - began

            def through_sqlite(sql: str = sql, used: dict = used) -> float:
                began = time.perf_counter()
                direct.execute(sql, used).fetchall()
                return time.perf_counter() - began

            # A warm-up each (the file's pages into memory), then the best of `repeats`,
            # alternating; a query slower than a second is timed once more only.
            once = through_sqlite() > 1
            ours, bound = [], []
            try:
                await through_datasette()
                for _ in range(1 if once else repeats):
                    ours.append(await through_datasette())
                    bound.append(through_sqlite())
            except _TimedOut:
                ours, bound = [float("inf")], [through_sqlite()]
            scenario = "player" if any(params.values()) else "all"
            results.append((query, min(ours), min(bound), scenario))
    direct.close()
    return results


def _slowest(results: list[Timed]) -> list[Timed]:
    """Keep each query's slowest scenario, in the queries' order."""
    slowest: dict[str, Timed] = {}
    for timed in results:
        if timed[0].name not in slowest or timed[1] > slowest[timed[0].name][1]:
            slowest[timed[0].name] = timed
    return list(slowest.values())


def query_figure(title: str, timed: Timed) -> Figure:
    """Return one query's figure: through Datasette, against its SQL on bare sqlite3."""
    query, ours, bound, scenario = timed
    return Figure(
        f"{title}: {query.name} [{scenario}]",
        f"{ours * 1000:.1f} ms" if ours != float("inf") else "timed out (5 s limit)",
        f"{bound * 1000:.1f} ms (sqlite3)",
        bound / ours if ours else None,
        f"< {LIMIT_MS:.0f} ms",
        ours * 1000 < LIMIT_MS,
    )


def ready(path: Path) -> None:
    """Apply the migrations newer than a cached archive (indexes), and fold them into the file."""
    with archive(path):
        pass
    with closing(sqlite3.connect(path)) as connection:
        # A migration just applied leaves its pages in the write-ahead log, where every
        # read of the first run would look for them: fold them into the file first.
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def query_figures(scale: Scale, workdir: Path) -> list[Figure]:
    """Time every query, and the viewer's pages, on a cached archive of ``scale.query_matches``."""
    count = scale.query_matches
    path = build_archive(CACHE / f"queries-{count}-{SEED}-v{BUILD}", count)
    ready(path)
    with closing(sqlite3.connect(path)) as connection:
        player_id, gamertag = connection.execute(
            "SELECT t.player_id, p.gamertag FROM tracked_players AS t"
            " JOIN players AS p USING (player_id)"
        ).fetchone()
    values = {"gamertag": gamertag or "", "player_id": player_id, "q": (gamertag or "")[:3]}
    queries = metadata_queries(path.stem)
    note(f"queries: {len(queries)} queries on {count:,} matches")
    results = _slowest(asyncio.run(time_queries(path, queries, values, scale.repeats)))
    pages = page_figures(path, count, scale.repeats)
    return pages + [query_figure(f"query ({count:,} matches)", timed) for timed in results]
