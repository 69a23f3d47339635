"""career kd three decimals: player_careers and player_map_mode_stats give K/D as the pages do

The two views rounded a career's K/D (summed kills ÷ summed deaths) to two
decimals, where the player page, the canned queries and the dashboards give
three, so the same career read 1.17 in one place and 1.174 in another. The
views now round to three. A single match's K/D (``player_matches.kd``) keeps
its two. The same columns, in the same order; no data changes.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 16:40:00.000000

"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0020 wrote these views last; its frozen text is the "before", and the "after" differs
# from it in the K/D's rounding alone. (Loaded by path: a revision's module name starts
# with a digit.)
_BEFORE_KD = "max(sum(deaths), 1), 2) AS kd,"
_AFTER_KD = "max(sum(deaths), 1), 3) AS kd,"


def _revision_0020() -> ModuleType:
    path = Path(__file__).with_name("0020_careers_count_matches.py")
    spec = importlib.util.spec_from_file_location("grunt_archive_revision_0020", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _views(postgresql: bool, *, after: bool) -> dict[str, str]:
    frozen = _revision_0020()
    views = frozen.POSTGRESQL_VIEWS if postgresql else frozen.VIEWS
    before = _BEFORE_KD.replace("max(", "greatest(") if postgresql else _BEFORE_KD
    changed = before.replace(", 2) AS kd", ", 3) AS kd")
    result = {}
    for name, sql in views.items():
        if sql.count(before) != 1:
            raise RuntimeError(f"revision 0020's {name} has no single K/D to round anew")
        result[name] = sql.replace(before, changed) if after else sql
    return result


def _replace(*, after: bool) -> None:
    postgresql = op.get_context().dialect.name == "postgresql"
    for name, sql in _views(postgresql, after=after).items():
        op.execute(f"DROP VIEW IF EXISTS {name}")
        op.execute(sql)


def upgrade() -> None:
    """Upgrade schema."""
    _replace(after=True)


def downgrade() -> None:
    """Downgrade schema."""
    _replace(after=False)
