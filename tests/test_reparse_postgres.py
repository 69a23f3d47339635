"""Reparse of an archive holding two raw copies of each match's stats, on PostgreSQL and SQLite.

A player synced into an archive, then another archive of the same matches copied in
(`copy` keeps the other archive's copy of each document, fetched at another time):
reparse replays both copies of each match, in fetch order, and must rebuild the same
rows on either backend, print nothing but its own lines, and never write a copy's
rows over an earlier copy's keys. On PostgreSQL that error comes halfway through
psycopg's pipeline (`executemany`), which logs "error ignored terminating
<psycopg.Pipeline …>: pipeline aborted" through its logger (``psycopg``; with no
handler, Python's last resort prints it to stderr).
"""

from __future__ import annotations

import copy
import json
import logging

import pytest
from click.testing import CliRunner

from grunt_archive.cli import cli
from grunt_archive.db import archive
from grunt_archive.documents import DERIVED_TABLES, MATCH_STATS
from grunt_archive.errors import MalformedResponseError
from grunt_archive.runner import run_copy
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store import open_store, rebuild
from grunt_archive.store.raw import save_raw
from tests.conftest import FIXTURES
from tests.helpers import (
    MATCH,
    MATCH_DOC,
    MATCH_TABLES,
    assert_derived_as_rebuilt,
    clockless_dump,
    raw,
    rows,
    sync,
    without_batches,
)

STATS_COPIES = "SELECT count(*), count(DISTINCT key) FROM raw_responses WHERE kind = 'match_stats'"
MATCHES = 40
# What a match's stats build: the same before the reparse and after it.
REBUILT = (*MATCH_TABLES, "players", "assets", "medals", "seasons", *DERIVED_TABLES)


@pytest.fixture(scope="module")
def world() -> Simulator:
    return Simulator(SimulatorConfig(seed=21, players=1, matches=MATCHES))


@pytest.fixture(scope="module")
def base(world, tmp_path_factory):
    """Another archive of the same matches, synced at another time (a SQLite file)."""
    db = tmp_path_factory.mktemp("base") / "base.db"
    assert sync(db, world, *world.player_ids, matches_only=True).outcome == "ok"
    return db


def twice_held(world: Simulator, base, location) -> dict[str, list[tuple]]:
    """Sync ``world`` into ``location``, copy ``base`` in: two raw copies of each match."""
    assert sync(location, world, *world.player_ids, matches_only=True).outcome == "ok"
    run_copy(base, location)
    assert rows(location, STATS_COPIES) == [(2 * MATCHES, MATCHES)]
    return clockless_dump(location, REBUILT)


@pytest.fixture
def refused(monkeypatch) -> list[str]:
    """Record every batch of matches the database refused during a reparse."""
    found: list[str] = []
    write = rebuild.write_new_matches

    def recording(connection, batch):
        try:
            write(connection, batch)
        except MalformedResponseError as error:
            found.append(str(error))
            raise

    monkeypatch.setattr(rebuild, "write_new_matches", recording)
    return found


@pytest.mark.slow  # the private PostgreSQL cluster
@pytest.mark.parametrize("batch", [rebuild.BATCH, 8], ids=["one-batch", "across-batches"])
def test_reparse_of_two_copies_of_each_match_is_sqlite_s_rows_and_says_only_its_own(
    world, base, postgres_url, tmp_path, caplog, capfd, monkeypatch, refused, batch
):
    # A small batch puts a match's second copy in a later batch than its first.
    monkeypatch.setattr(rebuild, "BATCH", batch)
    local = tmp_path / "local.db"
    before = twice_held(world, base, postgres_url)
    assert twice_held(world, base, local) == before
    capfd.readouterr()
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        result = CliRunner().invoke(cli, ["reparse", "--db", postgres_url])
    assert result.exit_code == 0, result.output
    assert result.output == f"Rebuilt {MATCHES} matches from raw responses.\n"
    logged = [(r.name, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING]
    assert logged == []
    assert capfd.readouterr() == ("", "")
    result = CliRunner().invoke(cli, ["reparse", "--db", str(local)])
    assert result.exit_code == 0, result.output
    # No copy was written over another's keys, to be refused and written again one by one.
    assert refused == []
    # Every table as SQLite rebuilds it, and what the stats build as it was before.
    # (Which players shared a gamertag request was the syncs' timing: `without_batches`.)
    assert without_batches(clockless_dump(postgres_url)) == without_batches(clockless_dump(local))
    assert clockless_dump(postgres_url, REBUILT) == before
    assert_derived_as_rebuilt(postgres_url, "postgresql")
    assert_derived_as_rebuilt(local, "sqlite")


@pytest.mark.slow  # the private PostgreSQL cluster
def test_a_stored_match_refused_halfway_through_its_rows_is_named_in_our_words_alone(
    postgres_url, caplog, capfd
):
    """A stored match that breaks a key early in a long statement is named in one line.

    psycopg's pipeline aborts the rows queued behind the refused one, and says so through
    its logger, a second line of its own, unless the store filters it out.
    """
    url = postgres_url  # migrated as the raw document is saved
    doc = json.loads((FIXTURES / MATCH_DOC).read_text(encoding="utf-8"))
    first = doc["Players"][0]
    others = [{**copy.deepcopy(first), "PlayerId": f"xuid({2533274900000000 + n})"}
              for n in range(300)]  # fmt: skip
    doc["Players"] = [first, first, *others]  # the second row breaks pk_match_players
    with archive(url) as engine, open_store(engine) as store:
        save_raw(store, raw(MATCH_STATS, MATCH, doc))
    capfd.readouterr()
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        result = CliRunner().invoke(cli, ["reparse", "--db", url])
    assert result.exit_code == 3, result.output
    assert result.stdout == "Rebuilt 0 matches from raw responses.\n"
    assert result.stderr == (
        f"Skipped raw document {MATCH}: it no longer parses; pending, the next sync fetches"
        " it again.\nError: 1 raw document no longer parses, left out of the tables"
        " (1 match now pending for the next sync)\n"
    )
    logged = [(r.name, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING]
    assert logged == []
    assert capfd.readouterr() == ("", "")
