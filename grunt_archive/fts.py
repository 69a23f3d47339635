"""Full-text search over gamertags and asset names, declared as data.

Each index is an FTS5 table with external content (``content="players"``), so
Datasette finds it by itself and shows a search box on ``players`` and
``assets``. Triggers keep an index current as sync inserts, upserts (an
``ON CONFLICT … DO UPDATE`` fires the update trigger) or deletes rows, so a
gamertag looked up by the next sync is searchable at once.

An external-content index refers to its table's ``rowid``: a migration that
rebuilds ``players`` or ``assets`` rebuilds the index too (``INSERT INTO
assets_fts(assets_fts) VALUES ('rebuild')``, as 0007 does). The migration that
creates the indexes keeps its own copy of the SQL; a test checks that the
archive's schema equals ``FTS_SCHEMA``.

PostgreSQL has no FTS5: there the same columns are searched through a GIN index
on their ``tsvector`` (``POSTGRESQL_SEARCH_INDEXES``, the ``simple``
configuration: lower-cased words, no stemming), which PostgreSQL keeps current
by itself, so no trigger is needed. A search uses the indexed expression, e.g.
``to_tsvector('simple', coalesce(gamertag, '')) @@ to_tsquery('simple', 'wolf:*')``.
"""

from __future__ import annotations

# index name → (table, indexed columns)
FTS_INDEXES: dict[str, tuple[str, tuple[str, ...]]] = {
    "players_fts": ("players", ("gamertag",)),
    "assets_fts": ("assets", ("public_name", "description")),
}


def _schema(index: str, table: str, columns: tuple[str, ...]) -> dict[str, str]:
    """Return the CREATE statements of one index and its three triggers, by name."""
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns)
    insert = f"INSERT INTO {index}(rowid, {names})\n    VALUES (new.rowid, {new});"
    delete = (
        f"INSERT INTO {index}({index}, rowid, {names})\n    VALUES ('delete', old.rowid, {old});"
    )
    return {
        index: (
            f"CREATE VIRTUAL TABLE {index} USING fts5(\n    {names},\n"
            f'    content="{table}",\n    tokenize="unicode61 remove_diacritics 2"\n)'
        ),
        f"{index}_ai": f"CREATE TRIGGER {index}_ai AFTER INSERT ON {table}\nBEGIN\n  {insert}\nEND",
        f"{index}_ad": f"CREATE TRIGGER {index}_ad AFTER DELETE ON {table}\nBEGIN\n  {delete}\nEND",
        # Only a change of an indexed column needs the index touched: an UPDATE that sets
        # one to what it was (a gamertag looked up again) fires the trigger all the same.
        f"{index}_au": (
            f"CREATE TRIGGER {index}_au\nAFTER UPDATE OF {names} ON {table}\nWHEN {changed}\n"
            f"BEGIN\n  {delete}\n  {insert}\nEND"
        ),
    }


FTS_SCHEMA: dict[str, str] = {
    name: sql
    for index, (table, columns) in FTS_INDEXES.items()
    for name, sql in _schema(index, table, columns).items()
}


def _tsvector(columns: tuple[str, ...]) -> str:
    text = " || ' ' || ".join(f"coalesce({c}, '')" for c in columns)
    return f"to_tsvector('simple', {text})"


# index name → CREATE INDEX, for PostgreSQL archives (the same names as the FTS5 tables).
POSTGRESQL_SEARCH_INDEXES: dict[str, str] = {
    index: f"CREATE INDEX {index} ON {table} USING gin ({_tsvector(columns)})"
    for index, (table, columns) in FTS_INDEXES.items()
}


def search_expression(index: str) -> str:
    """Return the ``tsvector`` expression a PostgreSQL search index covers (for ``@@``)."""
    return _tsvector(FTS_INDEXES[index][1])


def is_fts_table(name: str) -> bool:
    """Say whether ``name`` is an index or one of the shadow tables FTS5 creates for it.

    Alembic's autogenerate sees these tables but no model declares them;
    ``migrations/env.py`` and the schema test leave them out of the comparison.
    """
    return any(name == index or name.startswith(f"{index}_") for index in FTS_INDEXES)
