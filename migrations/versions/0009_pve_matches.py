"""pve matches: a view and a partial index that tell matchmade PvP from PvE

The viewer's headline numbers are matchmade PvP (issue 14): LifecycleMode 3
and not PvE. View `pve_matches` lists the PvE matches (GameplayInteraction 2,
or in 2022-era documents Firefight or a PvE playlist), read through the partial
index `ix_matches_pve`, so a 50,000-match career tells its scopes apart by
looking its match ids up in a small index; view `player_matches_scoped` is
`player_matches` with each row's scope. No data changes.

On PostgreSQL the index is partial too (`postgresql_where`), and the scope
says `IS DISTINCT FROM 3` where SQLite says `IS NOT 3` (PostgreSQL's `IS NOT`
takes only NULL, TRUE or FALSE).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 05:40:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A frozen copy of grunt_archive.views.PVE_MATCH_WHERE and of the views it creates.
PVE_MATCH_WHERE = (
    "gameplay_interaction = 2 OR game_variant_category = 42 OR playlist_experience = 6"
)
VIEWS = {
    "pve_matches": f"""
CREATE VIEW pve_matches AS
SELECT match_id FROM matches
WHERE {PVE_MATCH_WHERE}
""",
    "player_matches_scoped": """
CREATE VIEW player_matches_scoped AS
SELECT pm.*, CASE WHEN pm.lifecycle_mode IS NOT 3 THEN 'custom'
    WHEN pm.match_id IN (SELECT match_id FROM pve_matches) THEN 'matchmade_pve'
    ELSE 'matchmade_pvp' END AS scope
FROM player_matches AS pm
""",
}
POSTGRESQL_VIEWS = {
    **VIEWS,
    "player_matches_scoped": """
CREATE VIEW player_matches_scoped AS
SELECT pm.*, CASE WHEN pm.lifecycle_mode IS DISTINCT FROM 3 THEN 'custom'
    WHEN pm.match_id IN (SELECT match_id FROM pve_matches) THEN 'matchmade_pve'
    ELSE 'matchmade_pvp' END AS scope
FROM player_matches AS pm
""",
}


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.create_index(
            "ix_matches_pve",
            ["match_id"],
            unique=False,
            sqlite_where=sa.text(PVE_MATCH_WHERE),
            postgresql_where=sa.text(PVE_MATCH_WHERE),
        )
    postgresql = op.get_context().dialect.name == "postgresql"
    for sql in (POSTGRESQL_VIEWS if postgresql else VIEWS).values():
        op.execute(sql)


def downgrade() -> None:
    """Downgrade schema."""
    for name in reversed(VIEWS):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.drop_index("ix_matches_pve")
