"""The commands other modules define, listed without importing them.

`cli.ArchiveGroup` lists these in ``--help`` and imports a command's module only
when that command runs, so ``grunt-archive --help`` and a sync stay light.
"""

from __future__ import annotations

# Commands of other modules: name → ("module:attribute", its help's first paragraph), kept
# here to list them unimported; tests/test_layers.py checks it matches the command's own.
LAZY_COMMANDS = {
    "auth": (
        "grunt_archive.auth_command:auth",
        "Sign in with Microsoft, and keep the tokens fresh for unattended syncs.",
    ),
    "simulate": (
        "grunt_archive.simulator.command:simulate",
        "Serve a local stand-in for the Halo Waypoint services at their real paths.",
    ),
    "backup": (
        "grunt_archive.backup_command:backup",
        "Write a whole, consistent copy of the archive to a new file, even while a sync runs.",
    ),
    "copy": (
        "grunt_archive.copy_command:copy",
        "Copy the archive into another (SQLite or PostgreSQL, either way); adds only what is"
        " missing.",
    ),
    "verify": (
        "grunt_archive.verify_command:verify",
        "Compare the archive with the service's match counts and list what is missing.",
    ),
    "reparse": (
        "grunt_archive.reparse_command:reparse",
        "Rebuild every normalized table from the stored raw responses, with no network.",
    ),
    "pending": (
        "grunt_archive.pending_command:pending",
        "List the matches and lookups left pending; give up on a match, or retry it.",
    ),
    "status": (
        "grunt_archive.status_command:status",
        "Say what the archive holds and how its last sync went; change nothing.",
    ),
    "untrack": (
        "grunt_archive.untrack_command:untrack",
        "Stop tracking a player: later syncs skip them; their archived matches stay.",
    ),
    "db": ("grunt_archive.db_command:db", "Alembic migrations of the archive."),
    "film": (
        "grunt_archive.film_command:film",
        "Read the highlight events (kills, deaths, medals, mode events) of theater films.",
    ),
}
