"""player foreign keys of films: film_events, kills and player_rivals join players

INTERFACE.md: "every ``player_id`` to ``players``". ``film_events.player_id``,
``kills.killer_id`` and ``victim_id``, and ``player_rivals.player_id`` and
``opponent_id`` had no key, so Datasette showed bare xuids where it shows a
gamertag elsewhere, and a ``copy --player`` slice took no players row for a
player only a film names. Films carry human players, whom the match stats
list too (so their ``players`` rows are there), but a film may name one they
do not (``film.feed.reconcile``): as 0007 and 0008 did for assets and seasons,
this revision first writes a ``players`` row (not a bot, no gamertag yet: the
next sync looks it up) for any such id, then rebuilds the three tables with
their keys. The film writer now writes those rows itself.

On SQLite adding a key rebuilds the table (alembic's batch mode): for 2 million
film events, about 12 s on a 2-core machine, and the file grows by the tables'
size. ``notice`` says so before it starts, and the upgrade compacts the file after
when that left a large share of it unused (``grunt_archive.upgrading``).
PostgreSQL checks the keys in place.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-02 01:06:18.597307

"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import Connection, inspect

# revision identifiers, used by Alembic.
revision: str = "0029"
down_revision: str | Sequence[str] | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column) of every player id the films give; frozen at this revision.
KEYS = (
    ("film_events", "player_id"),
    ("kills", "killer_id"),
    ("kills", "victim_id"),
    ("player_rivals", "opponent_id"),
    ("player_rivals", "player_id"),
)

# The rebuilt tables' indexes, in the order the schema file lists them: batch mode
# would make them again in the order of a set, which differs from run to run.
KILLS_INDEXES = (("ix_kills_killer_id", "killer_id"), ("ix_kills_victim_id", "victim_id"))
# Below this many film events and kills the SQLite rebuild takes about a second.
NOTICE_ROWS = 100_000


def notice(connection: Connection) -> str | None:
    """Return the line to say before this revision runs, when its rebuild takes a while."""
    if connection.dialect.name != "sqlite":
        return None  # PostgreSQL checks the keys in place
    if not inspect(connection).has_table("kills"):
        return None  # an archive older than 0014: its film tables are made empty
    events, kills = (
        connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() or 0
        for table in ("film_events", "kills")
    )
    if events + kills < NOTICE_ROWS:
        return None
    return (
        f"Upgrading the archive to 0029: rebuilding film_events ({events:,} rows) and kills"
        f" ({kills:,} rows) so that their player ids join players. This happens once; it can take"
        " a minute or two."
    )


def upgrade() -> None:
    """Write the players rows the films name and lack, then add the keys."""
    for table, column in KEYS:
        op.execute(
            f"INSERT INTO players (player_id, is_bot) SELECT DISTINCT {column}, false"
            f" FROM {table} WHERE {column} IS NOT NULL ON CONFLICT DO NOTHING"
        )
    rebuilt = op.get_context().dialect.name == "sqlite"
    if rebuilt:
        for index, _ in KILLS_INDEXES:
            op.drop_index(index, table_name="kills")
    for name in ("film_events", "kills", "player_rivals"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            for column in (c for t, c in KEYS if t == name):
                batch_op.create_foreign_key(
                    batch_op.f(f"fk_{name}_{column}_players"), "players", [column], ["player_id"]
                )
    if rebuilt:
        for index, column in KILLS_INDEXES:
            op.create_index(index, "kills", [column])


def downgrade() -> None:
    """Drop the keys; the players rows stay (each is a player seen in a film)."""
    for name in ("player_rivals", "kills", "film_events"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            for column in (c for t, c in KEYS if t == name):
                batch_op.drop_constraint(
                    batch_op.f(f"fk_{name}_{column}_players"), type_="foreignkey"
                )
