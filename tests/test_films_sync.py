"""A sync keeps each new match's film: manifest and chunk as received, events, kills and rivals.

Against the in-process simulator, whose films are built from each match's
own stats: what the archive reads back must be the simulator's events, the
kill feed must agree with the stats, an expired film is recorded gone and
never asked for again, a film in a version the reader does not know is kept
and read by ``reparse`` once the layout is known, and ``--no-films`` asks
for nothing.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from grunt_archive.documents import FILM_CHUNK, FILM_MANIFEST
from grunt_archive.errors import AuthError
from grunt_archive.film import reader
from grunt_archive.film.reader import read_events
from grunt_archive.rawbody import decode
from grunt_archive.runner import run_reparse, run_untrack
from grunt_archive.simulator import Simulator, SimulatorConfig, films
from grunt_archive.simulator.films import UNKNOWN_LAYOUT, UNKNOWN_VERSION
from grunt_archive.store.matches import FILM_WANTED
from tests.conftest import copy_archive
from tests.helpers import failing, recording, rows, sync, value

FILM_PATHS = ("/hi/films/", "/ugcstorage/film/")
CHUNKS = f"SELECT key, body, encoding FROM raw_responses WHERE kind = '{FILM_CHUNK.name}'"


KILLS_IN_FEED = "SELECT match_id, killer_id, count(*) FROM kills GROUP BY 1, 2 ORDER BY 1, 2"
KILLS_IN_STATS = (
    "SELECT mp.match_id, mp.player_id, sum(mp.kills) FROM match_players AS mp"
    " JOIN films AS f ON f.match_id = mp.match_id AND f.status = 'read'"
    " WHERE mp.player_id LIKE 'xuid(%' GROUP BY 1, 2 HAVING sum(mp.kills) > 0 ORDER BY 1, 2"
)


def film_requests(seen: list[str]) -> list[str]:
    return [path for path in seen if path.startswith(FILM_PATHS)]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> tuple[Simulator, Path, Any]:
    """Two players' matches synced once; films older than a year have expired.

    A history spreads over its era's two years, so about half the modern films are kept.
    """
    sim = Simulator(SimulatorConfig(seed=23, players=2, matches=30, film_max_age_days=365))
    db = tmp_path_factory.mktemp("films") / "halo.db"
    report = sync(db, sim, *sim.player_ids)
    assert report.outcome == "ok"
    return sim, db, report


def test_every_new_match_has_its_film_read_and_agreeing_with_its_stats(world):
    _, db, report = world
    statuses = dict(rows(db, "SELECT status, count(*) FROM films GROUP BY status"))
    matches = value(db, "SELECT count(*) FROM matches")
    assert statuses["read"] > 0 and statuses.get("gone", 0) > 0
    assert sum(statuses.values()) == matches
    assert report.to_json()["films"] == {
        "archived": statuses["read"], "gone": statuses["gone"], "unreadable": 0, "inferred": 0,
    }  # fmt: skip
    assert rows(db, "SELECT DISTINCT agrees_with_stats, disagreements FROM films"
                    " WHERE status = 'read'") == [(1, "[]")]  # fmt: skip
    # Each human's kills in the feed are those of the match's stats.
    film_counts = rows(db, KILLS_IN_FEED)
    assert film_counts == rows(db, KILLS_IN_STATS) and film_counts


def test_the_events_are_the_simulated_films_and_the_chunk_is_kept_as_served(world):
    sim, db, _ = world
    for (match_id,) in rows(db, "SELECT match_id FROM films WHERE status = 'read'"):
        film = sim.films.film(match_id)
        assert film is not None
        expected = [(e.player_id, e.type, e.time_ms, e.medal_name) for e in film.events.events]
        stored = rows(db, "SELECT player_id, type, time_ms, medal_name FROM film_events"
                          " WHERE match_id = ? ORDER BY seq", match_id)  # fmt: skip
        assert stored == expected
        paired = "SELECT time_ms FROM kills WHERE match_id = ? AND ambiguous AND victim_id NOTNULL"
        ambiguous = {t for (t,) in rows(db, paired, match_id)}
        assert film.events.ambiguous_kill_times <= ambiguous
        (body,) = rows(db, "SELECT body FROM raw_responses WHERE kind = ? AND key = ?",
                       FILM_CHUNK.name, match_id)[0]  # fmt: skip
        assert isinstance(body, bytes) and body == film.chunks[-1]
        (manifest,) = rows(db, "SELECT raw_body(body, encoding) FROM raw_responses"
                           " WHERE kind = ? AND key = ?",
                           FILM_MANIFEST.name, match_id)[0]  # fmt: skip
        version = json.loads(manifest)["CustomData"]["FilmMajorVersion"]
        assert len(read_events(body, version)) == value(
            db, "SELECT events_read FROM films WHERE match_id = ?", match_id
        )


def test_rivals_count_every_paired_kill_of_each_tracked_player(world):
    sim, db, _ = world
    kills = rows(db, "SELECT killer_id, victim_id, match_id FROM kills WHERE victim_id IS NOT NULL")
    for player in sim.player_ids:
        on = Counter(v for k, v, _ in kills if k == player)
        to = Counter(k for k, v, _ in kills if v == player)
        met = {o: {m for k, v, m in kills if {k, v} == {player, o}} for o in set(on) | set(to)}
        expected = {(o, on[o], to[o], on[o] - to[o], len(met[o])) for o in met}
        stored = set(rows(db, "SELECT opponent_id, kills_on, deaths_to, net, matches"
                              " FROM player_rivals WHERE player_id = ?", player))  # fmt: skip
        assert stored == expected and stored


def test_untrack_deletes_the_players_rivals_and_keeps_the_films(world, tmp_path):
    sim, db, _ = world
    first, second = sim.player_ids
    copy = copy_archive(db, tmp_path / "copy.db")
    kept = rows(copy, "SELECT * FROM player_rivals WHERE player_id = ? ORDER BY 2", second)
    films = rows(copy, "SELECT count(*) FROM kills")
    assert kept and value(copy, "SELECT count(*) FROM player_rivals WHERE player_id = ?", first)
    assert run_untrack(copy, first) == f"{sim.gamertag(first)} ({first})"
    assert rows(copy, "SELECT DISTINCT player_id FROM player_rivals") == [(second,)]
    assert rows(copy, "SELECT * FROM player_rivals ORDER BY 2") == kept
    assert rows(copy, "SELECT count(*) FROM kills") == films
    # What untrack leaves is what a rebuild gives.
    run_reparse(copy)
    assert rows(copy, "SELECT * FROM player_rivals ORDER BY 2") == kept


def test_an_expired_film_is_gone_and_never_asked_for_again(world, tmp_path):
    sim, db, _ = world
    gone = [m for (m,) in rows(db, "SELECT match_id FROM films WHERE status = 'gone'")]
    assert gone and all(sim.films.manifest(m) is None for m in gone)
    seen: list[str] = []
    report = sync(db, sim, *sim.player_ids, app=recording(sim.app, seen), films_backfill=True)
    assert report.outcome == "ok"
    assert not [p for p in film_requests(seen) if any(m in p for m in gone)]
    assert report.to_json()["films"]["gone"] == 0


def test_no_films_makes_no_film_request(tmp_path):
    sim = Simulator(SimulatorConfig(seed=5, players=1, matches=6, film_max_age_days=1e6))
    seen: list[str] = []
    db = tmp_path / "halo.db"
    report = sync(db, sim, *sim.player_ids, app=recording(sim.app, seen), films=False)
    assert report.outcome == "ok" and report.matches_added > 0
    assert film_requests(seen) == [] and [p for p in seen if "/matches/" in p]
    assert value(db, "SELECT count(*) FROM films") == 0

    # Then a backfill fetches them, newest first.
    seen.clear()
    report = sync(db, sim, *sim.player_ids, app=recording(sim.app, seen), films_backfill=True)
    assert report.to_json()["films"]["archived"] == value(db, "SELECT count(*) FROM matches")
    assert value(db, "SELECT count(*) FROM films") == value(db, "SELECT count(*) FROM matches")
    manifests = [p.split("/")[4] for p in film_requests(seen) if p.startswith("/hi/films/")]
    newest_first = [m for (m,) in rows(db, "SELECT match_id FROM matches"
                                           " ORDER BY start_time DESC, match_id")]  # fmt: skip
    assert manifests == newest_first


def test_a_backfill_stops_at_the_first_expired_film(tmp_path):
    sim = Simulator(SimulatorConfig(seed=5, players=1, matches=30, film_max_age_days=10))
    db = tmp_path / "halo.db"
    sync(db, sim, *sim.player_ids, films=False)
    seen: list[str] = []
    report = sync(db, sim, *sim.player_ids, app=recording(sim.app, seen), films_backfill=True)
    films = report.to_json()["films"]
    assert films["archived"] > 0 and films["gone"] >= 1
    unasked = value(db, "SELECT count(*) FROM matches WHERE match_id NOT IN"
                        " (SELECT match_id FROM films)")  # fmt: skip
    assert unasked > 0, "the backfill asked for films older than the first that had expired"


def test_a_failed_film_fetch_goes_pending_and_the_next_run_fetches_it(tmp_path):
    sim = Simulator(SimulatorConfig(seed=5, players=1, matches=4, film_max_age_days=1e6))
    db = tmp_path / "halo.db"
    report = sync(db, sim, *sim.player_ids, app=failing(sim.app, r"/ugcstorage/film/"))
    assert report.outcome == "ok"  # a film, like a lookup, never makes the run partial
    assert [p for p in report.enrichment_pending if p.startswith(FILM_MANIFEST.name)]
    assert value(db, "SELECT count(*) FROM films") == 0
    report = sync(db, sim, *sim.player_ids)
    assert value(db, "SELECT count(*) FROM films WHERE status = 'read'") == value(
        db, "SELECT count(*) FROM matches"
    )
    assert not [p for p in report.enrichment_pending if p.startswith(FILM_MANIFEST.name)]


@pytest.mark.parametrize("requests", [14, 20, 26])
def test_the_films_of_matches_a_stopped_run_archived_are_fetched_by_the_next(tmp_path, requests):
    # The token refused after so many requests stops the run (exit 4) between a match
    # stored and its film fetched: films expire, and nothing asked for these again.
    world = {"seed": 5, "players": 1, "matches": 10, "film_max_age_days": 1e6}
    stopping = Simulator(SimulatorConfig(**world, token_requests=requests))
    player = stopping.player_ids[0]
    db = tmp_path / "halo.db"
    with pytest.raises(AuthError):
        sync(db, stopping, player)
    archived, filmed = (
        value(db, "SELECT count(*) FROM matches"),
        value(db, "SELECT count(*) FROM films"),
    )
    assert filmed < archived
    waiting = "SELECT count(*) FROM pending_enrichment WHERE kind = ? AND reason = ?"
    assert value(db, waiting, FILM_MANIFEST.name, FILM_WANTED) == archived - filmed
    report = sync(db, Simulator(SimulatorConfig(**world)), player)
    assert report.outcome == "ok" and report.enrichment_pending == []
    assert value(db, "SELECT count(*) FROM films WHERE status = 'read'") == 10
    assert value(db, "SELECT count(*) FROM pending_enrichment") == 0


def test_one_film_the_service_keeps_failing_on_costs_the_others_nothing(tmp_path):
    # Through the films backfill, which goes on in groups only while the host answers.
    sim = Simulator(SimulatorConfig(seed=5, players=1, matches=12, film_max_age_days=1e6))
    player = sim.player_ids[0]
    bad = sim.history(player)[0]
    db = tmp_path / "halo.db"
    sync(db, sim, player, films=False)
    app = failing(sim.app, rf"/hi/films/matches/{bad}/")
    report = sync(db, sim, player, app=app, films_backfill=True)
    assert report.enrichment_pending == [f"{FILM_MANIFEST.name}:{bad}"]
    assert rows(db, "SELECT match_id FROM matches WHERE match_id NOT IN"
                    " (SELECT match_id FROM films WHERE status = 'read')") == [(bad,)]  # fmt: skip
    (reason,) = rows(db, "SELECT reason FROM pending_enrichment")[0]
    assert reason.startswith("films kept failing") and "not tried" not in reason
    report = sync(db, sim, player)
    assert report.enrichment_pending == []
    assert value(db, "SELECT count(*) FROM films WHERE status = 'read'") == 12


def test_films_the_service_always_fails_on_stop_no_later_runs_films(tmp_path):
    sim = Simulator(SimulatorConfig(seed=5, players=1, matches=12, film_max_age_days=1e6))
    player = sim.player_ids[0]
    bad = sim.history(player)[:2]
    db = tmp_path / "halo.db"
    app = failing(sim.app, rf"/hi/films/matches/({'|'.join(bad)})/")
    sync(db, sim, player, app=app)
    new = sim.play(player, 3)
    # Both are retried first and fail again: the films of this run are fetched all the same.
    report = sync(db, sim, player, app=app)
    assert sorted(report.enrichment_pending) == sorted(f"{FILM_MANIFEST.name}:{m}" for m in bad)
    archived = "SELECT match_id FROM films WHERE status = 'read'"
    assert {m for (m,) in rows(db, archived)} == set(sim.history(player)) - set(bad)
    assert set(new) <= {m for (m,) in rows(db, archived)}


def test_a_refused_blob_leaves_its_film_pending_and_the_run_goes_on(tmp_path):
    # A 403 on the blob host is that blob's refusal: before, it stopped every run (exit 4).
    sim, player, db = fresh_world(tmp_path, 12)
    report = sync(db, sim, player, app=failing(sim.app, r"/ugcstorage/film/", 403))
    assert report.outcome == "ok" and report.matches_added == 12
    assert value(db, "SELECT count(*) FROM films") == 0
    assert len(report.enrichment_pending) == 12
    report = sync(db, sim, player)
    assert report.outcome == "ok" and report.enrichment_pending == []
    assert value(db, "SELECT count(*) FROM films WHERE status = 'read'") == 12


def test_a_chunk_spoilt_on_its_way_is_fetched_again_until_given_up(tmp_path):
    # A malformed chunk was final: the film was never asked for again, though the
    # service kept the real one until it expired.
    sim, player, db = fresh_world(tmp_path, 4)
    spoilt = failing(sim.app, r"/ugcstorage/film/", 200, b"not a zlib stream")
    report = sync(db, sim, player, app=spoilt)
    assert report.films["unreadable"] == 4 and len(report.enrichment_pending) == 4
    assert value(db, "SELECT count(*) FROM films WHERE status = 'malformed'") == 4
    attempts = "SELECT DISTINCT attempts FROM pending_enrichment WHERE kind = ?"
    assert rows(db, attempts, FILM_MANIFEST.name) == [(1,)]
    sync(db, sim, player, app=spoilt)
    assert rows(db, attempts, FILM_MANIFEST.name) == [(2,)]
    report = sync(db, sim, player)
    assert report.enrichment_pending == [] and report.films["archived"] == 4
    assert value(db, "SELECT count(*) FROM films WHERE status = 'read'") == 4
    assert value(db, "SELECT count(*) FROM pending_enrichment") == 0


def test_a_chunk_that_never_reads_is_given_up_after_five_fetches(tmp_path):
    sim, player, db = fresh_world(tmp_path, 2)
    spoilt = failing(sim.app, r"/ugcstorage/film/", 200, b"not a zlib stream")
    for _ in range(5):
        sync(db, sim, player, app=spoilt)
    seen: list[str] = []
    report = sync(db, sim, player, app=recording(sim.app, seen))
    assert film_requests(seen) == [] and report.enrichment_pending == []
    assert value(db, "SELECT count(*) FROM films WHERE status = 'malformed'") == 2


def test_a_film_answered_410_is_gone_and_costs_the_others_nothing(tmp_path):
    sim, player, db = fresh_world(tmp_path, 12)
    gone = sim.history(player)[:2]
    app = failing(sim.app, rf"/hi/films/matches/({'|'.join(gone)})/", 410)
    report = sync(db, sim, player, app=app)
    assert report.outcome == "ok" and report.enrichment_pending == []
    assert report.films["gone"] == 2 and report.films["archived"] == 10
    assert sorted(m for (m,) in rows(db, "SELECT match_id FROM films WHERE status = 'gone'")) == (
        sorted(gone)
    )


@pytest.mark.parametrize("manifest", [b"[{}]", b"null", b'{"CustomData": [1]}', b'"film"'])
def test_a_manifest_that_is_no_object_leaves_its_film_pending(tmp_path, manifest):
    # A list or a string where objects belong was an AttributeError: a traceback, the run
    # left "running", and every later run crashed on the same film before archiving anything.
    sim, player, db = fresh_world(tmp_path, 6)
    bad = sim.history(player)[0]
    app = failing(sim.app, rf"/hi/films/matches/{bad}/", 200, manifest)
    report = sync(db, sim, player, app=app)
    assert report.outcome == "ok" and report.matches_added == 6
    assert report.enrichment_pending == [f"{FILM_MANIFEST.name}:{bad}"]
    new = sim.play(player, 2)
    report = sync(db, sim, player, app=app)
    assert report.matches_added == 2 and set(new) <= {m for (m,) in rows(db, FILMS_READ)}
    assert sync(db, sim, player).enrichment_pending == []
    assert value(db, "SELECT count(*) FROM films WHERE status = 'read'") == 8


def test_a_manifest_of_another_match_is_refused(tmp_path):
    sim, player, db = fresh_world(tmp_path, 6)
    bad, other = sim.history(player)[:2]
    swapped = swapping(sim.app, rf"/hi/films/matches/{bad}/", f"/hi/films/matches/{other}/spectate")
    report = sync(db, sim, player, app=swapped)
    assert report.enrichment_pending == [f"{FILM_MANIFEST.name}:{bad}"]
    (reason,) = rows(db, "SELECT reason FROM pending_enrichment")[0]
    assert f"the film manifest of match {bad} is another match's" in reason
    assert {m for (m,) in rows(db, FILMS_READ)} == set(sim.history(player)) - {bad}


FILMS_READ = "SELECT match_id FROM films WHERE status = 'read'"


def fresh_world(tmp_path: Path, matches: int) -> tuple[Simulator, str, Path]:
    """One player's simulator whose films never expire, and where its archive goes."""
    sim = Simulator(SimulatorConfig(seed=5, players=1, matches=matches, film_max_age_days=1e6))
    return sim, sim.player_ids[0], tmp_path / "halo.db"


