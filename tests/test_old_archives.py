"""Archives written by older releases, upgraded by today's code: nothing lost, nothing changed.

Each fixture in tests/fixtures/old_archives is what an older release's own ``sync``
wrote against that release's own simulator (its README names the commit and the
command): matches, raw documents, a pending match, lookups, films, snapshots, runs
(one of them killed halfway); four SQLite files and one PostgreSQL dump (that case is
slow). Each is upgraded here through the CLI's ``db upgrade`` and then read, reparsed,
browsed (a PostgreSQL one through a ``copy`` into SQLite) and queried with today's code;
a fresh copy is opened by today's ``sync`` itself, as a nightly job's first run after an
upgrade does, and verified. Before any upgrade, ``query`` says the archive is older.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import shutil
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from click.testing import CliRunner

from grunt_archive import rawbody, revisions
from grunt_archive.cli import cli as command
from grunt_archive.documents import ARCHIVE_STATE, FILM_CHUNK
from grunt_archive.jsonsafe import loads
from grunt_archive.models import metadata
from grunt_archive.query import run_query
from grunt_archive.runner import run_copy, run_reparse, run_verify
from grunt_archive.simulator import Simulator, SimulatorConfig
from tests import helpers
from tests.conftest import FIXTURES
from tests.helpers import viewer
from tests.postgres import Cluster

Location = Path | str  # an archive file, or a PostgreSQL URL

OLD = FIXTURES / "old_archives"
# What each fixture held, read with sqlite3 before any upgrade (the fixture's README
# says how it was made). An upgrade may add rows (new tables, reference rows), never
# lose one; these guard the fixtures too: a fixture made again with less in it fails.
HELD = {
    "0001": {"matches": 10, "match_players": 82, "match_teams": 18, "medal_awards": 436,
             "raw_responses": 14, "pending_matches": 1, "tracked_players": 2, "sync_runs": 3,
             "players": 66},
    "0008": {"matches": 9, "match_players": 78, "match_teams": 18, "medal_awards": 357,
             "raw_responses": 78, "pending_matches": 1, "tracked_players": 2, "sync_runs": 2,
             "players": 63, "match_skill": 57, "service_record_snapshots": 8, "assets": 23,
             "medals": 43, "seasons": 19, "api_drift": 10, "player_matches": 14},
    "0015": {"matches": 6, "match_players": 57, "match_teams": 12, "medal_awards": 216,
             "raw_responses": 66, "pending_matches": 1, "tracked_players": 2, "sync_runs": 2,
             "players": 48, "films": 6, "film_events": 1162, "kills": 361, "match_skill": 41,
             "service_record_snapshots": 8, "assets": 14, "medals": 43, "seasons": 19,
             "api_drift": 15, "player_matches": 10, "expired_films": 1},
    "0022": {"matches": 6, "match_players": 57, "match_teams": 12, "medal_awards": 277,
             "raw_responses": 66, "pending_matches": 1, "tracked_players": 2, "sync_runs": 3,
             "players": 47, "films": 6, "film_events": 1264, "kills": 386, "match_skill": 41,
             "service_record_snapshots": 8, "assets": 14, "medals": 49, "seasons": 19,
             "api_drift": 15, "player_matches": 10, "expired_films": 1},
    "0018-postgresql": {"matches": 6, "match_players": 57, "match_teams": 12,
             "medal_awards": 216, "raw_responses": 68, "pending_matches": 2,
             "tracked_players": 2, "sync_runs": 3, "players": 48, "films": 6,
             "film_events": 1162, "kills": 361, "match_skill": 41, "service_record_snapshots": 8,
             "assets": 14, "medals": 43, "seasons": 19, "api_drift": 15, "player_matches": 10,
             "expired_films": 1},
}  # fmt: skip
# The fixtures whose release wrote a run's row before make.sh killed it (left `running`).
KILLED = {"0001", "0022", "0018-postgresql"}
# Rows an upgrade must carry over unchanged, compared on the columns both releases have.
# (Migrations that mean to change a value, such as 0023's unranked CSR, touch none of these
# but 0028, which names a film that was read ``read`` as INTERFACE.md does: RENAMED.)
KEPT = ("matches", "match_teams", "match_players", "medal_awards", "pending_matches",
        "tracked_players", "players", "films", "film_events", "kills", "expired_films",
        "service_record_snapshots", "seasons")  # fmt: skip
# Values an upgrade renames on purpose: (table, column) -> {old value: new value}.
RENAMED = {("films", "status"): {"archived": "read"}}
# The world each fixture's release simulated (make.sh): today's simulator of the same
# seed has the same players, so a later sync walks their histories.
WORLD = {"seed": 5, "players": 2, "matches": 8}
DOCUMENT_TABLES = sorted(set(metadata.tables) - ARCHIVE_STATE)


def unpack(name: str, into: Path, cluster: Cluster | None = None) -> Location:
    """Return a fresh copy of the archive ``name`` (a release), as that release left it.

    A PostgreSQL fixture is a plain ``pg_dump``, loaded into a new database of ``cluster``
    (without its psql-only lines: psycopg runs the rest as one script).
    """
    if name.endswith("-postgresql"):
        assert cluster is not None
        with gzip.open(OLD / f"release-{name}.sql.gz", "rt", encoding="utf-8") as packed:
            script = "".join(line for line in packed if not line.startswith("\\"))
        url = cluster.new_database()
        with closing(psycopg.connect(url, autocommit=True)) as server:
            server.execute(script)  # type: ignore[call-overload]
        return url
    db = into / f"release-{name}.db"
    with gzip.open(OLD / f"release-{name}.db.gz") as packed, db.open("wb") as out:
        shutil.copyfileobj(packed, out)
    return db


def tables_of(db: Location) -> dict[str, list[str]]:
    """Each table of the archive with its columns (full-text search tables left out)."""
    if helpers.is_server(db):
        found = helpers.rows(db, "SELECT table_name, column_name FROM information_schema.columns"
                             " WHERE table_schema = 'public' ORDER BY ordinal_position")  # fmt: skip
        views = {r[0] for r in helpers.rows(db, "SELECT table_name FROM information_schema.views")}
    else:
        found = helpers.rows(db, "SELECT m.name, c.name FROM sqlite_master AS m,"
                             " pragma_table_info(m.name) AS c WHERE m.type = 'table'"
                             " AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, c.cid")  # fmt: skip
        views = set()
    tables: dict[str, list[str]] = {}
    for table, column in found:
        if table not in views and "fts" not in table:
            tables.setdefault(table, []).append(column)
    return tables


def counts(db: Location) -> dict[str, int]:
    return {name: helpers.count(db, name) for name in tables_of(db)}


def bodies(db: Location) -> dict[tuple[str, str, str], str | bytes]:
    """Every raw document as the service sent it, by (kind, key, fetched_at)."""
    columns = tables_of(db)["raw_responses"]
    encoding = "encoding" if "encoding" in columns else "NULL"
    found = helpers.rows(db, f"SELECT kind, key, fetched_at, body, {encoding} FROM raw_responses")
    kept = {(kind, key, at): rawbody.decode(body, enc) for kind, key, at, body, enc in found}
    assert len(kept) == len(found), "two raw documents of one kind, key and moment"
    return kept


def upgrade(db: Location, release: str) -> None:
    result = CliRunner().invoke(command, ["db", "upgrade", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert f"(was {release[:4]})" in result.output, result.output


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(name, marks=[pytest.mark.slow] if name.endswith("-postgresql") else [])
        for name in HELD
    ],
)
def upgraded(request, tmp_path_factory) -> tuple[str, Location, Location]:
    """An old release's archive (untouched) and an upgraded copy of it."""
    release = request.param
    server = request.getfixturevalue("postgres_cluster") if "postgresql" in release else None
    where = tmp_path_factory.mktemp(f"old-{release}")
    before = unpack(release, where, server)
    (where / "now").mkdir()
    after = unpack(release, where / "now", server)
    upgrade(after, release)
    return release, before, after


