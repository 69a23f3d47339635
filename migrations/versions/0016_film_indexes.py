"""film indexes: a player's rivals in the order of their net

The player page lists a tracked player's nemeses (lowest ``net`` first) and
favourite victims (highest first) from ``player_rivals``. Through its primary
key (player, opponent) every opponent a long career met in a film is read
and sorted for each page; ``ix_player_rivals_net`` holds them in ``net``
order, so the page reads the ten at either end. No data changes.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 08:40:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("player_rivals", schema=None) as batch_op:
        batch_op.create_index("ix_player_rivals_net", ["player_id", "net"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("player_rivals", schema=None) as batch_op:
        batch_op.drop_index("ix_player_rivals_net")
