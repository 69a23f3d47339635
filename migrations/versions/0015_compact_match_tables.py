"""compact match tables: the per-match rows keyed by their primary key, one index fewer

Every row of a match's player, team, skill and medal tables is keyed by the
match id and player id (60 bytes). As rowid tables SQLite kept that key twice,
in the table and in its primary key's index: an eighth of an archive's bytes.
``WITHOUT ROWID`` stores each row once, in primary key order (SQLite only;
PostgreSQL has no rowid and is left as it is). ``ix_medal_awards_medal_id``
goes: no page or query reads awards by medal alone (a player's medals read
``ix_medal_awards_player_id``, a match's its primary key), and as a
``WITHOUT ROWID`` index it would carry the whole key, 3 KB a match.
No data changes.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 08:25:00.000000

"""

from collections.abc import Sequence

from alembic import op

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


def downgrade() -> None:
    """Downgrade schema."""
    _recreate(with_rowid=True)
    with op.batch_alter_table("medal_awards") as batch_op:
        batch_op.create_index("ix_medal_awards_medal_id", ["medal_id"], unique=False)