def working_copy(release: str, after: Location, tmp_path: Path, request) -> Location:
    """Return a copy of the upgraded archive ``after`` for a test that writes to it."""
    if helpers.is_server(after):  # the dump loaded and upgraded again: a database of its own
        copy = unpack(release, tmp_path, request.getfixturevalue("postgres_cluster"))
        upgrade(copy, release)
        return copy
    copy = tmp_path / "copy.db"
    shutil.copy(after, copy)
    return copy


def test_each_fixture_is_the_release_it_names_and_holds_what_it_held(upgraded):
    release, before, _ = upgraded
    assert helpers.value(before, "SELECT version_num FROM alembic_version") == release[:4]
    held = counts(before)
    assert {table: held[table] for table in HELD[release]} == HELD[release]
    running = helpers.value(before, "SELECT count(*) FROM sync_runs WHERE outcome = 'running'")
    assert running == (release in KILLED)


def test_the_upgrade_loses_no_row(upgraded):
    release, before, after = upgraded
    now = counts(after)
    lost = {t: (n, now.get(t)) for t, n in counts(before).items() if now.get(t, 0) < n}
    assert lost == {}, f"rows lost by the upgrade from {release}: {lost}"
    assert helpers.value(after, "SELECT version_num FROM alembic_version") == revisions.head()


