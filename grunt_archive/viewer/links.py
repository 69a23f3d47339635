"""Links everywhere: gamertags to player pages, match ids to match pages, in tables and queries."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from markupsafe import Markup, escape

GAMERTAG_COLUMNS = frozenset(
    {"gamertag", "other_gamertag", "teammate", "opponent", "killer_gamertag", "victim_gamertag",
     "opponent_gamertag"}
)  # fmt: skip
PLAYER_ID_COLUMNS = frozenset(
    {"player_id", "other_player_id", "killer_id", "victim_id", "opponent_id"}
)
MATCH_ID_COLUMNS = frozenset({"match_id", "example_match_id"})
# Every column a cell of may become a link (``name``: the search query's players).
LINK_COLUMNS = GAMERTAG_COLUMNS | PLAYER_ID_COLUMNS | MATCH_ID_COLUMNS | {"name"}
_MATCH_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z", re.I)
_PLAYER_ID = re.compile(r"^(xuid\(\d+\)|bid\(\d+(\.\d+)?\))\Z", re.I)
# What a canned query answers in its gamertag column for a name or scope it does not know:
# a message, not a player (a gamertag holds no curly quote).
_MESSAGE = re.compile(r"^(no tracked player named|unknown scope) “")


def player_path(who: str) -> str:
    """Return the path of a player's page (``who``: gamertag or player id)."""
    return "/player/" + quote(who, safe="()")


def match_path(match_id: str) -> str:
    """Return the path of a match's page."""
    return "/match/" + quote(match_id, safe="")


def _link(href: str, text: str, after: str = "") -> Markup:
    # What Markup('<a href="{}">{}</a>{}').format(...) gives, without string.Formatter's
    # Python-level parsing: a page of 1,000 rows makes thousands of links.
    return Markup(f'<a href="{escape(href)}">{escape(text)}</a>{after}')


def cell_link(
    row: Any, value: Any, column: str, path: Callable[[str], str] = lambda p: p
) -> Markup | None:
    """Return the cell of ``column`` as a link to a viewer page, or None to leave it be.

    ``value`` is the raw value, or Datasette's ``{"value", "label"}`` of a
    foreign key it labelled; ``path`` prefixes Datasette's ``base_url``.
    """
    # Datasette asks for every cell of a page (15,000 for CSR history): most columns never link.
    if column not in LINK_COLUMNS:
        return None
    if isinstance(value, dict):  # a foreign key Datasette expanded
        key, label = str(value.get("value")), value.get("label")
        if column in PLAYER_ID_COLUMNS and _PLAYER_ID.match(key):
            extra = f" <em>{escape(key)}</em>" if label and label != key else ""
            return _link(path(player_path(key)), label or key, extra)
        if column in MATCH_ID_COLUMNS and _MATCH_ID.match(key):
            return _link(path(match_path(key)), key)
        return None
    if not isinstance(value, str) or not value:
        return None
    if column in GAMERTAG_COLUMNS or (column == "name" and _kind(row) == "player"):
        return None if _MESSAGE.match(value) else _link(path(player_path(value)), value)
    if column in PLAYER_ID_COLUMNS and _PLAYER_ID.match(value):
        return _link(path(player_path(value)), value)
    if column in MATCH_ID_COLUMNS and _MATCH_ID.match(value):
        return _link(path(match_path(value)), value)
    return None


def _kind(row: Any) -> str | None:
    """Return the ``kind`` column of a result row (the search query's), if it has one."""
    try:
        return row["kind"]
    except (IndexError, KeyError, TypeError):
        return None
