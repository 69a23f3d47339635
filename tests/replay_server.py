"""A stand-in for the Halo services that answers with the real samples of ../shared/halo-samples.

Where the simulator (`grunt_archive.simulator`) makes a world up, this serves the documents
the real service sent, at the real paths of halo-api.md §2, and only where they agree with
one another: the history page lists the matches whose stats samples exist, a sample asset
answers only for its own asset and version, the skill sample only for the match its
numbers are from; anything it has no real answer for is a 404 with an empty body, as the
service answers an unknown path. Every request is recorded, so a test can say what was
asked and what was answered.

The samples are read through `tests.conftest.sample_paths`, so with no ../shared there is
nothing to serve (`Samples.load` returns None) and the tests that use it skip.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

from tests.conftest import load_json, sample_paths

Document = Any  # a parsed JSON document
Query = dict[str, list[str]]

# Discovery path segment -> the sample documents of that asset kind (both eras).
ASSET_SAMPLES = {
    "maps": ("spnkr__get_map.json", "legacy2022__ugc_map.json"),
    "ugcgamevariants": ("spnkr__get_ugc_game_variant.json", "legacy2022__ugc_game_variant.json"),
    "playlists": ("spnkr__get_playlist.json", "legacy2022__ugc_playlist_quickplay.json"),
    "mapmodepairs": ("spnkr__get_map_mode_pair.json", "legacy2022__ugc_map_mode_pair.json"),
}
# gamecms-hacs files, by lowercased path (the hosts' paths are case-insensitive).
FILES = {
    "/hi/waypoint/file/medals/metadata.json": "spnkr__get_medal_metadata.json",
    "/hi/progression/file/calendars/seasons/seasoncalendar.json": "spnkr__get_season_calendar.json",
    "/hi/progression/file/csr/calendars/csrseasoncalendar.json": (
        "spnkr__get_csr_season_calendar.json"
    ),
}
# The SPNKr clearance fixture holds a made-up id ("xyz"); Grunt's example holds a real one.
CLEARANCE = "grunt2022__clearance.json"
CLEARANCE_PATH = "/oban/flight-configurations/titles/hi/audiences/retail/active"
PAGE = 25  # the most history entries a page holds (halo-api.md §2 (a))


@functools.cache
def _load(name: str) -> Document:
    """Return the sample ``name``, read once (the server only serializes it, never changes it)."""
    found = sample_paths(name)
    if not found:
        raise FileNotFoundError(name)
    return load_json(found[0])


def _player_entry(stats: Document, player: str) -> Document | None:
    return next((p for p in stats["Players"] if p["PlayerId"] == player), None)


def history_entry(stats: Document, player: str) -> Document:
    """Return the history entry of ``player`` for the match of ``stats``, made from the stats.

    What a history page says of a match is the stats document's own ``MatchInfo`` and the
    player's ``LastTeamId``, ``Outcome``, ``Rank`` and whether they were there at the end.
    """
    entry = _player_entry(stats, player)
    if entry is None:
        raise ValueError(f"{player} did not play {stats['MatchId']}")
    return {
        "MatchId": stats["MatchId"],
        "MatchInfo": stats["MatchInfo"],
        "LastTeamId": entry["LastTeamId"],
        "Outcome": entry["Outcome"],
        "Rank": entry["Rank"],
        "PresentAtEndOfMatch": entry["ParticipationInfo"]["PresentAtCompletion"],
    }


def skill_is_of(skill: Document, stats: Document) -> bool:
    """Say whether a match skill document is about the match of ``stats``.

    It is when every player it rates played that match on the team it names, with the
    kills and deaths it counts (a skill document does not name its match).
    """
    for result in skill["Value"]:
        rated = result["Result"]
        counted = (
            rated["TeamId"],
            rated["StatPerformances"]["Kills"]["Count"],
            rated["StatPerformances"]["Deaths"]["Count"],
        )
        player = _player_entry(stats, result["Id"]) or {"PlayerTeamStats": []}
        played = {
            (
                team["TeamId"],
                team["Stats"]["CoreStats"]["Kills"],
                team["Stats"]["CoreStats"]["Deaths"],
            )
            for team in player["PlayerTeamStats"]
        }
        if counted not in played:
            return False
    return True


@dataclass
class Samples:
    """The real documents one tracked player's replay serves, made consistent.

    Attributes:
        player: the tracked player, ``xuid(…)``.
        stats: every stats sample ``player`` played, by lowercased match id.
        history: the player's history, newest first: the real page's entries of those
            matches, and entries made from the stats (`history_entry`) for the others.
        skill: the skill sample by the match it is about (none when it is about none).
        assets: per discovery path segment (lowercased), the samples by asset id.
        film: the film manifest sample by its match id, if it is of a served match.

    """

    player: str
    stats: dict[str, Document]
    history: list[Document]
    skill: dict[str, Document]
    assets: dict[str, dict[str, Document]]
    film: dict[str, Document]

    @classmethod
    def load(cls, player: str) -> Samples | None:
        """Read the samples for ``player``; None when ../shared/halo-samples is absent."""
        paths = sample_paths("*match_stats*.json")
        if not paths:
            return None
        stats = {}
        for path in paths:
            document = load_json(path)
            if _player_entry(document, player) is not None:
                stats[document["MatchId"].lower()] = document
        real = {e["MatchId"].lower(): e for e in _load("spnkr__get_match_history.json")["Results"]}
        entries = [real.get(i) or history_entry(d, player) for i, d in stats.items()]
        entries.sort(key=lambda e: e["MatchInfo"]["StartTime"], reverse=True)
        skill = _load("spnkr__get_match_skill.json")
        film = _load("spnkr__get_film_by_match_id.json")
        film_match = film["CustomData"]["MatchId"].lower()
        return cls(
            player=player,
            stats=stats,
            history=entries,
            skill={i: skill for i, d in stats.items() if skill_is_of(skill, d)},
            assets={
                segment: {(d := _load(n))["AssetId"].lower(): d for n in names}
                for segment, names in ASSET_SAMPLES.items()
            },
            film={film_match: film} if film_match in stats else {},
        )


class Request(NamedTuple):
    """One request the server answered: its path with its query, and the status sent."""

    path: str
    status: int


Answer = tuple[int, Document | None]  # status, and the JSON document (None: empty body)
NOT_FOUND: Answer = (404, None)


def _values(query: Query, name: str) -> list[str]:
    """Return a parameter's values, repeated (``?a=1&a=2``) or comma-joined (``?a=1,2``)."""
    return [v for value in query.get(name, []) for v in value.split(",") if v]


