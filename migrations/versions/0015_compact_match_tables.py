"""compact match tables: the per-match rows keyed by their primary key, one index fewer

Every row of a match's player, team, skill and medal tables is keyed by the
match id and player id (60 bytes). As rowid tables SQLite kept that key twice,
in the table and in its primary key's index: an eighth of an archive's bytes.
``WITHOUT ROWID`` stores each row once, in primary key order (SQLite only;
PostgreSQL has no rowid and is left as it is). ``ix_medal_awards_medal_id``
goes: no page or query reads awards by medal alone (a player's medals read
``ix_medal_awards_player_id``, a match's its primary key), and as a
``WITHOUT ROWID`` index it would carry the whole key, 3 KB a match.
No data changes. From this revision on, raw JSON bodies are also written as
``zlib-dict1`` (deflated with a preset dictionary, ``grunt_archive.rawbody``);
a downgrade deflates them again without it, as ``zlib``, which every older
revision reads.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 08:25:00.000000

"""

import zlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from grunt_archive.rawbody import ZLIB_DICT1, dictionary  # frozen (tests/test_rawbody.py)

# revision identifiers, used by Alembic.
revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of the mode blocks' player and team tables as of this revision.
BLOCKS = (
    "bomb",
    "capture_the_flag",
    "elimination",
    "extraction",
    "infection",
    "oddball",
    "pve",
    "pvp",
    "stockpile",
    "vip",
    "zones",
)
TABLES = (
    "match_players",
    "match_teams",
    "match_skill",
    "medal_awards",
    *(f"{block}_stats" for block in BLOCKS),
    *(f"team_{block}_stats" for block in BLOCKS),
)


def _recreate(with_rowid: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    kwargs = {} if with_rowid else {"table_kwargs": {"sqlite_with_rowid": False}}
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always", **kwargs):
            pass


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("medal_awards") as batch_op:
        batch_op.drop_index("ix_medal_awards_medal_id")
    _recreate(with_rowid=False)


def _without_dictionary() -> None:
    """Deflate every ``zlib-dict1`` body again as plain ``zlib`` (level 6, as 0012 did)."""
    connection = op.get_bind()
    preset = dictionary(ZLIB_DICT1)
    while True:
        rows = connection.execute(
            sa.text("SELECT id, body FROM raw_responses WHERE encoding = :e LIMIT 500"),
            {"e": ZLIB_DICT1},
        ).fetchall()
        if not rows:
            return
        changed = []
        for id_, body in rows:
            inflater = zlib.decompressobj(zdict=preset)
            plain = inflater.decompress(bytes(body)) + inflater.flush()
            changed.append({"id": id_, "body": zlib.compress(plain, 6)})
        connection.execute(
            sa.text("UPDATE raw_responses SET body = :body, encoding = 'zlib' WHERE id = :id"),
            changed,
        )


def downgrade() -> None:
    """Downgrade schema."""
    _without_dictionary()
    _recreate(with_rowid=True)
    with op.batch_alter_table("medal_awards") as batch_op:
        batch_op.create_index("ix_medal_awards_medal_id", ["medal_id"], unique=False)
