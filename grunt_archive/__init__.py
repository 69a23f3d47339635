"""grunt-archive: a Halo Infinite match archive in SQLite, browsed with Datasette.

The library is usable without the CLI::

    from grunt_archive import ClientSettings, SyncOptions, Tokens, run_sync

    report = run_sync(Path("halo.db"), ClientSettings(tokens=Tokens("v4=…")))
"""

from grunt_archive.api import HaloClient, RetryPolicy, Tokens
from grunt_archive.errors import GruntArchiveError
from grunt_archive.runner import ClientSettings, run_reparse, run_sync
from grunt_archive.sync import SyncOptions, SyncReport

__all__ = [
    "ClientSettings",
    "GruntArchiveError",
    "HaloClient",
    "RetryPolicy",
    "SyncOptions",
    "SyncReport",
    "Tokens",
    "run_reparse",
    "run_sync",
]
