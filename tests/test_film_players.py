"""Every player id of a film joins ``players`` (INTERFACE.md: "every player_id to players").

``film_events.player_id``, ``kills.killer_id`` and ``victim_id``, and ``player_rivals``'
``player_id`` and ``opponent_id`` are foreign keys (migration 0029). Films carry the
human players the match stats list, but a film may name one they do not: such a film
is stored all the same, with a ``players`` row for that player, through ``reparse``
and a ``copy`` of a player's slice too, and Datasette links the ids to player pages.
"""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from grunt_archive.film.reader import FilmEvent
from grunt_archive.runner import run_copy, run_reparse
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.simulator import films as simulated_films
from tests.helpers import rows, sync, value, viewer

STRANGER = 2535400000000042
STRANGER_ID = f"xuid({STRANGER})"
# What a SQLite archive says of a row whose key names no row (empty: every key holds).
BROKEN_KEYS = "SELECT * FROM pragma_foreign_key_check"


@pytest.fixture(scope="module")
def stranger_world(tmp_path_factory) -> tuple[Simulator, Path, str]:
    """A synced world in which one match's film also names a player its stats do not list.

    The stranger's kill has no death within ±5 ms: a ``kills`` row of theirs, victim open.
    """
    sim = Simulator(SimulatorConfig(seed=7, players=1, matches=4, film_max_age_days=1e6))
    player = sim.player_ids[0]
    odd = sim.history(player)[0]
    built = simulated_films.film_events

    def with_stranger(document: Any, *args: Any, **kwargs: Any) -> Any:
        film = built(document, *args, **kwargs)
        if document["MatchId"] != odd:
            return film
        # After every other event: no death within ±5 ms of it.
        kill = FilmEvent(STRANGER, "Stranger", "kill", film.events[-1].time_ms + 100)
        return dataclasses.replace(film, events=[*film.events, kill])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(simulated_films, "film_events", with_stranger)
        db = tmp_path_factory.mktemp("stranger") / "halo.db"
        assert sync(db, sim, player).outcome == "ok"
    return sim, db, odd


def test_a_film_naming_a_player_the_stats_do_not_list_is_kept_with_their_players_row(
    stranger_world,
):
    _, db, odd = stranger_world
    assert rows(db, "SELECT status, agrees_with_stats FROM films WHERE match_id = ?", odd) == [
        ("read", 0)
    ]
    assert value(db, "SELECT count(*) FROM match_players WHERE player_id = ?", STRANGER_ID) == 0
    assert rows(db, "SELECT is_bot FROM players WHERE player_id = ?", STRANGER_ID) == [(0,)]
    assert rows(db, "SELECT killer_id, victim_id FROM kills WHERE killer_id = ?", STRANGER_ID) == [
        (STRANGER_ID, None)
    ]
    assert value(db, "SELECT count(*) FROM film_events WHERE player_id = ?", STRANGER_ID) == 1
    assert rows(db, BROKEN_KEYS) == []


def test_the_film_keys_are_foreign_keys_into_players(stranger_world):
    _, db, _ = stranger_world
    keys = rows(db, "SELECT m.name, k.\"from\" FROM sqlite_master AS m,"
                    " pragma_foreign_key_list(m.name) AS k"
                    " WHERE k.\"table\" = 'players' AND m.name IN"
                    " ('film_events', 'kills', 'player_rivals') ORDER BY 1, 2")  # fmt: skip
    assert keys == [
        ("film_events", "player_id"), ("kills", "killer_id"), ("kills", "victim_id"),
        ("player_rivals", "opponent_id"), ("player_rivals", "player_id"),
    ]  # fmt: skip


def test_reparse_and_a_players_slice_copy_keep_the_stranger(stranger_world, tmp_path):
    sim, db, odd = stranger_world
    copy = tmp_path / "copy.db"
    copy.write_bytes(db.read_bytes())
    assert run_reparse(copy)[1:] == ([], [])
    assert value(copy, "SELECT count(*) FROM film_events WHERE player_id = ?", STRANGER_ID) == 1
    assert rows(copy, BROKEN_KEYS) == []
    piece = tmp_path / "piece.db"
    run_copy(db, piece, (sim.player_ids[0],))
    assert rows(piece, "SELECT player_id FROM players WHERE player_id = ?", STRANGER_ID) == [
        (STRANGER_ID,)
    ]
    assert value(piece, "SELECT count(*) FROM kills WHERE match_id = ?", odd) == value(
        db, "SELECT count(*) FROM kills WHERE match_id = ?", odd
    )
    assert rows(piece, BROKEN_KEYS) == []


def test_datasette_links_the_film_tables_player_ids_to_player_pages(stranger_world):
    sim, db, _ = stranger_world
    player = sim.player_ids[0]
    gamertag = value(db, "SELECT gamertag FROM players WHERE player_id = ?", player)
    ds = viewer(db)
    for table, column in (("film_events", "player_id"), ("kills", "killer_id"),
                          ("kills", "victim_id"), ("player_rivals", "player_id")):  # fmt: skip
        page = asyncio.run(ds.client.get(f"/halo/{table}?{column}={player}"))
        assert page.status_code == 200, page.text[:300]
        assert f'href="/player/{player}">{gamertag}</a> <em>{player}</em>' in page.text, table
