"""The registry of document kinds: every table has an owner, every key one spelling."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from grunt_archive.documents import (
    ARCHIVE_STATE,
    DERIVED_TABLES,
    KINDS,
    Keep,
    kinds_writing,
    rebuilt_tables,
    replayed_kinds,
)
from grunt_archive.models import metadata
from grunt_archive.store import raw
from grunt_archive.store.rebuild import WRITER_MODULES, cleared_tables

PACKAGE = Path(__file__).resolve().parent.parent / "grunt_archive"

KEYS = {
    "match_history": (("xuid(1)", 25), "xuid(1)?start=25"),
    "match_stats": (("0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b",),
                    "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"),
    "match_skill": (("m",), "m"),
    "asset": (("map", "a", "v"), "map:a:v"),
    "medal_metadata": (("/hi/Waypoint/file/medals/metadata.json",),
                       "/hi/Waypoint/file/medals/metadata.json"),
    "season_calendar": (("/hi/calendar.json",), "/hi/calendar.json"),
    "profile_users": ((["1", "2"],), "1,2"),
    "service_record": (("xuid(1)", "matchmade?seasonid=S"), "xuid(1) matchmade?seasonid=S"),
    "playlist_csr": (("xuid(1)", "p"), "xuid(1) p"),
    "asset_stats": (("map", "a"), "map:a"),
    "film_manifest": (("m",), "m"),
    "film_chunk": (("m",), "m"),
}  # fmt: skip


def test_every_table_belongs_to_a_kind_or_is_declared_archive_state():
    tables = set(metadata.tables)
    unclaimed = {t for t in tables if not kinds_writing(t)} - ARCHIVE_STATE - set(DERIVED_TABLES)
    assert unclaimed == set(), f"tables no document kind writes, nor declared state: {unclaimed}"
    assert tables >= ARCHIVE_STATE and set(DERIVED_TABLES) <= tables
    claimed_state = {t for t in ARCHIVE_STATE | set(DERIVED_TABLES) if kinds_writing(t)}
    assert claimed_state == set()
    # Every kind that writes rows names tables the models have.
    for kind in KINDS.values():
        assert set(kind.tables) <= tables, kind.name


def test_the_check_would_catch_a_table_nobody_claims():
    # A table added to the models and to no kind is what the test above must refuse.
    assert kinds_writing("career_rank_snapshots") == []
    assert "career_rank_snapshots" not in ARCHIVE_STATE


def test_each_kind_has_one_name_and_a_key_that_round_trips():
    assert set(KEYS) == set(KINDS)
    for name, (parts, key) in KEYS.items():
        kind = KINDS[name]
        assert kind.name == name
        assert kind.key_of(*parts) == key
        assert kind.key.build(*kind.key.parse(key)) == key if name != "profile_users" else True
    assert KINDS["profile_users"].key.parse("1,2") == ("1", "2")


def test_every_replayed_kind_has_a_store_writer_and_its_tables_are_rebuilt():
    assert WRITER_MODULES  # importing them registers the writers
    replayed = replayed_kinds()
    assert [k.stage for k in replayed] == sorted(k.stage or 0 for k in replayed)
    cleared = set(cleared_tables())
    for kind in replayed:
        assert raw.writer_of(kind) is not None
        assert any(kind.writes(t) for t in metadata.tables), kind.name
    for kind in KINDS.values():
        if kind.stage is None:
            assert kind.keep is not Keep.CHANGES, kind.name
    # players are written by profile answers too, which are never replayed: never emptied.
    assert "players" not in cleared and "players" not in rebuilt_tables(["players"])
    assert not cleared & ARCHIVE_STATE
    assert set(DERIVED_TABLES) <= cleared


def test_a_kind_without_a_writer_is_named():
    with pytest.raises(LookupError, match="match_history"):
        raw.writer_of(KINDS["match_history"])


# A key spelt by hand: the formats the registry declares, written again elsewhere.
SPELT_KEYS = re.compile(r"""\?start=|f"\{player_id\} \{|\{kind\}:\{asset_id\}""")


def test_no_module_but_the_registry_spells_a_kind_or_a_key():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "documents.py" or "simulator" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for kind in KINDS:
            # A kind's name in quotes is its raw_responses.kind spelt again (unless it
            # is also the name of a table, as `match_skill` is).
            if kind not in metadata.tables and re.search(rf"""["']{kind}["']""", text):
                offenders.append(f"{path.name}: {kind!r}")
        if SPELT_KEYS.search(text):
            offenders.append(f"{path.name}: a raw key spelt by hand")
    assert offenders == []


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_registry_imports_no_sql_or_http_library_even_indirectly():
    seen: set[str] = set()
    todo = ["grunt_archive.documents"]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo += [m for m in _imports_of(module) if m.startswith("grunt_archive.")]
    assert "grunt_archive.normalize" in seen  # the walk follows the package's own imports
    libraries = {m.split(".")[0] for m in set().union(*(_imports_of(m) for m in seen))}
    assert not libraries & {"sqlalchemy", "sqlmodel", "sqlite3", "alembic", "httpx", "datasette"}


def _imports_of(module: str) -> set[str]:
    relative = Path(*module.split(".")[1:])
    path = PACKAGE / relative.with_suffix(".py")
    return _imports(path if path.exists() else PACKAGE / relative / "__init__.py")
