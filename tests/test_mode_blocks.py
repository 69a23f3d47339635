"""The mode-block declaration: every block has its three tables, and they are what it declares."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import Float, Integer

from grunt_archive import models
from grunt_archive.models import MODE_TABLES, metadata
from grunt_archive.normalize import mode_blocks
from grunt_archive.normalize.match import match_rows
from grunt_archive.normalize.mode_blocks import MISSING_FORMS, MODE_BLOCKS, Form, forms
from grunt_archive.normalize.service_record import service_record_rows
from tests.conftest import FIXTURES, load_json, sample_paths

KEYS = {
    Form.PLAYER: ["match_id", "player_id", "team_id"],
    Form.TEAM: ["match_id", "team_id"],
    Form.SERVICE_RECORD: ["player_id", "scope", "taken_at"],
}
DECLARED = {block.table(form): (block, form) for block in MODE_BLOCKS for form in forms(block)}


def test_every_block_has_all_three_forms_or_says_why_not():
    for block in MODE_BLOCKS:
        for form in Form:
            reason = MISSING_FORMS.get((block.name, form), "")
            assert (block.table(form) in metadata.tables) != bool(reason.strip()), (
                f"{block.name} in the {form.name} form: a table, or a reason in MISSING_FORMS"
            )
    names = {block.name for block in MODE_BLOCKS}
    assert {name for name, _ in MISSING_FORMS} <= names
    assert len(names) == len(MODE_BLOCKS)


def test_every_mode_table_in_the_models_is_declared():
    # A block table written out by hand in models would escape the declaration.
    stats_tables = {name for name in metadata.tables if name.endswith("_stats")}
    assert stats_tables == set(DECLARED) == set(MODE_TABLES)


@pytest.mark.parametrize("table_name", sorted(DECLARED))
def test_a_generated_table_equals_its_declaration(table_name):
    block, form = DECLARED[table_name]
    table = metadata.tables[table_name]
    fields = block.fields_of(form)
    assert [c.name for c in table.columns] == [f.column for f in fields] + KEYS[form]
    for field in fields:
        column = table.columns[field.column]
        assert isinstance(column.type, Integer if field.type is int else Float), field.column
        assert column.nullable and not column.primary_key and column.default is None
    assert [c.name for c in table.primary_key.columns] == KEYS[form]
    assert all(not table.columns[key].nullable for key in KEYS[form])
    referred = {fk.parent.name: fk.target_fullname for fk in table.foreign_keys}
    player_key = {"player_id": "players.player_id"}
    match_key = {"match_id": "matches.match_id"}
    assert (
        referred
        == {
            Form.PLAYER: {**match_key, **player_key},
            Form.TEAM: match_key,
            Form.SERVICE_RECORD: player_key,
        }[form]
    )
    assert not table.indexes


def test_fields_follow_the_naming_rule():
    for block in MODE_BLOCKS:
        for form in forms(block):
            columns = [f.column for f in block.fields_of(form)]
            assert len(columns) == len(set(columns)), block.name
            for field in block.fields_of(form):
                suffix = "_seconds" if field.is_duration else ""
                assert field.column == mode_blocks.snake_case(field.source) + suffix
                if field.is_duration:
                    assert field.type is float, field.source


def _block_columns(rows: dict[str, list[dict]]) -> dict[str, set[str]]:
    return {
        table: {column for row in table_rows for column in row}
        for table, table_rows in rows.items()
        if table in DECLARED
    }


def _declared_columns(table: str) -> set[str]:
    block, form = DECLARED[table]
    return {f.column for f in block.fields_of(form)} | set(KEYS[form])


@pytest.mark.parametrize(
    "path",
    [*sorted(FIXTURES.glob("match_*.json")), *sample_paths("spnkr__get_match_stats*.json")],
    ids=lambda path: path.stem,
)
def test_real_match_blocks_are_exactly_declared(path: Path):
    # The declaration names the fields the API sends: a misspelt source would leave a
    # declared column empty and send the real field to drift.
    found = _block_columns(match_rows(load_json(path)))
    assert found, "a match stats sample with no mode block"
    for table, columns in found.items():
        assert columns == _declared_columns(table), table


@pytest.mark.parametrize(
    "path",
    [
        *sorted(FIXTURES.glob("service_record_*.json")),
        *sample_paths("spnkr__get_service_record*.json"),
    ],
    ids=lambda path: path.stem,
)
def test_real_service_record_blocks_are_exactly_declared(path: Path):
    rows = service_record_rows(load_json(path), "xuid(1)", "matchmade")
    for table_rows in rows.values():
        for row in table_rows:
            row["taken_at"] = "2025-01-01T00:00:00.000Z"  # the store adds it
    for table, columns in _block_columns(rows).items():
        assert columns == _declared_columns(table), table


def test_the_declaration_imports_no_sql():
    # normalize reads the declaration, so it must stay as pure as normalize itself.
    tree = ast.parse(Path(mode_blocks.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    outside = {name for name in imported if not name.startswith("grunt_archive.normalize.")}
    assert outside <= {"__future__", "dataclasses", "enum"}


def test_every_table_has_a_model_importable_from_the_package():
    exported = [getattr(models, name) for name in models.__all__]
    tables = {model.__table__.name for model in exported if hasattr(model, "__table__")}
    assert {name: model.__table__.name for name, model in MODE_TABLES.items()} == {
        name: name for name in MODE_TABLES
    }
    assert tables | set(MODE_TABLES) == set(metadata.tables)
    assert len(models.__all__) == len(set(models.__all__))
