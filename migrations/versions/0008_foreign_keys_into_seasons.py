"""foreign keys into seasons

`matches.season_id` and `service_record_snapshots.season_id` join `seasons`,
so Datasette shows a season's name where its id is. As with assets and medals
(0007), a season not looked up yet gets a row with no `name`, which the
season calendars fill in; this revision writes those rows for what is already
archived, then rebuilds the two tables with their keys.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 16:20:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("matches", "service_record_snapshots")


def upgrade() -> None:
    """Upgrade schema."""
    for table in TABLES:
        op.execute(
            f"INSERT INTO seasons (season_id) SELECT DISTINCT season_id FROM {table}"
            " WHERE season_id IS NOT NULL ON CONFLICT DO NOTHING"
        )
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_season_id_seasons"), "seasons", ["season_id"], ["season_id"]
            )


def downgrade() -> None:
    """Downgrade schema."""
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_season_id_seasons"), type_="foreignkey"
            )
    # Before 0008 a season not looked up yet had no row at all.
    op.execute("DELETE FROM seasons WHERE name IS NULL")
