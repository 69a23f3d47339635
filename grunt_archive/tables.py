"""What the store needs to know of the tables, as data: no SQLAlchemy, no sqlmodel.

The row writer checks every row's fields against its table's columns, the
PostgreSQL dialect turns 0/1 into booleans where a column is BOOLEAN, and
``reparse`` and ``copy`` need the tables in foreign-key order. All of that
comes from the models (``grunt_archive/models``), but importing SQLModel and
some seventy model classes costs about a second of every process, the floor of
a nightly sync that finds nothing new. So it is read from
``schema/tables.json``, which ``python -m grunt_archive.schema_file`` writes
from the models with ``schema/sqlite.sql``; ``tests/test_migrations.py`` fails
when it differs from the models.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the models' metadata, only when the file is written
    from sqlalchemy import MetaData

TABLES_FILE = Path(__file__).resolve().parent / "schema" / "tables.json"

_tables = json.loads(TABLES_FILE.read_text(encoding="utf-8"))

# Each table's columns, in the models' order of declaration.
COLUMN_ORDER: Mapping[str, tuple[str, ...]] = {
    name: tuple(table["columns"]) for name, table in _tables["tables"].items()
}
COLUMNS: Mapping[str, frozenset[str]] = {
    name: frozenset(columns) for name, columns in COLUMN_ORDER.items()
}
PRIMARY_KEYS: Mapping[str, tuple[str, ...]] = {
    name: tuple(table["primary_key"]) for name, table in _tables["tables"].items()
}
BOOLEAN_COLUMNS: Mapping[str, frozenset[str]] = {
    name: frozenset(table["booleans"]) for name, table in _tables["tables"].items()
}
INTEGER_COLUMNS: Mapping[str, frozenset[str]] = {
    name: frozenset(table["integers"]) for name, table in _tables["tables"].items()
}
# Every column that holds a number (INTEGER, BOOLEAN, REAL): text there is no number.
NUMBER_COLUMNS: Mapping[str, frozenset[str]] = {
    name: frozenset(table["integers"]) | frozenset(table["booleans"]) | frozenset(table["reals"])
    for name, table in _tables["tables"].items()
}
# Parents before the tables that name them (SQLAlchemy's ``sorted_tables``).
DEPENDENCY_ORDER: tuple[str, ...] = tuple(_tables["order"])


def describe(metadata: MetaData) -> dict[str, object]:
    """Return what ``tables.json`` holds for SQLAlchemy ``metadata`` (the models')."""
    from sqlalchemy import Boolean, Float, Integer, Numeric

    return {
        "tables": {
            name: {
                "columns": [column.name for column in table.columns],
                "primary_key": [column.name for column in table.primary_key],
                "booleans": sorted(c.name for c in table.columns if isinstance(c.type, Boolean)),
                # Boolean is not an Integer in SQLAlchemy's tree: the two never overlap.
                "integers": sorted(c.name for c in table.columns if isinstance(c.type, Integer)),
                "reals": sorted(
                    c.name for c in table.columns if isinstance(c.type, Float | Numeric)
                ),
            }
            for name, table in sorted(metadata.tables.items())
        },
        "order": [table.name for table in metadata.sorted_tables],
    }
