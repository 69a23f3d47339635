"""foreign keys into assets and medals

INTERFACE.md: map, mode, playlist (and map-mode pair) ids join `assets`, and
`medal_id` joins `medals`. A match is stored before its names are looked up,
so each reference gets a row first: an `assets` row with no `fetched_at` (the
column becomes nullable) and a `medals` row with no `name`, which the lookup
fills in. This revision writes those rows for the matches and service records
already archived, then rebuilds `matches`, `medal_awards`,
`service_record_medals` and `player_medal_totals` with their keys (SQLite adds
a key by rebuilding the table; grunt_archive.db runs this with foreign keys
off and checks them before the commit).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 15:58:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ASSET_KINDS = ("map", "game_variant", "playlist", "map_mode_pair")
# The search index's triggers on `assets`, as 0004 made them: rebuilding the table drops them.
ASSET_TRIGGERS = {
    "assets_fts_ai": """
CREATE TRIGGER assets_fts_ai AFTER INSERT ON assets
BEGIN
  INSERT INTO assets_fts(rowid, public_name, description)
    VALUES (new.rowid, new.public_name, new.description);
END
""",
    "assets_fts_ad": """
CREATE TRIGGER assets_fts_ad AFTER DELETE ON assets
BEGIN
  INSERT INTO assets_fts(assets_fts, rowid, public_name, description)
    VALUES ('delete', old.rowid, old.public_name, old.description);
END
""",
    "assets_fts_au": """
CREATE TRIGGER assets_fts_au
AFTER UPDATE OF public_name, description ON assets
BEGIN
  INSERT INTO assets_fts(assets_fts, rowid, public_name, description)
    VALUES ('delete', old.rowid, old.public_name, old.description);
  INSERT INTO assets_fts(rowid, public_name, description)
    VALUES (new.rowid, new.public_name, new.description);
END
""",
}
MEDAL_TABLES = ("medal_awards", "service_record_medals", "player_medal_totals")


def _rebuild_assets(nullable: bool) -> None:
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.alter_column("fetched_at", existing_type=sa.VARCHAR(), nullable=nullable)
    if op.get_context().dialect.name != "sqlite":
        return  # PostgreSQL alters the table in place: its search index (0004) stays as it was
    for sql in ASSET_TRIGGERS.values():
        op.execute(sql)
    # The copy numbered its rows afresh; the index follows rowids.
    op.execute("INSERT INTO assets_fts(assets_fts) VALUES ('rebuild')")


def upgrade() -> None:
    """Upgrade schema."""
    _rebuild_assets(nullable=True)
    for kind in ASSET_KINDS:
        op.execute(
            "INSERT INTO assets (asset_id, version_id, asset_kind)"
            f" SELECT DISTINCT {kind}_asset_id, {kind}_version_id, '{kind}' FROM matches"
            f" WHERE {kind}_asset_id IS NOT NULL AND {kind}_version_id IS NOT NULL"
            " ON CONFLICT DO NOTHING"
        )
    for table in MEDAL_TABLES:
        op.execute(
            f"INSERT INTO medals (medal_id) SELECT DISTINCT medal_id FROM {table} WHERE true"
            " ON CONFLICT DO NOTHING"
        )
    with op.batch_alter_table("matches", schema=None) as batch_op:
        for kind in ASSET_KINDS:
            batch_op.create_foreign_key(
                batch_op.f(f"fk_matches_{kind}_asset_id_assets"),
                "assets",
                [f"{kind}_asset_id", f"{kind}_version_id"],
                ["asset_id", "version_id"],
            )
    for table in MEDAL_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_medal_id_medals"), "medals", ["medal_id"], ["medal_id"]
            )


def downgrade() -> None:
    """Downgrade schema."""
    for table in reversed(MEDAL_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_medal_id_medals"), type_="foreignkey")
    with op.batch_alter_table("matches", schema=None) as batch_op:
        for kind in reversed(ASSET_KINDS):
            batch_op.drop_constraint(
                batch_op.f(f"fk_matches_{kind}_asset_id_assets"), type_="foreignkey"
            )
    # Before 0007 a reference not looked up yet had no row at all.
    op.execute("DELETE FROM assets WHERE fetched_at IS NULL")
    op.execute("DELETE FROM medals WHERE name IS NULL")
    _rebuild_assets(nullable=False)
