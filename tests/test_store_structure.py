"""The store owns its transactions: checked on the source, not left to a convention.

Only modules of ``grunt_archive/store/`` begin a transaction; the orchestrators
(the sync, the history walk, enrichment, snapshots, verify, reparse) import no
SQL library and never touch a connection; nothing in the store is ``async``,
so a unit of work cannot span an ``await``; and a unit refuses to start inside
another.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from grunt_archive.store import NestedUnitError, open_store
from grunt_archive.store.writer import execute, query

PACKAGE = Path(__file__).resolve().parent.parent / "grunt_archive"
STORE = PACKAGE / "store"
ORCHESTRATORS = ("sync.py", "walk.py", "enrich.py", "snapshots.py", "verify.py", "reparse.py",
                 "guard.py", "runner.py", "film_sync.py")  # fmt: skip
# Opening and migrating the archive happens before any store exists: alembic runs the
# upgrade in a transaction of its own (grunt_archive.db).
OPENER = PACKAGE / "db.py"


def _trees(paths):
    for path in paths:
        yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _calls(tree: ast.AST, name: str) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == name
    ]


def test_no_transaction_begins_outside_the_store():
    outside = [p for p in PACKAGE.rglob("*.py") if STORE not in p.parents and p != OPENER]
    found = [
        f"{path.relative_to(PACKAGE)}:{line}"
        for path, tree in _trees(outside)
        for name in ("begin", "begin_nested", "unit")
        for line in _calls(tree, name)
    ]
    assert found == []


def test_orchestrators_hold_no_connection_and_import_no_sql():
    offenders = []
    for path, tree in _trees(PACKAGE / name for name in ORCHESTRATORS):
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                modules = (
                    [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else [alias.name for alias in node.names]
                )
                for module in modules:
                    if module.split(".")[0] in ("sqlalchemy", "sqlite3", "sqlmodel"):
                        offenders.append(f"{path.name}:{node.lineno} imports {module}")
            if isinstance(node, ast.Attribute) and node.attr in ("connection", "_connection"):
                offenders.append(f"{path.name}:{node.lineno} touches .{node.attr}")
    assert offenders == []


def test_nothing_in_the_store_awaits():
    found = [
        f"{path.name}:{node.lineno}"
        for path, tree in _trees(STORE.rglob("*.py"))
        for node in ast.walk(tree)
        if isinstance(node, ast.AsyncFunctionDef | ast.Await | ast.AsyncWith | ast.AsyncFor)
    ]
    assert found == []


def test_a_unit_of_work_refuses_to_start_inside_another(engine):
    with open_store(engine) as store, store.unit() as connection:
        with pytest.raises(NestedUnitError), store.unit():
            pass
        assert connection.driver.in_transaction


def test_a_unit_of_work_commits_or_rolls_back_whole(engine):
    with open_store(engine) as store:
        with pytest.raises(RuntimeError), store.unit() as connection:
            execute(connection, "INSERT INTO players (player_id, is_bot) VALUES ('xuid(1)', 0)")
            raise RuntimeError("stop")
        with store.unit() as connection:
            assert query(connection, "SELECT count(*) FROM players") == [(0,)]
            execute(connection, "INSERT INTO players (player_id, is_bot) VALUES ('xuid(1)', 0)")
        with store.unit() as connection:
            assert query(connection, "SELECT count(*) FROM players") == [(1,)]