def swapping(app: Any, pattern: str, path: str) -> Any:
    """Wrap an ASGI app so that paths matching ``pattern`` are answered as ``path`` is."""

    async def wrapped(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and re.match(pattern, scope["path"], re.IGNORECASE):
            scope = {**scope, "path": path, "raw_path": path.encode()}
        await app(scope, receive, send)

    return wrapped


def test_an_unknown_version_is_kept_and_read_by_reparse_once_its_layout_is_known(
    tmp_path, monkeypatch
):
    sim = Simulator(
        SimulatorConfig(
            seed=5, players=1, matches=5, film_unknown_version=1.0, film_max_age_days=1e6
        )
    )
    db = tmp_path / "halo.db"
    report = sync(db, sim, *sim.player_ids)
    assert report.to_json()["films"]["unreadable"] == value(db, "SELECT count(*) FROM matches")
    assert rows(db, "SELECT DISTINCT status, major_version, events_read FROM films") == [
        ("unreadable", UNKNOWN_VERSION, None)
    ]
    assert str(UNKNOWN_VERSION) in value(db, "SELECT error FROM films LIMIT 1")
    assert value(db, "SELECT count(*) FROM film_events") == 0

    monkeypatch.setitem(reader.LAYOUTS, UNKNOWN_VERSION, UNKNOWN_LAYOUT)
    _, broken, _ = run_reparse(db)
    assert broken == []
    assert rows(db, "SELECT DISTINCT status, agrees_with_stats FROM films") == [("read", 1)]
    assert value(db, "SELECT count(*) FROM film_events") > 0
    assert value(db, "SELECT count(*) FROM kills") > 0
    assert value(db, "SELECT count(*) FROM player_rivals") > 0


def test_a_version_with_no_layout_whose_chunk_shows_one_is_read_and_marked_inferred(
    tmp_path, monkeypatch
):
    # A game update that only moved the record's end and the gamertag, as every real one did.
    monkeypatch.setattr(films, "UNKNOWN_LAYOUT", reader.Layout(marker=13_500, gamertag=12))
    sim = Simulator(
        SimulatorConfig(
            seed=5, players=1, matches=5, film_unknown_version=1.0, film_max_age_days=1e6
        )
    )
    db = tmp_path / "halo.db"
    report = sync(db, sim, *sim.player_ids)
    assert report.to_json()["films"] == {"archived": 5, "gone": 0, "unreadable": 0, "inferred": 5}
    assert rows(db, "SELECT DISTINCT status, major_version, layout_inferred, error FROM films") == [
        ("read", UNKNOWN_VERSION, 1, None)
    ]
    # The events are the simulator's own, as a table holding the layout reads them.
    known = {UNKNOWN_VERSION: films.UNKNOWN_LAYOUT}
    kept = rows(db, CHUNKS)
    assert len(kept) == 5
    for match_id, body, encoding in kept:
        assert match_id == FILM_CHUNK.key_of(match_id)
        events = read_events(decode(body, encoding), UNKNOWN_VERSION, layouts=known)
        stored = rows(
            db, "SELECT player_id, type, time_ms FROM film_events WHERE match_id = ? ORDER BY seq",
            match_id,
        )  # fmt: skip
        assert events and stored == [(e.player_id, e.type, e.time_ms) for e in events]
    assert rows(db, "SELECT DISTINCT agrees_with_stats FROM films") == [(1,)]

    # A release that checks the layout reads them again as checked.
    monkeypatch.setitem(reader.LAYOUTS, UNKNOWN_VERSION, films.UNKNOWN_LAYOUT)
    run_reparse(db)
    assert rows(db, "SELECT DISTINCT status, layout_inferred FROM films") == [("read", 0)]


@pytest.mark.parametrize(
    "name", ["who_kills_me_most", "first_blood_rate", "kills_per_minute_by_phase"]
)
def test_the_film_canned_queries_answer_from_the_film_tables(world, name):
    _, db, _ = world
    metadata = yaml.safe_load((Path(__file__).parents[1] / "metadata.yml").read_text("utf-8"))
    sql = metadata["databases"]["halo"]["queries"][name]["sql"]
    answer = rows(db, sql.replace(":gamertag", "''"))
    assert answer and {row[0] for row in answer} <= set(
        g
        for (g,) in rows(db, "SELECT gamertag FROM players JOIN tracked_players USING (player_id)")
    )


def test_who_kills_me_most_names_each_opponent_by_their_current_gamertag(world, tmp_path):
    # A film keeps the gamertag its player had then; once the archive knows them by a new
    # one (they renamed), the canned query names them by it, as the player page does.
    _, db, _ = world
    db = copy_archive(db, tmp_path / "renamed.db")
    opponent = value(db, "SELECT opponent_id FROM player_rivals ORDER BY deaths_to DESC LIMIT 1")
    with sqlite3.connect(db) as connection:
        connection.execute(
            "UPDATE players SET gamertag = 'A New Name' WHERE player_id = ?", (opponent,)
        )
    metadata = yaml.safe_load((Path(__file__).parents[1] / "metadata.yml").read_text("utf-8"))
    sql = metadata["databases"]["halo"]["queries"]["who_kills_me_most"]["sql"]
    answer = rows(db, sql.replace(":gamertag", "''"))
    named = {row[1] for row in answer if row[2] == opponent}
    assert named == {"A New Name"}, named
