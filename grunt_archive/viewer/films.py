"""What the theater films add to the pages: a match's kill feed and score timeline, rivals.

A film carries no victim and no team: the ``kills`` table pairs each kill
with a death within ±5 ms (``ambiguous`` when the events leave the victim
open), and a player's team comes from the match's own scoreboard. Every read
here is by a key or an index prefix (``kills`` and ``film_events`` by their
``(match_id, seq)`` keys, ``player_rivals`` by ``ix_player_rivals_net``), so a
page costs the same on a 50,000-match archive as on a small one.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from grunt_archive.documents import FILM_MANIFEST
from grunt_archive.viewer.reading import rows

RIVALS = 10
"""Nemeses and favourite victims a player page lists, each."""
PAIR_WINDOW_MS = 5  # grunt_archive.film.feed.PAIR_WINDOW_MS; the viewer imports nothing of film/

_FILM = """
SELECT status, major_version, film_length_ms, chunk_count, events_read, layout_inferred,
    agrees_with_stats, disagreements, error, fetched_at
FROM films WHERE match_id = ?
"""
_PENDING = f"""
SELECT reason, attempts FROM pending_enrichment WHERE kind = '{FILM_MANIFEST.name}' AND key = ?
"""
_FEED = """
SELECT k.seq, k.time_ms, k.killer_id, coalesce(kp.gamertag, k.killer_gamertag) AS killer_gamertag,
    k.victim_id, coalesce(vp.gamertag, k.victim_gamertag) AS victim_gamertag, k.ambiguous,
    k.candidates
FROM kills AS k
LEFT JOIN players AS kp ON kp.player_id = k.killer_id
LEFT JOIN players AS vp ON vp.player_id = k.victim_id
WHERE k.match_id = ?
ORDER BY k.seq
"""
_MODE_EVENTS = """
-- Named as a kill's columns: a mode event counts for its player's side as a kill does.
SELECT time_ms, player_id AS killer_id, gamertag AS killer_gamertag FROM film_events
WHERE match_id = ? AND type = 'mode' ORDER BY seq
"""
# In the order of ix_player_rivals_net: the lowest net first (nemeses) or, read
# backwards, the highest (favourite victims); no sort over every opponent.
_RIVALS = """
SELECT r.opponent_id AS player_id, coalesce(p.gamertag, r.opponent_gamertag) AS gamertag,
    r.kills_on, r.deaths_to, r.net, r.matches