def renamed(table: str, columns: list[str], dumped: list) -> list:
    """Return the rows ``dumped`` of ``table`` with the values an upgrade renames renamed."""
    renames = {i: RENAMED[table, c] for i, c in enumerate(columns) if (table, c) in RENAMED}
    return sorted(
        (
            tuple(renames[i].get(v, v) if i in renames else v for i, v in enumerate(row))
            for row in dumped
        ),
        key=repr,
    )


def test_the_upgrade_changes_no_kept_row(upgraded):
    _, before, after = upgraded
    old, new = tables_of(before), tables_of(after)
    compared = 0
    for table in (t for t in KEPT if t in old):
        columns = [c for c in old[table] if c in new[table]]
        shared = ", ".join(f'"{c}"' for c in columns)
        was = renamed(table, columns, helpers.dump(before, [table], {table: shared})[table])
        assert helpers.dump(after, [table], {table: shared})[table] == was, table
        compared += len(was)
    assert compared > 0


def test_a_film_the_old_release_read_is_read_as_the_contract_names_it(upgraded):
    _, before, after = upgraded
    if "films" not in tables_of(before):
        pytest.skip("a release before films")
    statuses = "SELECT match_id, status FROM films ORDER BY match_id"
    was = helpers.rows(before, statuses)
    assert "archived" in {s for _, s in was}, "the fixture holds no film it read"
    assert helpers.rows(after, statuses) == [(m, "read" if s == "archived" else s) for m, s in was]


def test_every_raw_document_comes_through_byte_for_byte_and_parses(upgraded):
    _, before, after = upgraded
    was, now = bodies(before), bodies(after)
    assert now == was
    for (kind, key, _), body in now.items():
        if kind == FILM_CHUNK.name:
            assert isinstance(body, bytes) and body, key
        else:
            loads(body)  # raises on a body that no longer parses


def test_runs_the_old_release_recorded_are_all_still_there(upgraded):
    _, before, after = upgraded
    shared = "id, started_at, outcome, requests, pending"
    assert helpers.rows(after, f"SELECT {shared} FROM sync_runs ORDER BY id") == helpers.rows(
        before, f"SELECT {shared} FROM sync_runs ORDER BY id"
    )


def test_reparse_after_the_upgrade_changes_no_row(upgraded, tmp_path, request):
    release, _, after = upgraded
    copy = working_copy(release, after, tmp_path, request)
    was = helpers.dump(copy, [*DOCUMENT_TABLES, "api_drift"])
    matches = len(was["matches"])
    rebuilt, broken, lost = run_reparse(copy)
    assert (rebuilt, broken, lost) == (matches, [], [])
    now = helpers.dump(copy, [*DOCUMENT_TABLES, "api_drift"])
    assert [t for t in DOCUMENT_TABLES if now[t] != was[t]] == []
    # Drift is archive state: a replay may find a field new to it (0008 knew no service
    # record mode block the simulator sends) but counts none it had counted again.
    assert set(was["api_drift"]) <= set(now["api_drift"])
    assert release == "0008" or now["api_drift"] == was["api_drift"]


