"""service record checks: what verify found comparing the service's totals with the archive

``verify`` compares each tracked player's latest matchmade service record
with the archive's sums over the same matches and keeps the outcome here, so
the player page can say when they last agreed. A new table of archive state;
existing rows are untouched.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 06:55:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "service_record_checks",
        sa.Column("player_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("checked_at", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("snapshot_taken_at", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("counted_until", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("agrees", sa.Boolean(), nullable=False),
        sa.Column("differences", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["player_id"],
            ["players.player_id"],
            name=op.f("fk_service_record_checks_player_id_players"),
        ),
        sa.PrimaryKeyConstraint("player_id", "checked_at", name=op.f("pk_service_record_checks")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("service_record_checks")
