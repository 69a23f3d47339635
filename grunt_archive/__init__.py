"""grunt-archive: a Halo Infinite match archive in SQLite, browsed with Datasette.

The library is usable without the CLI::

    from grunt_archive import ClientSettings, SyncOptions, Tokens, run_sync

    report = run_sync(Path("halo.db"), ClientSettings(tokens=Tokens("v4=…")))

The public names load on first use (PEP 562), so importing one layer
(``grunt_archive.normalize``, ``grunt_archive.api``) does not pull in the others.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grunt_archive.api import HaloClient, RetryPolicy, Tokens
    from grunt_archive.errors import GruntArchiveError
    from grunt_archive.runner import ClientSettings, run_reparse, run_sync
    from grunt_archive.sync import SyncOptions, SyncReport

# Public name → the module that defines it.
_EXPORTS = {
    "ClientSettings": "grunt_archive.runner",
    "GruntArchiveError": "grunt_archive.errors",
    "HaloClient": "grunt_archive.api",
    "RetryPolicy": "grunt_archive.api",
    "SyncOptions": "grunt_archive.sync",
    "SyncReport": "grunt_archive.sync",
    "Tokens": "grunt_archive.api",
    "run_reparse": "grunt_archive.runner",
    "run_sync": "grunt_archive.runner",
}

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


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use and keep the name here."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'grunt_archive' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the public names alongside what is already loaded."""
    return sorted(set(globals()) | set(__all__))