def get(db: Path, path: str):
    return asyncio.run(viewer(db).client.get(path))  # one Datasette a file: many pages


def test_the_viewer_shows_every_player_and_match_of_the_old_archive(upgraded, tmp_path):
    _, _, upgraded_archive = upgraded
    after = upgraded_archive
    if helpers.is_server(upgraded_archive):  # Datasette reads SQLite: a community copies
        after = tmp_path / "viewer.db"
        run_copy(upgraded_archive, after)
    home = get(after, "/")
    assert home.status_code == 200, home.text[:300]
    for (player_id,) in helpers.rows(after, "SELECT player_id FROM tracked_players"):
        page = get(after, f"/player/{quote(player_id)}.json")
        assert page.status_code == 200, page.text[:300]
        theirs = helpers.value(
            after,
            "SELECT count(DISTINCT match_id) FROM match_players WHERE player_id = ?",
            player_id,
        )
        assert page.json()["summary"]["all"]["matches"] == theirs > 0
        assert get(after, f"/player/{quote(player_id)}").status_code == 200
    for (match_id,) in helpers.rows(after, "SELECT match_id FROM matches"):
        page = get(after, f"/match/{match_id}.json")
        assert page.status_code == 200, page.text[:300]
        assert page.json()["match_id"] == match_id
        assert get(after, f"/match/{match_id}").status_code == 200


def test_query_reads_the_upgraded_archive(upgraded):
    _, before, after = upgraded
    out = io.StringIO()
    assert run_query(after, "SELECT count(*) AS n FROM matches", out) == 1
    assert out.getvalue().split() == ["n", str(helpers.count(before, "matches"))]


def test_query_on_an_archive_not_yet_upgraded_says_to_upgrade_it(upgraded):
    release, before, after = upgraded
    was = counts(before)
    # The tables every release had read as they are; a newer one is the archive's age.
    found = CliRunner().invoke(
        command, ["query", "--db", str(before), "SELECT count(*) AS n FROM matches"]
    )
    assert (found.exit_code, found.output.split()) == (0, ["n", str(was["matches"])])
    newer = CliRunner().invoke(
        command, ["query", "--db", str(before), "SELECT * FROM player_totals"]
    )
    assert newer.exit_code == (0 if "player_totals" in was else 6), newer.output
    if newer.exit_code:
        assert f"is at revision {release[:4]}, older than this grunt-archive" in newer.output
        assert "run `grunt-archive db upgrade` first" in newer.output
        assert newer.output.count("\n") == 1 and "bad SQL" not in newer.output
    # Once upgraded, a table no revision has is the SQL's fault again.
    bad = CliRunner().invoke(command, ["query", "--db", str(after), "SELECT * FROM nosuch"])
    assert bad.exit_code == 2 and "bad SQL: " in bad.output, bad.output
    assert counts(before) == was  # query never migrates


def assert_refused_as_older(found, release: str, before, was: dict) -> None:
    """Exit 6 in one line saying to upgrade, and the archive left at its revision, unchanged."""
    assert found.exit_code == 6, found.output
    assert f"is at revision {release[:4]}, older than this grunt-archive" in found.output
    assert "run `grunt-archive db upgrade` first" in found.output
    assert found.output.count("\n") == 1 and "Traceback" not in found.output
    assert helpers.value(before, "SELECT version_num FROM alembic_version") == release[:4]
    assert counts(before) == was