@dataclass
class ReplayService:
    """What answers each path (no HTTP here: `replay_server` serves it)."""

    samples: Samples
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        player = re.escape(self.samples.player)
        # (pattern of the lowercased path, what answers it with the match and the query)
        self.routes: list[tuple[re.Pattern[str], Callable[[re.Match[str], Query], Answer]]] = [
            (re.compile(rf"/hi/players/{player}/matches"), self.history),
            (re.compile(rf"/hi/players/{player}/matches/count"), self.document("match_count")),
            (re.compile(r"/hi/matches/([^/]+)/stats"), self.stats),
            (re.compile(r"/hi/matches/([^/]+)/skill"), self.skill),
            (re.compile(r"/hi/films/matches/([^/]+)/spectate"), self.film),
            (re.compile(rf"/hi/players/{player}/matchmade/servicerecord"), self.service_record),
            (re.compile(rf"/hi/players/{player}/local/servicerecord"), self.empty_record),
            (re.compile(r"/hi/(\w+)/([^/]+)(?:/versions/([^/]+))?"), self.asset),
            (re.compile(r"/users"), self.users),
            (re.compile(r"/users/me"), self.document("get_user")),
        ]

    def answer(self, target: str) -> Answer:
        """Return the status and document that answer a GET of ``target`` (path and query)."""
        parts = urlsplit(target)
        path, query = unquote(parts.path).lower().rstrip("/"), parse_qs(parts.query)
        if path in FILES:
            found: Answer = (200, _load(FILES[path]))
        elif path == CLEARANCE_PATH:
            found = (200, _load(CLEARANCE))
        else:
            found = next(
                (respond(m, query) for p, respond in self.routes if (m := p.fullmatch(path))),
                NOT_FOUND,
            )
        with self.lock:
            self.requests.append(Request(target, found[0]))
        return found

    def asked(self, pattern: str) -> list[Request]:
        """Return the requests so far whose path and query match ``pattern`` (a regex)."""
        with self.lock:
            return [r for r in self.requests if re.search(pattern, r.path, re.IGNORECASE)]

    def document(self, name: str) -> Callable[[re.Match[str], Query], Answer]:
        """Return a route answering the sample ``spnkr__get_{name}.json`` whatever is asked."""
        return lambda _match, _query: (200, _load(f"spnkr__get_{name}.json"))

    def history(self, _match: re.Match[str], query: Query) -> Answer:
        """Answer a history page: ``start``, ``count`` (at most 25) and ``type=all`` only."""
        if query.get("type", ["all"]) != ["all"]:
            return NOT_FOUND  # no sample says what a lifecycle's page holds
        start = int(query.get("start", ["0"])[0])
        count = min(int(query.get("count", [str(PAGE)])[0]), PAGE)
        results = self.samples.history[start : start + count]
        page = {"Start": start, "Count": count, "ResultCount": len(results), "Results": results}
        return 200, {**page, "Links": {}}

    def stats(self, match: re.Match[str], _query: Query) -> Answer:
        found = self.samples.stats.get(match[1])
        return NOT_FOUND if found is None else (200, found)

    def skill(self, match: re.Match[str], query: Query) -> Answer:
        """Answer the skill sample for its own match; 404 if it names a bot (as the service)."""
        found = self.samples.skill.get(match[1])
        players = [p.lower() for p in _values(query, "players")]
        if found is None or not players or any(not p.startswith("xuid(") for p in players):
            return NOT_FOUND
        return 200, {"Value": [v for v in found["Value"] if v["Id"].lower() in players]}

    def film(self, match: re.Match[str], _query: Query) -> Answer:
        found = self.samples.film.get(match[1])
        return NOT_FOUND if found is None else (200, found)

    def service_record(self, _match: re.Match[str], query: Query) -> Answer:
        """Answer the overall matchmade record; no sample is of a filtered one (a season)."""
        return NOT_FOUND if query else (200, _load("spnkr__get_service_record.json"))

    def empty_record(self, _match: re.Match[str], _query: Query) -> Answer:
        """Answer the local record: the empty sample, as the match count has no local match."""
        local = _load("spnkr__get_match_count.json")["LocalMatchesPlayedCount"]
        return NOT_FOUND if local else (200, _load("spnkr__get_service_record_empty.json"))

    def asset(self, match: re.Match[str], _query: Query) -> Answer:
        """Answer an asset's sample for its own id (the latest) and its own version only."""
        found = self.samples.assets.get(match[1], {}).get(match[2])
        if found is None or (match[3] and found["VersionId"].lower() != match[3]):
            return NOT_FOUND
        return 200, found

    def users(self, _match: re.Match[str], query: Query) -> Answer:
        """Answer the profiles of the sample asked for (bare xuids); 404 when none is."""
        asked = set(_values(query, "xuids"))
        found = [u for u in _load("spnkr__get_users.json") if u["xuid"] in asked]
        return (200, found) if found else NOT_FOUND


class _Handler(BaseHTTPRequestHandler):
    service: ReplayService  # set on the class `replay_server` makes

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the test reads `ReplayService.requests`, not stderr

    def do_GET(self) -> None:
        status, document = self.service.answer(self.path)
        body = b"" if document is None else json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def replay_server(samples: Samples) -> Iterator[tuple[str, ReplayService]]:
    """Serve ``samples`` on a free local port; yield the base URL and the service."""
    service = ReplayService(samples)
    handler = type("Handler", (_Handler,), {"service": service})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    # A short poll: `shutdown` waits for the loop to look, 0.5 s by default.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", service
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
