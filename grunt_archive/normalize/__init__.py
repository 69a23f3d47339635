"""Pure functions that turn one API document into table rows.

Nothing here does I/O or imports HTTP or SQL code: each function takes a
parsed document and returns ``{table name: [row, ...]}``, leaving the document
untouched. Fields and mode blocks the code does not know come out under their
rule-made names; the store decides which columns exist and records the rest
as API drift.
"""

from grunt_archive.normalize.assets import asset_rows
from grunt_archive.normalize.history import history_entries
from grunt_archive.normalize.match import match_rows
from grunt_archive.normalize.medals import medal_rows
from grunt_archive.normalize.profile import bot_name, profile_rows
from grunt_archive.normalize.seasons import season_rows
from grunt_archive.normalize.skill import skill_rows

__all__ = [
    "asset_rows",
    "bot_name",
    "history_entries",
    "match_rows",
    "medal_rows",
    "profile_rows",
    "season_rows",
    "skill_rows",
]