def test_pending_on_an_archive_not_yet_upgraded_says_to_upgrade_it_and_writes_nothing(upgraded):
    # Listing only reads: it must neither migrate the archive nor read it at an old revision.
    release, before, after = upgraded
    was = counts(before)
    found = CliRunner().invoke(command, ["pending", "--db", str(before)])
    assert_refused_as_older(found, release, before, was)
    listed = CliRunner().invoke(command, ["pending", "--db", str(after)])
    waiting = helpers.value(after, "SELECT count(*) FROM pending_matches WHERE given_up_at IS NULL")
    assert listed.exit_code == (3 if waiting else 0), listed.output  # 3: matches still pending
    assert listed.output.startswith(f"Pending matches: {waiting}\n"), listed.output


def test_copy_of_an_archive_not_yet_upgraded_says_to_upgrade_it_and_writes_nothing(
    upgraded, tmp_path
):
    # A copy writes nothing to its source: a sync may be writing it, and it is not the
    # copy's to migrate (it took no writer lock on it).
    release, before, _ = upgraded
    was = counts(before)
    target = tmp_path / "copied.db"
    found = CliRunner().invoke(command, ["copy", "--db", str(before), "--to", str(target)])
    assert_refused_as_older(found, release, before, was)
    assert not target.exists()


def test_a_sync_opens_the_old_archive_itself_and_verify_carries_on(upgraded, tmp_path, request):
    release, before, _ = upgraded
    # The first newer sync of a nightly job migrates the archive itself: no `db upgrade`.
    cluster = request.getfixturevalue("postgres_cluster") if helpers.is_server(before) else None
    db = unpack(release, tmp_path, cluster)
    sim = Simulator(SimulatorConfig(**WORLD))
    tracked = {r[0] for r in helpers.rows(before, "SELECT player_id FROM tracked_players")}
    assert tracked == set(sim.player_ids)
    report = helpers.sync(db, sim, clearance="clearance-id")
    assert report.outcome in ("ok", "partial"), report
    assert helpers.value(db, "SELECT version_num FROM alembic_version") == revisions.head()
    old_matches = {r[0] for r in helpers.rows(before, "SELECT match_id FROM matches")}
    now = {r[0] for r in helpers.rows(db, "SELECT match_id FROM matches")}
    assert old_matches <= now
    assert {m for p in sim.player_ids for m in sim.history(p)} <= now
    # A match the old release left pending is still pending or archived now, never lost.
    for (match_id,) in helpers.rows(before, "SELECT match_id FROM pending_matches"):
        assert match_id in now or helpers.value(
            db, "SELECT count(*) FROM pending_matches WHERE match_id = ?", match_id
        ), match_id
    # The run a kill cut short is settled: interrupted, with the matches it had saved
    # (unknown on PostgreSQL, where other workers may have saved some meanwhile, for a run
    # of a release that did not count its own as it stored them).
    runs = helpers.rows(db, "SELECT id, outcome, matches_added FROM sync_runs ORDER BY id")
    assert len(runs) == helpers.count(before, "sync_runs") + 1
    assert all(outcome != "running" for _, outcome, _ in runs)
    for run_id, saved in helpers.rows(
        before,
        "SELECT id, (SELECT count(*) FROM raw_responses WHERE kind = 'match_stats'"
        " AND fetched_at >= started_at) FROM sync_runs WHERE outcome = 'running'",
    ):
        assert (run_id, "interrupted", None if helpers.is_server(db) else saved) in runs
    checks = run_verify(db, helpers.settings(sim.app, "clearance-id"))
    assert {check.player_id for check in checks} == tracked
    # Every match the service counts is archived or pending: the old rows count with the new.
    assert all(check.complete for check in checks), checks
    assert all(check.gamertag for check in checks), checks


def test_status_on_an_archive_not_yet_upgraded_says_to_upgrade_it_and_writes_nothing(upgraded):
    release, before, after = upgraded
    was = counts(before)
    found = CliRunner().invoke(command, ["status", "--db", str(before)])
    assert_refused_as_older(found, release, before, was)
    shown = CliRunner().invoke(command, ["status", "--db", str(after), "--json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["matches"] == helpers.value(after, "SELECT count(*) FROM matches")
    tracked = helpers.value(after, "SELECT count(*) FROM tracked_players")
    assert len(data["players"]) == tracked
