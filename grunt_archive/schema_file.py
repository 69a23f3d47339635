"""A new SQLite archive's schema at the head revision, kept as one SQL file.

Running every migration from the first to create an empty archive costs about
two seconds (alembic and each script load; 0015 rebuilds a dozen tables),
paid by every first sync and every test that makes an archive. As Rails loads
``schema.rb`` rather than replaying its migrations, a new file is created from
``schema/sqlite.sql``, what the migrations build, in a few milliseconds; an
archive that exists is upgraded by the migrations as before, and PostgreSQL
always is. ``tests/test_migrations.py`` fails when the file is not exactly
what the migrations build; ``python -m grunt_archive.schema_file`` writes it
again after a migration is added.
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
import tempfile
from contextlib import closing
from itertools import groupby
from pathlib import Path

from grunt_archive import revisions
from grunt_archive.errors import ArchiveError

SCHEMA = Path(__file__).resolve().parent / "schema" / "sqlite.sql"
_REVISION = re.compile(r"^-- revision: (\S+)$", re.MULTILINE)
# Created in this order, so that what a statement names exists before it.
_ORDER = ("table", "index", "view", "trigger")
_FOREIGN_KEY = "\tCONSTRAINT fk_"


def dump(connection: sqlite3.Connection) -> str:
    """Return the SQL that creates ``connection``'s schema and its ``alembic_version`` row."""
    objects = connection.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
    ).fetchall()
    virtual = [name for kind, name, sql in objects if sql.startswith("CREATE VIRTUAL TABLE")]
    # A virtual table makes its shadow tables itself (FTS5's ``<name>_data`` and the rest).
    shadows = tuple(f"{name}_" for name in virtual)
    statements = [
        sql
        for kind in _ORDER
        for found, name, sql in objects
        if found == kind and not (kind == "table" and name.startswith(shadows))
    ]
    (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    lines = [f"-- revision: {revision}", "-- Written by `python -m grunt_archive.schema_file`."]
    lines += [f"{_sorted_foreign_keys(sql)};" for sql in statements]
    lines.append(f"INSERT INTO alembic_version (version_num) VALUES ('{revision}');")
    return "\n".join(lines) + "\n"


def _sorted_foreign_keys(sql: str) -> str:
    """Return a CREATE TABLE with each run of foreign-key lines in name order.

    Alembic's batch mode rebuilds a table with its foreign keys in the order of
    a set of constraint objects, which differs from run to run: sorted, the same
    migrations always write the same file.
    """
    lines: list[str] = []
    for is_key, run in groupby(sql.split("\n"), key=lambda line: line.startswith(_FOREIGN_KEY)):
        block = list(run)
        if is_key:  # the last line of a run may be the table's last, with no ", "
            endings = [line[len(line.removesuffix(", ")) :] for line in block]
            bodies = sorted(line.removesuffix(", ") for line in block)
            block = [body + ending for body, ending in zip(bodies, endings, strict=True)]
        lines += block
    return "\n".join(lines)


def file_revision() -> str | None:
    """Return the revision the schema file builds (None without a file)."""
    if not SCHEMA.is_file():
        return None
    found = _REVISION.search(SCHEMA.read_text(encoding="utf-8"))
    return found.group(1) if found else None


def create(connection: sqlite3.Connection) -> bool:
    """Create the head schema in an empty archive, in one transaction.

    Returns:
        Whether it did: not when the file is missing or builds another revision
        than the head (the migrations then build the archive).

    Raises:
        ArchiveError: SQLite refused (a read-only file, a full disk); nothing is created.

    """
    if file_revision() != revisions.head():
        return False
    script = SCHEMA.read_text(encoding="utf-8")
    try:
        connection.executescript(f"BEGIN;\n{script}COMMIT;")
    except sqlite3.Error as error:
        # executescript stops at the failing statement with the transaction still open.
        if connection.in_transaction:
            connection.rollback()
        raise ArchiveError(f"cannot create the archive's tables: {error}") from None
    return True


def write() -> Path:
    """Write the schema an archive built by the migrations has, and ``tables.json``.

    ``tables.json`` (`grunt_archive.tables`) is written from the models.
    """
    from grunt_archive.db import make_engine, upgrade_archive
    from grunt_archive.models import metadata
    from grunt_archive.tables import TABLES_FILE, describe

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "head.db"
        engine = make_engine(path)
        try:
            upgrade_archive(engine, migrate=True)
        finally:
            engine.dispose()
        with closing(sqlite3.connect(path)) as connection:
            text = dump(connection)
    SCHEMA.parent.mkdir(exist_ok=True)
    SCHEMA.write_text(text, encoding="utf-8")
    TABLES_FILE.write_text(json.dumps(describe(metadata), indent=1) + "\n", encoding="utf-8")
    return SCHEMA.parent


if __name__ == "__main__":
    sys.stdout.write(f"wrote {write()}\n")
