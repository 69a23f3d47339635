"""film status read: a film that was read says ``read``, as the contract names it

INTERFACE.md names the values of ``films.status`` ``read``, ``gone`` and
``unreadable``; the program wrote ``archived`` for a film it read. The rows
say ``read`` now, and the program writes ``read``. People's SQL that picked
``status = 'archived'`` must say ``'read'`` (README, migration notes).
``gone``, ``unreadable`` and ``malformed`` (an extension) are unchanged.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02 01:10:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0028"
down_revision: str | Sequence[str] | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen at this revision: plain SQL both SQLite and PostgreSQL accept.
_RENAME = "UPDATE films SET status = '{new}' WHERE status = '{old}'"


def upgrade() -> None:
    """Name the films that were read ``read``."""
    op.execute(_RENAME.format(new="read", old="archived"))


def downgrade() -> None:
    """Name them ``archived`` again, as the releases before this one read them."""
    op.execute(_RENAME.format(new="archived", old="read"))
