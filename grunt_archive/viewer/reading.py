"""What every page reads: the scopes of a match, a player found by name or id, rows as dicts.

The viewer reads the archive with plain SQL (it imports nothing of the store
or the API), so the one definition of "matchmade PvP" lives here, as SQL.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from grunt_archive.views import CSR_SQL, MATCH_KD_SQL, SCOPE_SQL

# The four scopes a player page shows, never mixed: the headline is the first.
SCOPES: tuple[str, ...] = ("matchmade_pvp", "matchmade_pve", "custom", "all")
SCOPE_TITLES: dict[str, str] = {
    "matchmade_pvp": "Matchmade PvP",
    "matchmade_pve": "Matchmade PvE (Firefight)",
    "custom": "Custom games",
    "all": "All matches",
}


def scope_of(alias: str) -> str:
    """Return the SQL of the scope of the row ``alias`` (`grunt_archive.views.SCOPE_SQL`).

    The view ``pve_matches`` reads a partial index of the PvE matches, so a
    player's matches are told apart without reading each match's row.
    """
    return SCOPE_SQL.format(t=alias)


def csr_of(alias: str, side: str) -> str:
    """Return the SQL of a skill row's CSR on ``side`` (``pre_match``, ``post_match``), or NULL.

    As `grunt_archive.views.CSR_SQL` says: an unranked match's 0 is no CSR.
    """
    return CSR_SQL.format(t=alias, side=side)


def match_kd_of(alias: str) -> str:
    """Return the SQL of the K/D of the match_players row ``alias``, as player_matches.kd."""
    return MATCH_KD_SQL.format(t=alias)


def free_for_all_of(alias: str) -> str:
    """Return the SQL of whether the matches row ``alias`` is free-for-all (FFA).

    Its column ``free_for_all``, decided once as the match was written (as
    `grunt_archive.views.FREE_FOR_ALL_SQL` says): the one answer the match page, the
    player page, the canned query ``free_for_all`` and the chart ``ffa_places`` share.
    """
    return f"{alias}.free_for_all"


LIFECYCLES: dict[int, str] = {1: "custom", 3: "matchmade", 7: "local"}

_XUID = re.compile(r"^(?:xuid\()?(\d{1,20})\)?\Z", re.IGNORECASE)
_BOT = re.compile(r"^bid\(\d+(?:\.\d+)?\)\Z", re.IGNORECASE)


def rows(
    connection: sqlite3.Connection, sql: str, parameters: Sequence[Any] | Mapping[str, Any] = ()
) -> list[dict[str, Any]]:
    """Return the rows of ``sql`` as dicts keyed by column name."""
    cursor = connection.execute(sql, parameters)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


ALSO_NAMED = 10  # other players of one gamertag a player's page names


# The players a name or id may mean, and the one `find_player` picks first.
_PLAYER_CHOICES = (
    "SELECT p.player_id, p.gamertag, p.is_bot,"
    " EXISTS (SELECT 1 FROM tracked_players AS t WHERE t.player_id = p.player_id) AS tracked"
    " FROM players AS p"
)
_PLAYER_ORDER = "ORDER BY tracked DESC, p.gamertag_updated_at DESC"


def find_player(connection: sqlite3.Connection, who: str) -> dict[str, Any] | None:
    """Return ``{"player_id", "gamertag", "is_bot", "tracked", "also_named"}`` of ``who``, or None.

    ``who`` is a gamertag (any case), ``xuid(N)``, a bare xuid or a bot's ``bid(N.0)``.
    A gamertag two players have held picks the tracked one, then the latest named; the
    others (`ALSO_NAMED` at most) are ``also_named``, each ``{"player_id", "gamertag"}``.
    """
    who = who.strip()
    if not who:
        return None
    xuid = _XUID.match(who)
    if xuid and (who.lower().startswith("xuid(") or who.isdigit()):
        where, parameter = "p.player_id = ?", f"xuid({xuid.group(1)})"
    elif _BOT.match(who):
        where, parameter = "p.player_id = ?", who.lower()
    else:
        where, parameter = "p.gamertag = ? COLLATE NOCASE", who
    found = rows(
        connection,
        f"{_PLAYER_CHOICES} WHERE {where} {_PLAYER_ORDER} LIMIT ?",
        (parameter, ALSO_NAMED + 1),
    )
    if not found and where.endswith("NOCASE") and not who.isascii():
        # SQLite's NOCASE folds ASCII only (`ωmega` is not `Ωmega`): compare with casefold,
        # as the commands do (`store.state.first_named`), only for a name NOCASE missed.
        wanted = who.casefold()
        found = [
            row
            for row in rows(
                connection, f"{_PLAYER_CHOICES} WHERE p.gamertag IS NOT NULL {_PLAYER_ORDER}"
            )
            if row["gamertag"].casefold() == wanted
        ][: ALSO_NAMED + 1]
    if not found:
        return None
    player, *others = found
    player["is_bot"] = bool(player["is_bot"])
    player["tracked"] = bool(player["tracked"])
    # Gamertags are reused and renamed: the page names the others a link by name cannot reach.
    player["also_named"] = [{key: o[key] for key in ("player_id", "gamertag")} for o in others]
    return player


def similar_players(
    connection: sqlite3.Connection, text: str, limit: int = 10
) -> list[dict[str, Any]]:
    """Return up to ``limit`` + 1 players with a word of their gamertag starting with ``text``.

    Tracked players first (the archive's own, most likely the one looked for), then
    by gamertag; each with ``gamertag``, ``player_id`` and ``tracked``. One more than ``limit`` says
    there are more than the page lists.
    """
    words = " ".join(f'"{word.replace(chr(34), "")}"*' for word in text.split() if word)
    if not words:
        return []
    try:
        found = connection.execute(
            "SELECT p.gamertag, p.player_id, p.player_id IN (SELECT player_id FROM tracked_players)"
            " AS tracked FROM players_fts JOIN players AS p ON p.rowid = players_fts.rowid"
            " WHERE players_fts MATCH ? AND p.is_bot = 0 AND p.gamertag IS NOT NULL"
            " ORDER BY tracked DESC, p.gamertag LIMIT ?",
            (words, limit + 1),
        ).fetchall()
    except sqlite3.OperationalError:  # an archive from before the index: no suggestions
        return []
    return [
        {"gamertag": gamertag, "player_id": player_id, "tracked": bool(tracked)}
        for gamertag, player_id, tracked in found
    ]


def _half_up(numerator: int, denominator: int, places: str) -> float:
    """Return ``numerator`` ÷ ``denominator`` rounded as SQLite's round() does: half away from 0.

    Python's round() of the float rounds 105 / 80 = 1.3125 to 1.312 (half to even) and
    33 / 80 = 0.4125 to 0.412 (the float is just below), where the canned queries and the
    dashboards, in SQL, show 1.313 and 0.413: the same K/D, two numbers.
    """
    ratio = Decimal(numerator) / Decimal(denominator)
    return float(ratio.quantize(Decimal(places), rounding=ROUND_HALF_UP))


def kd(kills: int | None, deaths: int | None) -> float:
    """Return kills ÷ deaths to three decimals (kills when there were no deaths), the half up."""
    return _half_up(kills or 0, max(deaths or 0, 1), "0.001")


def match_kd(kills: int | None, deaths: int | None) -> float:
    """Return a match's K/D as `match_kd_of` computes it: two decimals, the half away from 0.

    For a player's lines of one match added up (a team switch), which no row holds.
    """
    ratio = Decimal(kills or 0) / Decimal(max(deaths or 0, 1))
    return float(ratio.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def rate(part: int | None, whole: int | None) -> float | None:
    """Return ``part`` ÷ ``whole`` in percent to one decimal, None when ``whole`` is 0."""
    return _half_up(100 * (part or 0), whole, "0.1") if whole else None
