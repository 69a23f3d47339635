"""Migration 0029: the film tables' player ids join ``players``, and a long rebuild says so.

On SQLite adding the keys rebuilds ``film_events`` and ``kills`` (12.6 s for 2 million
film events): every command that upgrades says what it does before it starts, and the
file, which the rebuild leaves a table's size larger, is compacted after.
PostgreSQL checks the keys in place, and says nothing.
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect

from grunt_archive.cli import cli
from grunt_archive.db import head_revision, make_engine, upgrade_archive
from grunt_archive.progress import NoProgress
from grunt_archive.runner import run_sync
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.sync import SyncOptions
from tests.helpers import downgrade, is_server, rows, settings, sync

KEYS = {
    ("film_events", ("player_id",)), ("kills", ("killer_id",)), ("kills", ("victim_id",)),
    ("player_rivals", ("player_id",)), ("player_rivals", ("opponent_id",)),
}  # fmt: skip
# Past the migration's NOTICE_ROWS (100,000 film events and kills): a rebuild of a second
# or more. The rows are shaped as a film's (GUID match ids, xuids, gamertags, medals), so
# that the rebuild leaves the file about a third unused, as it did the bench's archive.
MATCHES, EVENTS = 360, 330  # a film of a 12-minute match has about 330 events
NUMBERS = "WITH RECURSIVE n (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last})"
# What 0029 says before it rebuilds the film tables of `MANY_FILM_ROWS`.
REBUILD_NOTICE = (
    "Upgrading the archive to 0029: rebuilding film_events (118,800 rows) and kills"
    " (39,600 rows) so that their player ids join players. This happens once; it can"
    " take a minute or two."
)


def _mod(divisor: int) -> str:
    """Return ``i`` modulo ``divisor`` in SQL (psycopg reads a bare ``%`` as a placeholder)."""
    return f"(i - i / {divisor} * {divisor})"


GUID = "'6b8f2c1e-0000-4000-8000-' || (100000000000 + {i})"  # 12 digits
PLAYER, THIRD = _mod(16), _mod(3)  # 16 players; a kill, a death, a medal in turn
MANY_FILM_ROWS = (
    f"INSERT INTO matches (match_id, start_time) {NUMBERS.format(last=MATCHES - 1)}"
    f" SELECT {GUID.format(i='i')}, '2024-01-01T00:00:00Z' FROM n",
    "INSERT INTO films (match_id, status) SELECT match_id, 'read' FROM matches",
    "INSERT INTO film_events (match_id, seq, player_id, gamertag, type, time_ms, medal_code,"
    f" medal_name) {NUMBERS.format(last=MATCHES * EVENTS - 1)}"
    f" SELECT {GUID.format(i=f'i / {EVENTS}')}, {_mod(EVENTS)},"
    f" 'xuid(25332748000000' || (10 + {PLAYER}) || ')', 'Spartan ' || (10 + {PLAYER}),"
    f" CASE {THIRD} WHEN 0 THEN 'kill' WHEN 1 THEN 'death' ELSE 'medal' END,"
    f" {_mod(EVENTS)} * 1700, CASE {THIRD} WHEN 2 THEN 1512363953 END,"
    f" CASE {THIRD} WHEN 2 THEN 'Killing Spree' END FROM n",
    "INSERT INTO kills (match_id, seq, time_ms, killer_id, killer_gamertag, victim_id,"
    " victim_gamertag, ambiguous, candidates) SELECT match_id, seq, time_ms, player_id,"
    " gamertag, 'xuid(2533274800000009)', 'Spartan 09', false, 1 FROM film_events"
    " WHERE type = 'kill'",
)


def _player_keys(connection) -> set[tuple[str, tuple[str, ...]]]:
    return {
        (table, tuple(k["constrained_columns"]))
        for table in ("film_events", "kills", "player_rivals")
        for k in inspect(connection).get_foreign_keys(table)
        if k["referred_table"] == "players"
    }


def _at_0028(location: Path | str, *statements: str) -> None:
    """Make an archive at revision 0028 holding what ``statements`` write."""
    engine = make_engine(location)
    try:
        upgrade_archive(engine, "0028")
        with engine.begin() as connection:
            for sql in statements:
                connection.exec_driver_sql(sql)
    finally:
        engine.dispose()


def _checkpointed(db: Path) -> tuple[int, int]:
    """Return the file's size once its WAL is written back, and its free pages."""
    with closing(sqlite3.connect(db)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (free,) = connection.execute("PRAGMA freelist_count").fetchone()
    return db.stat().st_size, free


def test_0029_joins_the_film_player_ids_to_players_and_back(archive_location):
    # A film may name a player the match stats do not list: 0029 gives them a players row.
    _at_0028(
        archive_location,
        "INSERT INTO matches (match_id, start_time) VALUES ('m', '2024-01-01T00:00:00Z')",
        "INSERT INTO films (match_id, status) VALUES ('m', 'read')",
        "INSERT INTO film_events (match_id, seq, player_id, type, time_ms)"
        " VALUES ('m', 0, 'xuid(7)', 'kill', 10)",
        "INSERT INTO kills (match_id, seq, time_ms, killer_id, ambiguous, candidates)"
        " VALUES ('m', 0, 10, 'xuid(7)', true, 0)",
    )
    engine = make_engine(archive_location)
    try:
        notes: list[str] = []
        upgrade_archive(engine, notify=notes.append)
        assert notes == []  # a rebuild of a few rows is over before anyone would wonder
        with engine.connect() as connection:
            players = "SELECT player_id, is_bot FROM players"
            assert connection.exec_driver_sql(players).fetchall() == [("xuid(7)", False)]
            assert _player_keys(connection) == KEYS
        downgrade(engine, "0028")
        with engine.connect() as connection:
            assert _player_keys(connection) == set()
            assert connection.exec_driver_sql("SELECT count(*) FROM film_events").scalar() == 1
    finally:
        engine.dispose()


def test_db_upgrade_says_a_long_rebuild_is_a_one_time_cost_and_compacts_after(
    archive_location,
):
    _at_0028(archive_location, *MANY_FILM_ROWS)
    sqlite = not is_server(archive_location)
    if sqlite:
        before, _ = _checkpointed(archive_location)
    result = CliRunner().invoke(cli, ["db", "upgrade", "--db", str(archive_location)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Archive at revision {head_revision()} (was 0028).\n"
    if not sqlite:  # PostgreSQL adds the keys in place: nothing to say, nothing to compact
        assert result.stderr == ""
    else:
        rebuild, compacting = result.stderr.splitlines()
        assert rebuild == REBUILD_NOTICE
        assert compacting.startswith("Compacting the archive: the upgrade left "), compacting
        # The old copies' pages are given back: the file is no larger than it was.
        size, free = _checkpointed(archive_location)
        assert free == 0 and size <= before
        assert rows(archive_location, "PRAGMA foreign_key_check") == []
    assert rows(archive_location, "SELECT count(*) FROM kills") == [(MATCHES * EVENTS // 3,)]
    assert len(rows(archive_location, "SELECT player_id FROM players")) == 17


class _Notes(NoProgress):
    """A progress display that keeps the notes a run says."""

    def __init__(self) -> None:
        self.notes: list[str] = []

    def note(self, text: str) -> None:
        self.notes.append(text)


@pytest.fixture(scope="module")
def old_archive(tmp_path_factory) -> Path:
    """A SQLite archive at 0028 whose films hold more rows than a quick rebuild."""
    db = tmp_path_factory.mktemp("old") / "halo.db"
    _at_0028(db, *MANY_FILM_ROWS)
    return db


def test_a_sync_that_upgrades_notes_the_rebuild_on_its_display_and_quiet_says_nothing(
    old_archive, tmp_path, capsys
):
    sim = Simulator(SimulatorConfig(seed=3, players=1, matches=2))
    shown, quiet = tmp_path / "shown.db", tmp_path / "quiet.db"
    for db in (shown, quiet):
        shutil.copy(old_archive, db)
    display = _Notes()
    shown_sync = run_sync(shown, settings(sim.app), SyncOptions(matches_only=True), display)
    assert shown_sync.outcome == "ok"
    assert [note.split(":")[0] for note in display.notes[:2]] == [
        "Upgrading the archive to 0029",
        "Compacting the archive",
    ]
    assert sync(quiet, sim, matches_only=True).outcome == "ok"  # no display: --quiet, --json
    assert capsys.readouterr().err == ""
    for db in (shown, quiet):
        assert rows(db, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
        # Compacted: the rebuild left a third of the file unused, the sync's writes a few pages.
        ((free, pages),) = rows(db, "SELECT * FROM pragma_freelist_count, pragma_page_count")
        assert free < 0.02 * pages


PENDING = "6b8f2c1e-0000-4000-8000-999999999999"  # a match id no film row names
TRACKED = (
    "INSERT INTO players (player_id, is_bot) VALUES ('xuid(2533274800000010)', false)",
    "INSERT INTO tracked_players (player_id, added_at, history_complete, backfill_offset)"
    " VALUES ('xuid(2533274800000010)', '2024-01-01T00:00:00Z', false, 0)",
)
PENDING_ROW = ("INSERT INTO pending_matches (match_id, attempts, first_seen_at, given_up_at)"
               f" VALUES ('{PENDING}', 1, '2024-01-01T00:00:00Z', {{given_up}})")  # fmt: skip
UNREACHABLE = ("--api-base", "http://127.0.0.1:9", "--spartan-token", "v4=never-sent")


@pytest.mark.parametrize(
    ("setup", "args", "code", "out"),
    [
        # No tracked player: exit 2 once the archive is open (upgraded), before any request.
        ((), ("verify", *UNREACHABLE), 2, ""),
        ((), ("verify", "--json", *UNREACHABLE), 2, ""),
        (TRACKED, ("untrack", "--player", "xuid(2533274800000010)"), 0,
         "Stopped tracking xuid(2533274800000010); their archived matches stay.\n"),
        ((PENDING_ROW.format(given_up="NULL"),), ("pending", "give-up", PENDING), 0,
         f"Gave up on 1 match: {PENDING}.\n"),
        ((PENDING_ROW.format(given_up="NULL"),), ("pending", "--json", "give-up", PENDING), 0,
         f'{{"given_up": ["{PENDING}"], "reason": null}}\n'),
        ((PENDING_ROW.format(given_up="'2024-01-02T00:00:00Z'"),), ("pending", "retry", PENDING),
         0, f"The next sync fetches 1 match first: {PENDING}.\n"),
    ],
    ids=["verify", "verify --json", "untrack", "pending give-up", "pending --json give-up",
         "pending retry"],
)  # fmt: skip
def test_each_command_that_upgrades_says_the_rebuild_once_on_stderr(
    old_archive, tmp_path, setup, args, code, out
):
    db = tmp_path / "halo.db"
    shutil.copy(old_archive, db)
    with closing(sqlite3.connect(db)) as connection, connection:
        for sql in setup:
            connection.execute(sql)
    result = CliRunner().invoke(cli, [*args, "--db", str(db)])
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stderr.count(REBUILD_NOTICE) == 1, result.stderr
    assert result.stderr.splitlines()[0] == REBUILD_NOTICE  # before the migration runs
    assert result.stdout == out  # the notice never mixes with the output (--json included)
    assert rows(db, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
