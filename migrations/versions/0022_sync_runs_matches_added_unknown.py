"""sync_runs.matches_added may be unknown

A run killed outright (SIGKILL, a power cut) leaves its ``sync_runs`` row
``running``; the next run marks it ``interrupted`` and, where the archive can
tell, counts the matches it saved from the ``match_stats`` documents fetched
since it began (`grunt_archive.store.state.start_run`). Where it cannot (other
PostgreSQL workers saved matches in the same hours), the count is NULL, no
longer a wrong 0, so the column becomes nullable. No data changes.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 12:40:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _matches_added(nullable: bool) -> None:
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.alter_column("matches_added", existing_type=sa.INTEGER(), nullable=nullable)


def upgrade() -> None:
    """Upgrade schema."""
    _matches_added(True)


def downgrade() -> None:
    """Downgrade schema."""
    # An unknown count goes back to the 0 the column held before it could be unknown.
    op.execute("UPDATE sync_runs SET matches_added = 0 WHERE matches_added IS NULL")
    _matches_added(False)
