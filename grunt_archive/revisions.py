"""The migrations' revisions, read from the scripts' text: no alembic import.

Opening an archive that is already current (every nightly sync) only needs
to know the newest revision and whether the stored one is known. Importing
alembic for that costs a third of a second; reading the scripts' two
``revision`` lines costs a millisecond. Alembic itself is loaded only when an
archive needs upgrading. ``tests/test_migrations.py`` checks that this reading
and alembic's agree.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from grunt_archive.errors import ArchiveError

_REVISION = re.compile(r'^revision: str = "([^"]+)"$', re.MULTILINE)
_DOWN = re.compile(r'^down_revision: [^=]+= (?:"([^"]+)"|None)$', re.MULTILINE)


def migrations_dir() -> Path:
    """Return the alembic script directory: packaged in a wheel, top-level in a checkout."""
    package = Path(__file__).resolve().parent
    packaged = package / "_migrations"
    return packaged if packaged.is_dir() else package.parent / "migrations"


@functools.cache
def revisions() -> dict[str, str | None]:
    """Return every revision the scripts declare, mapped to the one it revises."""
    found: dict[str, str | None] = {}
    for script in sorted((migrations_dir() / "versions").glob("*.py")):
        text = script.read_text(encoding="utf-8")
        revision, down = _REVISION.search(text), _DOWN.search(text)
        if revision is None or down is None:
            raise RuntimeError(f"{script.name} declares no revision or down_revision line")
        found[revision.group(1)] = down.group(1)
    return found


def head() -> str | None:
    """Return the newest revision: the one no other revises (None with no scripts)."""
    known = revisions()
    heads = set(known) - set(known.values())
    if len(heads) > 1:
        raise RuntimeError(f"the migrations have several heads: {sorted(heads)}")
    return next(iter(heads), None)


def older_archive(name: object, current: str | None) -> ArchiveError:
    """Return the error of an archive older than this program, which the command must not migrate.

    Readers (``serve``, ``query``, ``pending``, ``copy``'s source) never write to an
    archive: its owner migrates it with ``db upgrade`` (or the next ``sync``).
    """
    return ArchiveError(
        f"{name} is at revision {current or 'none'}, older than this grunt-archive"
        f" ({head()}): run `grunt-archive db upgrade` first"
    )


def is_known(revision: str) -> bool:
    """Say whether ``revision`` is one of this version's migrations."""
    return revision in revisions()
