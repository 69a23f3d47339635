"""unranked CSR is none: an unranked match's CSR of 0 with no tier is NULL in player_matches

The service sends an unranked match's skill result with a CSR ``Value`` of 0
and no tier (``grunt2022__match_skill.json``), not only the -1 of placement.
``player_matches`` (and the pages) read only -1 as "no CSR", so unranked Quick
Play or Big Team Battle lines held a CSR of 0: a CSR chart at 0 and a peak of 0
where the player has none. A CSR now counts only with its tier
(`grunt_archive.views.CSR_SQL`). This sets the lines' CSR columns again from
their skill, and the peaks of ``player_totals`` that only such lines made.
Nothing else changes: ``match_skill`` keeps what the service sent.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 13:10:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen at this revision: plain SQL both SQLite and PostgreSQL accept.
_NO_TIER = """
EXISTS (SELECT 1 FROM match_skill AS sk
    WHERE sk.match_id = player_matches.match_id AND sk.player_id = player_matches.player_id
    AND coalesce(sk.{side}_tier, '') = '')
"""
_IDS = ("playlist_asset_id", "playlist_version_id", "map_asset_id", "map_version_id",
        "game_variant_asset_id", "game_variant_version_id")  # fmt: skip
_PEAK = f"""
UPDATE player_totals SET peak_csr = (
    SELECT max(s.post_match_csr) FROM player_matches_scoped AS s
    WHERE s.player_id = player_totals.player_id AND s.scope = player_totals.scope
    {" ".join(f"AND coalesce(s.{c}, '') = player_totals.{c}" for c in _IDS)}
)
WHERE peak_csr <= 0
"""


def upgrade() -> None:
    """Clear the CSR of lines whose skill names no tier; take the peaks they made again."""
    op.execute(
        "UPDATE player_matches SET pre_match_csr = NULL, csr_change = NULL"
        " WHERE pre_match_csr IS NOT NULL AND" + _NO_TIER.format(side="pre_match")
    )
    op.execute(
        "UPDATE player_matches SET post_match_csr = NULL, csr_change = NULL"
        " WHERE post_match_csr IS NOT NULL AND" + _NO_TIER.format(side="post_match")
    )
    op.execute(_PEAK)


def downgrade() -> None:
    """Nothing to undo: the cleared CSRs were never the player's (the service's 0 of no rank)."""
