"""`grunt-archive film read --match`: the events of the chunk an archive keeps, without the network.

Against archives synced from the in-process simulator, SQLite and PostgreSQL:
the events printed are the simulator's own for that film, whatever the case of
the id; a match whose film the archive does not keep (not archived, expired,
not fetched) or cannot read is one line and exit 2, saying which.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grunt_archive.cli import cli
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.simulator.films import UNKNOWN_VERSION
from tests.conftest import new_location
from tests.helpers import rows, sync
from tests.postgres import BACKENDS


def film_read(db: Path | str, *args: str):
    return CliRunner().invoke(cli, ["film", "read", "--db", str(db), *args])


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory) -> tuple[Simulator, Path | str]:
    """One player's matches synced once; films older than a year have expired."""
    sim = Simulator(SimulatorConfig(seed=23, players=1, matches=16, film_max_age_days=365))
    db = new_location(request, request.param, tmp_path_factory.mktemp("kept") / "halo.db")
    assert sync(db, sim, *sim.player_ids).outcome == "ok"
    return sim, db


def statuses(db: Path | str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for match_id, status in rows(db, "SELECT match_id, status FROM films ORDER BY match_id"):
        found.setdefault(status, []).append(match_id)
    return found


def simulated(sim: Simulator, match_id: str) -> list[tuple[Any, ...]]:
    film = sim.films.film(match_id)
    assert film is not None
    return [(e.player_id, e.type, e.time_ms, e.medal_name) for e in film.events.events]


def test_every_kept_film_prints_the_simulated_events_in_any_case_of_its_id(world):
    sim, db = world
    read = statuses(db)["read"]
    assert len(read) >= 2
    for match_id in read:
        for typed in (match_id, match_id.upper()):
            result = film_read(db, "--match", typed, "--json")
            assert result.exit_code == 0, result.output
            printed = [
                (f"xuid({e['xuid']})", e["type"], e["time_ms"], e["medal_name"])
                for e in json.loads(result.stdout)
            ]
            assert printed == simulated(sim, match_id)


def test_the_table_names_the_players_and_counts_the_events(world):
    sim, db = world
    match_id = statuses(db)["read"][0]
    result = film_read(db, "--match", match_id)
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().endswith(f"\n{len(simulated(sim, match_id))} events")
    assert sim.gamertag(sim.player_ids[0]) in result.stdout


def test_an_expired_film_is_exit_2_saying_so(world):
    _, db = world
    match_id = statuses(db)["gone"][0]
    result = film_read(db, "--match", match_id)
    assert result.exit_code == 2
    assert result.output == f"Error: match {match_id}'s film had expired when it was asked for\n"


@pytest.mark.parametrize(
    ("match_id", "says"),
    [
        ("00000000-0000-4000-8000-000000000000", "is not in this archive"),
        ("not-a-match", "is not a match id"),
    ],
)
def test_a_match_the_archive_lacks_or_a_bad_id_is_exit_2(world, match_id, says):
    _, db = world
    result = film_read(db, "--match", match_id)
    assert result.exit_code == 2
    assert says in result.output and "Traceback" not in result.output
    assert len(result.output.splitlines()) == 1


def test_a_file_and_a_match_together_or_neither_is_exit_2(world, tmp_path):
    _, db = world
    chunk = tmp_path / "41_x.gzip"
    chunk.write_bytes(b"")
    for args in ([], [str(chunk), "--match", statuses(db)["read"][0]]):
        result = film_read(db, *args)
        assert result.exit_code == 2
        assert result.output == "Error: give a chunk FILE or --match MATCH_ID, one of them\n"


def test_a_film_not_fetched_yet_is_exit_2_saying_a_sync_fetches_it(tmp_path):
    sim = Simulator(SimulatorConfig(seed=23, players=1, matches=3))
    db = tmp_path / "halo.db"
    assert sync(db, sim, *sim.player_ids, films=False).outcome == "ok"
    (match_id,) = rows(db, "SELECT match_id FROM matches ORDER BY match_id LIMIT 1")[0]
    result = film_read(db, "--match", match_id)
    assert result.exit_code == 2
    assert "film is not kept yet (a sync without --no-films fetches it)" in result.output


def test_a_kept_film_no_layout_reads_is_exit_2_naming_its_version(tmp_path):
    sim = Simulator(
        SimulatorConfig(seed=5, players=1, matches=2, film_unknown_version=1.0,
                        film_max_age_days=1e6)
    )  # fmt: skip
    db = tmp_path / "halo.db"
    assert sync(db, sim, *sim.player_ids).outcome == "ok"
    (match_id,) = statuses(db)["unreadable"][:1]
    result = film_read(db, "--match", match_id)
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: match {match_id}: ")
    assert str(UNKNOWN_VERSION) in result.output and len(result.output.splitlines()) == 1