FROM player_rivals AS r
LEFT JOIN players AS p ON p.player_id = r.opponent_id
WHERE r.player_id = :player AND r.net {sign} 0
ORDER BY r.net {order}, r.{then} DESC, r.opponent_id
LIMIT :limit
"""

_STATUS_NOTES = {
    None: (
        "No film was fetched for this match: it was archived with --no-films or before"
        " grunt-archive kept films. grunt-archive sync --films-backfill fetches it, unless"
        " it has expired."
    ),
    "gone": (
        "This match's film had expired when it was asked for (the service answered 404):"
        " films expire, so there is no kill feed or timeline for it."
    ),
    "unreadable": (
        "This match's film (version {major_version}) is kept, but this grunt-archive has no"
        " layout for that film version yet; grunt-archive reparse reads it once a newer"
        " grunt-archive knows it."
    ),
    "malformed": "This match's film is kept but its highlight chunk could not be read: {error}",
}


def clock(time_ms: int) -> str:
    """Return a film time as ``mm:ss`` (minutes past 59 keep counting: ``75:02``)."""
    seconds = max(time_ms, 0) // 1000
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def film_summary(connection: sqlite3.Connection, match_id: str) -> dict[str, Any]:
    """Return the match's film: its status, version, counts, agreement and a plain note.

    ``status`` is None when no film was fetched (``pending`` then says whether a
    fetch failed and waits for the next sync); ``note`` says in a sentence what
    the page can and cannot show.
    """
    found = rows(connection, _FILM, (match_id,))
    film: dict[str, Any] = found[0] if found else dict.fromkeys(_FILM_KEYS)
    if film["agrees_with_stats"] is not None:
        film["agrees_with_stats"] = bool(film["agrees_with_stats"])
    film["disagreements"] = json.loads(film["disagreements"]) if film["disagreements"] else []
    film["pending"] = None
    if film["status"] is None:
        pending = rows(connection, _PENDING, (match_id,))
        film["pending"] = pending[0] if pending else None
    film["note"] = _note(film)
    if film["status"] == "read" and film["layout_inferred"]:
        film["note"] += (
            f" Film version {film['major_version']} is newer than the layouts this"
            " grunt-archive was checked against: its events were read with the layout the"
            " film itself shows, which accounts for every event it holds."
        )
    return film


_FILM_KEYS = (
    "status", "major_version", "film_length_ms", "chunk_count", "events_read", "layout_inferred",
    "agrees_with_stats", "disagreements", "error", "fetched_at",
)  # fmt: skip


def _note(film: Mapping[str, Any]) -> str:
    """Say in a sentence what the film gives the page."""
    status = film["status"]
    if status != "read":
        if status is None and film["pending"]:
            # The reason quotes the service (a URL, a header): text, never a template.
            reason = film["pending"]["reason"] or "a failed request"
            return (
                f"This match's film could not be fetched yet ({reason}); the next sync tries again."
            )
        note = _STATUS_NOTES.get(status, "This match's film has status {status}.")
        return note.format(**{**film, "error": film["error"] or "no reason given"})
    if not film["events_read"]:
        return "The film holds no highlight events (films carry human players only, never bots)."
    if film["agrees_with_stats"] is False:
        return (
            "The film's kills, deaths or medals differ from the match stats for some players"
            " (listed below): an event the film missed, most often."
        )
    return (
        "Read from the match's theater film (human players only); each player's kills, deaths"
        " and medals agree with the match stats."
        if film["agrees_with_stats"]
        else "Read from the match's theater film (human players only)."
    )


def kill_feed(
    connection: sqlite3.Connection, match_id: str, teams_of: Mapping[str, int]
) -> list[dict[str, Any]]:
    """Return the match's kill feed in time order: ``mm:ss``, killer → victim, ambiguity explained.

    Args:
        connection: The archive.
        match_id: The match.
        teams_of: Player id → the team they ended the match on (from the scoreboard).

    """
    feed = rows(connection, _FEED, (match_id,))
    for kill in feed:
        kill["time"] = clock(kill["time_ms"])
        kill["ambiguous"] = bool(kill["ambiguous"])
        kill["killer_team_id"] = teams_of.get(kill["killer_id"])
        kill["victim_team_id"] = teams_of.get(kill["victim_id"]) if kill["victim_id"] else None
        kill["note"] = _kill_note(kill)
    return feed


def _kill_note(kill: Mapping[str, Any]) -> str | None:
    """Explain an ambiguous kill in a sentence; None for a kill the film settles."""
    if not kill["ambiguous"]:
        return None
    if kill["victim_id"] is None:
        return (
            f"No death of another player falls within ±{PAIR_WINDOW_MS} ms of this kill: the"
            " victim is not in the film (a bot or the AI), or the film missed the death."
        )
    if kill["candidates"] > 1:
        return (
            f"{kill['candidates']} deaths of other players fall within ±{PAIR_WINDOW_MS} ms of"
            " this kill and the film does not say whose it was: the pairing closest in time"
            " is shown."
        )
    return (
        f"Kills at the same moment share the deaths within ±{PAIR_WINDOW_MS} ms, so the film"
        " leaves open which kill took which victim: the pairing closest in time is shown."
    )


def score_timeline(
    connection: sqlite3.Connection,
    match_id: str,
    feed: Sequence[Mapping[str, Any]],
    sides: Mapping[str, tuple[str, str]],
    stats_scores: Mapping[str, int | None],
) -> dict[str, Any]:
    """Return each side's running count of kills and mode events over the film.

    Args:
        connection: The archive.
        match_id: The match.
        feed: Its `kill_feed`.
        sides: Player id → (side key, side name): their team, or themselves in a
            match without teams.
        stats_scores: Side key → the final score the match stats give it.

    Returns:
        ``{"series": [{"key", "name", "kills", "mode_events", "stats_score",
        "points": [{"time_ms", "time", "kills", "mode_events"}]}]}``: a point per
        event of the side, starting at 0:00. A kill of a teammate (a betrayal)
        counts for no one; a kill with no victim in the film (a bot's) counts.

    """
    series: dict[str, dict[str, Any]] = {}

    def side(player_id: str | None, gamertag: str | None) -> dict[str, Any]:
        key, name = sides.get(player_id or "", (player_id or "?", gamertag or "?"))
        if key not in series:
            series[key] = {
                "key": key, "name": name, "kills": 0, "mode_events": 0,
                "stats_score": stats_scores.get(key),
                "points": [{"time_ms": 0, "time": clock(0), "kills": 0, "mode_events": 0}],
            }  # fmt: skip
        return series[key]

    for player_id in sides:  # every side shows, one that scored nothing too
        side(player_id, None)
    events = [(k["time_ms"], "kills", k) for k in feed if not _betrayal(k, sides)]
    mode_events = rows(connection, _MODE_EVENTS, (match_id,))
    events += [(e["time_ms"], "mode_events", e) for e in mode_events]
    for time_ms, what, event in sorted(events, key=lambda e: e[0]):
        found = side(event["killer_id"], event["killer_gamertag"])
        found[what] += 1
        found["points"].append(
            {"time_ms": time_ms, "time": clock(time_ms), "kills": found["kills"],
             "mode_events": found["mode_events"]}
        )  # fmt: skip
    return {"series": list(series.values())}


def match_film(
    connection: sqlite3.Connection,
    match_id: str,
    players: Sequence[Mapping[str, Any]],
    teams: Mapping[int, Mapping[str, Any]],
    teams_enabled: bool,
) -> dict[str, Any]:
    """Return what the match's film adds to its page: ``film``, ``kill_feed``, ``score_timeline``.

    Args:
        connection: The archive.
        match_id: The match.
        players: Its scoreboard lines (``player_id``, ``gamertag``, ``team_id``,
            ``last_team_id``, ``score``), a team switch giving two.
        teams: Team id → ``{"name", "score"}``.
        teams_enabled: Whether the match has teams; without, each player is a side.

    """
    film = film_summary(connection, match_id)
    # The scoreboard has every player's gamertag already: the disagreements are named from it.
    gamertags = {line["player_id"]: line["gamertag"] for line in players}
    for disagreement in film["disagreements"]:
        disagreement["gamertag"] = gamertags.get(disagreement.get("player_id"))
    teams_of: dict[str, int] = {}
    for line in players:
        last = line.get("last_team_id")
        teams_of[line["player_id"]] = last if last is not None else line["team_id"]
    if film["status"] != "read":
        return {"film": film, "kill_feed": [], "score_timeline": None}
    feed = kill_feed(connection, match_id, teams_of)
    sides: dict[str, tuple[str, str]] = {}
    scores: dict[str, int | None] = {}
    humans = [line for line in players if str(line["player_id"]).startswith("xuid(")]
    if teams_enabled:
        for team_id, team in sorted(teams.items()):
            scores[str(team_id)] = team.get("score")
        for line in sorted(humans, key=lambda line: teams_of[line["player_id"]]):
            team_id = teams_of[line["player_id"]]
            name = teams[team_id]["name"] if team_id in teams else str(team_id)
            sides[line["player_id"]] = (str(team_id), name)
    else:  # each player a side, by place: the Rank of a free-for-all match is the place
        for line in sorted(humans, key=lambda line: (line.get("rank") is None, line.get("rank"))):
            name = line.get("gamertag") or line["player_id"]
            sides[line["player_id"]] = (line["player_id"], name)
            scores[line["player_id"]] = line.get("score")
    timeline = score_timeline(connection, match_id, feed, sides, scores)
    timeline["by"] = "team" if teams_enabled else "player"
    timeline["note"] = (
        "A film carries events, not points: each line counts its "
        + ("team's" if teams_enabled else "player's")
        + (" kills (a kill of a teammate counts for no one)" if teams_enabled else " kills")
        + " and its mode events (flag, ball, zone and the like) over the match, human players"
        " only; the score in the last column is the match stats'."
    )
    return {"film": film, "kill_feed": feed, "score_timeline": timeline}


def _betrayal(kill: Mapping[str, Any], sides: Mapping[str, tuple[str, str]]) -> bool:
    """Whether the killer and the victim are on one side (a kill that scores nothing)."""
    victim = kill["victim_id"]
    return (
        victim is not None
        and sides.get(victim, (victim,))[0] == sides.get(kill["killer_id"], (kill["killer_id"],))[0]
    )


def rivals(connection: sqlite3.Connection, player_id: str) -> dict[str, list[dict[str, Any]]]:
    """Return a tracked player's nemeses (lowest net first) and favourite victims (highest first).

    From ``player_rivals``: per opponent, the kills on them, the deaths to them
    and the net (kills on minus deaths to); only opponents the net leans on.
    """
    found = {}
    for key, sign, order, then in (
        ("nemeses", "<", "ASC", "deaths_to"),
        ("favourite_victims", ">", "DESC", "kills_on"),
    ):
        sql = _RIVALS.format(sign=sign, order=order, then=then)
        found[key] = rows(connection, sql, {"player": player_id, "limit": RIVALS})
    return found
