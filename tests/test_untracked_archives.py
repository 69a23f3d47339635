"""Archives in which an older release untracked a player are upgraded to what a rebuild gives.

Until ``untrack`` took a player's derived rows out, it deleted only their
``player_rivals``: their lines, encounters, medals and totals stayed, and so did
their share of ``archive_map_totals`` and ``archive_day_totals``, counted by the
canned queries with no player picked, the front page and the Career dashboard.
Migration 0027 deletes the rows of players no longer tracked and counts the two
archive-wide tables again; an archive with no such rows (most) it leaves as it
was, writing nothing. Each case on SQLite and on PostgreSQL: a world of three
players who share some matches (one as an opponent) and play others alone,
synced, brought back to revision 0026, and untracked there the old way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import event
from sqlalchemy.engine import Engine

from grunt_archive.cli import cli
from grunt_archive.db import alembic_config, archive, head_revision, make_engine
from grunt_archive.documents import DERIVED_TABLES
from grunt_archive.models import metadata
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store import open_store, player_tables
from tests.conftest import copy_archive, new_location
from tests.helpers import dump, execute, rows, sync, value
from tests.postgres import BACKENDS

WORLD = Simulator(SimulatorConfig(seed=27, players=3, matches=20))
PLAYERS = WORLD.player_ids
# Every table of the archive but the revision's (what an upgrade writes).
TABLES = sorted(set(metadata.tables) - {"alembic_version"})
WRITES = ("INSERT", "UPDATE", "DELETE")
PER_PLAYER = [table for table in DERIVED_TABLES if not table.startswith("archive_")]
# The tables later revisions add (0030, 0031): an archive at 0026 has none of them.
LATER = {"player_playlist_totals", "player_map_totals", "player_mode_totals", "unfinished_copies"}


@pytest.fixture(scope="module", params=BACKENDS)
def synced(request, tmp_path_factory) -> Path | str:
    """The world's three players tracked and synced (films too: rivals); tests change copies."""
    where = tmp_path_factory.mktemp("untracked") / "synced.db"
    location = new_location(request, request.param, where)
    assert sync(location, WORLD, *PLAYERS).outcome == "ok"
    return location


def at_0026(synced: Path | str, tmp_path: Path, request) -> Path | str:
    """Return a copy of ``synced`` brought back to revision 0026 (the release before 0027)."""
    db = copy_archive(synced, tmp_path / "halo.db", request)
    migrate(db, command.downgrade, "0026")
    assert value(db, "SELECT version_num FROM alembic_version") == "0026"
    return db


def migrate(db: Path | str, step: Callable[..., None], revision: str) -> None:
    """Run alembic's ``step`` (``command.upgrade`` or ``downgrade``) on ``db`` to ``revision``."""
    engine = make_engine(db)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            step(config, revision)
    finally:
        engine.dispose()


def untrack_the_old_way(db: Path | str, player_id: str) -> None:
    """What ``untrack`` did before: the tracked row and the player's rivals, nothing else."""
    execute(
        db,
        f"DELETE FROM tracked_players WHERE player_id = '{player_id}'",
        f"DELETE FROM player_rivals WHERE player_id = '{player_id}'",
    )


def upgrade(db: Path | str) -> None:
    """``db upgrade`` through the CLI, as a user upgrades after installing a new release."""
    result = CliRunner().invoke(cli, ["db", "upgrade", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert f"at revision {head_revision()} (was 0026)" in result.output, result.output


def rebuilt(db: Path | str) -> dict[str, list[tuple]]:
    """Return the derived tables as `player_tables.rebuild` computes them (``db`` rebuilt)."""
    with archive(db) as engine, open_store(engine) as store, store.unit() as connection:
        player_tables.rebuild(connection)
    return dump(db, DERIVED_TABLES)


def shared_and_alone(db: Path | str, player_id: str, others: list[str]) -> tuple[int, int]:
    """Count the player's matches another of ``others`` played, and those none of them did."""
    ids = ", ".join(f"'{other}'" for other in others)
    return tuple(
        rows(
            db,
            "SELECT count(DISTINCT CASE WHEN o.player_id IS NOT NULL THEN m.match_id END),"
            " count(DISTINCT CASE WHEN o.player_id IS NULL THEN m.match_id END)"
            " FROM match_players AS m LEFT JOIN match_players AS o ON o.match_id = m.match_id"
            f" AND o.player_id IN ({ids}) WHERE m.player_id = ?",
            player_id,
        )[0]
    )


@pytest.mark.parametrize("untracked", [(0,), (0, 2)], ids=["one", "two"])
def test_an_archive_untracked_by_an_older_release_becomes_what_a_rebuild_gives(
    synced, tmp_path, request, untracked
):
    db = at_0026(synced, tmp_path, request)
    gone = [PLAYERS[i] for i in untracked]
    kept = [p for p in PLAYERS if p not in gone]
    for player_id in gone:
        # Their matches are partly the tracked players' (counted once already), partly
        # theirs alone: the archive-wide totals lose some matches and keep others.
        shared, alone = shared_and_alone(db, player_id, kept)
        assert shared and alone, (player_id, shared, alone)
        untrack_the_old_way(db, player_id)
    everyone = "SELECT sum(matches) FROM archive_day_totals"
    stale = value(db, everyone)
    # Their rows stay in every per-player table but player_rivals (the old untrack's one).
    for table in PER_PLAYER:
        if table != "player_rivals" and table not in LATER:
            assert value(db, f"SELECT count(*) FROM {table} WHERE player_id = ?", gone[0]), table

    upgrade(db)

    after = dump(db, DERIVED_TABLES)
    for player_id in gone:
        for table in PER_PLAYER:
            sql = f"SELECT count(*) FROM {table} WHERE player_id = ?"
            assert value(db, sql, player_id) == 0, (table, player_id)
    ids = ", ".join(f"'{player_id}'" for player_id in kept)
    theirs = f"SELECT count(DISTINCT match_id) FROM match_players WHERE player_id IN ({ids})"
    assert value(db, everyone) == value(db, theirs) < stale
    assert {p for (p,) in rows(db, "SELECT DISTINCT player_id FROM player_totals")} == set(kept)
    again = rebuilt(db)
    assert [t for t in DERIVED_TABLES if after[t] != again[t]] == []
    assert all(after[t] for t in DERIVED_TABLES), [t for t in DERIVED_TABLES if not after[t]]


@contextmanager
def writes_recorded() -> Iterator[list[str]]:
    """Record every statement any engine runs that writes a table but ``alembic_version``."""
    written: list[str] = []

    def record(_connection, _cursor, statement: str, *_args) -> None:
        if statement.lstrip().upper().startswith(WRITES) and "alembic_version" not in statement:
            written.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield written
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def test_an_archive_with_no_untracked_players_rows_is_left_as_it_was(synced, tmp_path, request):
    # Most archives never untracked anyone: the upgrade writes nothing but the revision.
    db = at_0026(synced, tmp_path, request)
    tables = [t for t in TABLES if t not in LATER]
    before = dump(db, tables)
    with writes_recorded() as written:  # 0027 alone: a later migration may write (0028 does)
        migrate(db, command.upgrade, "0027")
    assert written == []
    after = dump(db, tables)
    assert [t for t in tables if after[t] != before[t]] == []
    assert all(before[t] for t in DERIVED_TABLES if t not in LATER)
