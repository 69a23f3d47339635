"""Two copies into one PostgreSQL archive never run at once: the second is refused, exit 5.

A copy adds what it brought to the destination's derived tables (`store.copied`):
its rows added to a match another copy counted first would be counted by neither.
On SQLite the one writer's lock keeps copies apart (tests/test_copy.py); on
PostgreSQL, where syncs write side by side, a copy holds an advisory lock of its
session from its first write to its end (`store.unfinished.hold_writing`). The
first copy is paused mid-way, in one process, no thread and no sleep: its matches
are written, their players not yet, when the second is run beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grunt_archive.cli import cli
from grunt_archive.location import archive_name
from grunt_archive.models import metadata
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store import copy as copy_module
from grunt_archive.store.copy import copy_archive
from tests.helpers import assert_derived_as_rebuilt, count, rows, sync

pytestmark = pytest.mark.slow  # every test here starts the PostgreSQL cluster
PAUSED_AT = "match_players"  # a table after `matches`: the copy is halfway through


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two SQLite archives of two worlds: each brings the other's destination new rows."""
    paths = []
    for seed in (8, 9):
        world = Simulator(SimulatorConfig(seed=seed, players=2, matches=10))
        path = tmp_path_factory.mktemp("copylock") / f"source{seed}.db"
        assert sync(path, world, *world.player_ids, clearance="given").outcome == "ok"
        paths.append(path)
    return paths[0], paths[1]


def pause(monkeypatch: pytest.MonkeyPatch, beside: Callable[[], object]) -> list[str]:
    """Make the next copy run ``beside`` as it reaches `PAUSED_AT`; return what ran it."""
    copy_table = copy_module._copy_table
    ran: list[str] = []

    def halfway(reader: Any, store: Any, table: Any, *args: Any) -> int:
        if table.name == PAUSED_AT and not ran:
            ran.append(table.name)  # before: a copy run beside is not paused in turn
            beside()
        return copy_table(reader, store, table, *args)

    monkeypatch.setattr(copy_module, "_copy_table", halfway)
    return ran


def counts(location: str) -> dict[str, int]:
    """Return how many rows each of the archive's tables holds."""
    return {table: count(location, table) for table in metadata.tables}


def copy_command(source: Path, destination: str) -> Any:
    return CliRunner().invoke(cli, ["copy", "--db", str(source), "--to", destination, "--quiet"])


def test_a_copy_beside_a_running_copy_exits_5_and_writes_nothing(
    sources, postgres_cluster, monkeypatch
):
    first, second = sources
    url = postgres_cluster.new_archive()
    seen: dict[str, Any] = {}

    def beside() -> None:
        seen["before"] = counts(url)
        seen["result"] = copy_command(second, url)
        seen["after"] = counts(url)

    ran = pause(monkeypatch, beside)
    copy_archive(first, url)
    monkeypatch.undo()
    assert ran == [PAUSED_AT]
    assert seen["before"]["matches"] > 0 and seen["before"][PAUSED_AT] == 0  # halfway
    result = seen["result"]
    assert result.exit_code == 5, result.output
    name = archive_name(url)
    assert result.output.startswith("Error: another copy (server process ")
    assert result.output.endswith(f") is already writing to {name}\n")
    assert result.output.count("\n") == 1
    assert postgres_cluster.password not in result.output
    assert seen["after"] == seen["before"]  # refused before its first write
    # The first copy went on to its end, alone: its own rows, counted exactly.
    assert count(url, "matches") == count(first, "matches")
    assert count(url, "unfinished_copies") == 0
    assert_derived_as_rebuilt(url, "after a copy refused beside it")
    # Its end let the lock go: the copy refused runs now, and adds its world.
    again = copy_command(second, url)
    assert again.exit_code == 0, again.output
    assert count(url, "matches") == count(first, "matches") + count(second, "matches")
    assert_derived_as_rebuilt(url, "the refused copy run again")


def test_a_copy_cut_short_lets_the_lock_go(sources, postgres_cluster, monkeypatch):
    # Its session ends with it (the engine disposed of), and the server drops the lock.
    first, second = sources
    url = postgres_cluster.new_archive()

    def stopped() -> None:
        raise KeyboardInterrupt

    pause(monkeypatch, stopped)
    with pytest.raises(KeyboardInterrupt):
        copy_archive(first, url)
    monkeypatch.undo()
    assert count(url, "matches") > 0 and count(url, "unfinished_copies") == 1
    held = ("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database ="
            " (SELECT oid FROM pg_database WHERE datname = current_database())")  # fmt: skip
    assert rows(url, held) == [(0,)]
    copy_archive(second, url)  # not refused; it counts the copy cut short's rows too
    copy_archive(first, url)
    assert count(url, "unfinished_copies") == 0
    assert_derived_as_rebuilt(url, "after a copy cut short")
