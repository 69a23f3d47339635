"""search triggers on a change: a gamertag looked up again and unchanged leaves the index be

The update triggers of the SQLite search indexes (``players_fts``, ``assets_fts``) fired
on every UPDATE that set an indexed column, changed or not: each gamertag a sync looked up
again, and each asset name, deleted its entry from the index and wrote it back, and the
index's segments grew and merged for nothing. They now fire only when a value changed
(``WHEN old.x IS NOT new.x``). The indexes themselves are unchanged. PostgreSQL searches
through expression indexes it keeps itself: nothing to do there.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-03 05:00:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0036"
down_revision: str | Sequence[str] | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen: each index, its table and indexed columns (grunt_archive.fts at this revision).
INDEXES = {
    "players_fts": ("players", ("gamertag",)),
    "assets_fts": ("assets", ("public_name", "description")),
}


def trigger(index: str, on_change: bool) -> str:
    """Return the CREATE TRIGGER of ``index``'s update trigger, with or without its WHEN."""
    table, columns = INDEXES[index]
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    when = "WHEN " + " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns) + "\n"
    return (
        f"CREATE TRIGGER {index}_au\nAFTER UPDATE OF {names} ON {table}\n"
        f"{when if on_change else ''}BEGIN\n"
        f"  INSERT INTO {index}({index}, rowid, {names})\n"
        f"    VALUES ('delete', old.rowid, {old});\n"
        f"  INSERT INTO {index}(rowid, {names})\n    VALUES (new.rowid, {new});\nEND"
    )


def _replace(on_change: bool) -> None:
    if op.get_context().dialect.name != "sqlite":
        return
    for index in INDEXES:
        op.execute(f"DROP TRIGGER IF EXISTS {index}_au")
        op.execute(trigger(index, on_change))


def upgrade() -> None:
    """Make each update trigger fire only when an indexed value changed."""
    _replace(on_change=True)


def downgrade() -> None:
    """Give back the triggers that fired on every update of an indexed column."""
    _replace(on_change=False)
