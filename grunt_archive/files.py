"""The archive's file, named exactly: its SQLite URI and the real path its lock goes beside.

Small and free of heavy imports, so `query` and `lock` can use it without
loading SQLAlchemy or alembic.
"""

from __future__ import annotations

from pathlib import Path


def file_uri(path: Path, mode: str | None = None) -> str:
    """Return the SQLite URI of exactly the file at ``path``, whatever its name holds.

    ``?``, ``#``, ``%`` and spaces are percent-escaped, so ``we?ird.db`` is that
    file and not ``we`` with a query string. ``mode`` is ``ro`` to open read-only.
    """
    uri = Path(path).absolute().as_uri()
    return f"{uri}?mode={mode}" if mode else uri


def real_path(path: Path) -> Path:
    """Return the file a path names once symlinks are followed (it need not exist yet)."""
    return Path(path).expanduser().resolve()


def lock_path(path: Path) -> Path:
    """Return the one-writer lock file of an archive: beside the real file, not a symlink."""
    real = real_path(path)
    return real.with_name(f"{real.name}.lock")
