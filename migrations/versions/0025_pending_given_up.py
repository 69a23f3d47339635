"""pending matches the user gave up on

A match the service never serves stayed in ``pending_matches`` for good, and
every later sync retried it and exited 3. ``grunt-archive pending give-up``
now marks it: ``given_up_at`` (and the user's ``given_up_reason``, if any).
The row stays; syncs skip it and are no longer partial for it, until
``pending retry`` clears the mark. ``service_record_checks.given_up`` counts
the player's given-up matches at the time of a check, apart from ``pending``.
Existing rows are pending as before (NULL) and checked with none given up (0).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 21:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate may render sqlmodel types)
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0025"
down_revision: str | Sequence[str] | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("pending_matches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("given_up_at", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("given_up_reason", sa.String(), nullable=True))
    # A server default fills the checks already kept; the models give 0 themselves.
    with op.batch_alter_table("service_record_checks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "given_up",
                sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
                server_default="0",
                nullable=False,
            )
        )


def downgrade() -> None:
    """Downgrade schema."""
    # A given-up match goes back to plain pending: retried by the next sync, never lost.
    with op.batch_alter_table("service_record_checks", schema=None) as batch_op:
        batch_op.drop_column("given_up")
    with op.batch_alter_table("pending_matches", schema=None) as batch_op:
        batch_op.drop_column("given_up_reason")
        batch_op.drop_column("given_up_at")
