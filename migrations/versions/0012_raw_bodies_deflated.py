"""raw bodies deflated: raw_responses.encoding, every JSON body a zlib stream

A match's stats document is about 25 KB of JSON, most of an archive's bytes;
deflated (zlib, level 6) it is a sixth of that. ``encoding`` says how a body
is kept (``grunt_archive.rawbody``): ``'identity'`` as sent, ``'zlib'`` UTF-8
text deflated, ``'zlib-binary'`` bytes deflated. Every text body stored before
is deflated here, in batches; a binary body stays as it was. The file keeps its
size until SQLite reuses the freed pages (or ``VACUUM``).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 06:55:00.000000

"""

import zlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
LEVEL = 6  # a frozen copy of grunt_archive.rawbody.LEVEL


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("raw_responses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("encoding", sa.String(), server_default="identity", nullable=False)
        )
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        # PostgreSQL's `body` is text and its archives are not written yet: kept as sent.
        return
    last = 0
    while True:
        rows = connection.exec_driver_sql(
            "SELECT id, body FROM raw_responses WHERE id > ? AND typeof(body) = 'text'"
            " ORDER BY id LIMIT ?",
            (last, BATCH),
        ).fetchall()
        if not rows:
            break
        connection.exec_driver_sql(
            "UPDATE raw_responses SET body = ?, encoding = 'zlib' WHERE id = ?",
            [(zlib.compress(body.encode(), LEVEL), id_) for id_, body in rows],
        )
        last = rows[-1][0]


def downgrade() -> None:
    """Downgrade schema."""
    connection = op.get_bind()
    rows = connection.exec_driver_sql(
        "SELECT id, body, encoding FROM raw_responses WHERE encoding != 'identity'"
    ).fetchall()
    if rows:
        connection.exec_driver_sql(
            "UPDATE raw_responses SET body = ? WHERE id = ?",
            [
                (
                    zlib.decompress(body).decode() if encoding == "zlib" else zlib.decompress(body),
                    id_,
                )
                for id_, body, encoding in rows
            ],
        )
    with op.batch_alter_table("raw_responses", schema=None) as batch_op:
        batch_op.drop_column("encoding")
