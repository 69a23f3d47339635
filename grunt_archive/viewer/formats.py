"""How the pages write numbers and times: K/D to three decimals (a match's to two), durations."""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

from grunt_archive.times import to_the_minute

# What a page shows for a number the archive does not have (an en dash).
MISSING = "\u2013"

# Mode block columns worth a column of their own on a scoreboard, in this order, and
# their titles; any other non-zero number of a mode block goes in the player's details.
MODE_COLUMNS: dict[str, str] = {
    "capture_the_flag_stats.flag_captures": "Captures",
    "capture_the_flag_stats.flag_returns": "Returns",
    "capture_the_flag_stats.flag_carriers_killed": "Carriers killed",
    "capture_the_flag_stats.time_as_flag_carrier_seconds": "Time with flag",
    "oddball_stats.time_as_skull_carrier_seconds": "Time with skull",
    "oddball_stats.skull_grabs": "Skull grabs",
    "oddball_stats.skull_carriers_killed": "Carriers killed",
    "zones_stats.stronghold_captures": "Zone captures",
    "zones_stats.stronghold_secures": "Zone secures",
    "zones_stats.stronghold_occupation_time_seconds": "Time in zones",
    "zones_stats.stronghold_defensive_kills": "Defensive kills",
    "zones_stats.stronghold_offensive_kills": "Offensive kills",
    "elimination_stats.eliminations": "Eliminations",
    "elimination_stats.allies_revived": "Revives",
    "elimination_stats.rounds_survived": "Rounds survived",
    "extraction_stats.successful_extractions": "Extractions",
    "extraction_stats.extraction_conversions_completed": "Conversions",
    "infection_stats.spartans_infected": "Spartans infected",
    "infection_stats.alphas_killed": "Alphas killed",
    "infection_stats.rounds_survived_as_spartan": "Rounds survived",
    "stockpile_stats.power_seeds_deposited": "Seeds deposited",
    "stockpile_stats.power_seeds_stolen": "Seeds stolen",
    "stockpile_stats.power_seed_carriers_killed": "Carriers killed",
    "bomb_stats.bomb_plants": "Plants",
    "bomb_stats.bomb_detonations": "Detonations",
    "bomb_stats.bomb_defusals": "Defusals",
    "bomb_stats.bomb_carriers_killed": "Carriers killed",
    "vip_stats.vip_kills": "VIP kills",
    "vip_stats.kills_as_vip": "Kills as VIP",
    "vip_stats.time_as_vip_seconds": "Time as VIP",
    "pve_stats.kills": "AI kills",
    "pve_stats.elite_kills": "Elites",
    "pve_stats.brute_kills": "Brutes",
    "pve_stats.boss_kills": "Bosses",
}


def kd(value: float | None) -> str:
    """Return a K/D as the game shows it: 1.173."""
    return MISSING if value is None else f"{value:.3f}"


def match_kd(value: float | None) -> str:
    """Return one match's K/D to two decimals, as player_matches.kd keeps it: 2.33."""
    return MISSING if value is None else f"{value:.2f}"


def pct(value: float | None) -> str:
    """Return a percentage to one decimal: 52.4 %."""
    return MISSING if value is None else f"{value:.1f} %"


def number(value: float | None) -> str:
    """Return a count with thousands separators, a fraction to two decimals."""
    if value is None:
        return MISSING
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def duration(seconds: float | None) -> str:
    """Return seconds as ``m:ss`` (``h:mm:ss`` past an hour)."""
    if seconds is None:
        return MISSING
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def when(text: str | None) -> str:
    """Return an archive timestamp as ``2025-01-29 04:20 UTC``."""
    if not text:
        return MISSING
    return to_the_minute(text)


# The archive's timestamps (``2025-01-29T04:20:31.512Z``), and the service's own with more
# or fewer digits of a second: the rest of what a cell may hold is left as it is.
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z\Z")


def cell_time(value: Any) -> Markup | None:
    """Return a timestamp cell of a table or query as ``2025-01-29 04:20 UTC``, else None.

    The whole value stays the ``<time>``'s title and ``datetime``; JSON and CSV, which
    Datasette writes without asking, keep it as stored.
    """
    # Datasette asks for every cell of a page: most are not a 20 to 28 character string.
    if type(value) is not str or not 20 <= len(value) <= 28 or value[10] != "T":
        return None
    if not _TIMESTAMP.match(value):
        return None
    try:
        shown = when(value)
    except ValueError:  # a month 13 has the shape of a time
        return None
    return Markup(f'<time datetime="{value}" title="{value}">{shown}</time>')


# The columns of tables, views and canned queries the pages write as Halo does: a K/D to
# three decimals (one match's, a row with a match id, to two, as player_matches.kd keeps
# it) and a percentage with its sign. SQLite's round() left "2.0" for 2.00, "0.98" for
# 0.980 and "59.1" with no % beside the pages' "2.00", "0.980" and "59.1 %".
KD_COLUMNS = frozenset({"kd", "kd_last_25"})
PERCENT_COLUMNS = frozenset({"win_rate", "win_rate_last_25", "accuracy", "first_blood_rate"})
NUMBER_COLUMNS = KD_COLUMNS | PERCENT_COLUMNS


def _has_column(row: Any, name: str) -> bool:
    try:
        return name in row.keys()  # noqa: SIM118 (`in` a sqlite3.Row looks at its values)
    except (AttributeError, TypeError):
        return False


def cell_number(row: Any, value: Any, column: str) -> str | Markup | None:
    """Return a K/D, percentage or duration cell of a table or query as the pages write it.

    None for any other cell. A duration (a column ``…_seconds``: 615.6193927) reads
    ``10:16``, the stored value its tooltip. HTML only: JSON and CSV, which Datasette
    writes without asking, keep the stored number.
    """
    if type(value) not in (int, float):
        return None
    if column.endswith("_seconds"):
        return Markup(f'<span title="{value}">{duration(value)}</span>')
    if column not in NUMBER_COLUMNS:
        return None
    if column in PERCENT_COLUMNS:
        return pct(value)
    return match_kd(value) if column == "kd" and _has_column(row, "match_id") else kd(value)


def day(text: str | None) -> str:
    """Return an archive timestamp's date."""
    return text[:10] if text else MISSING


def placement_left(matches: int | None) -> str:
    """Return ``placement, 3 matches left`` for a player still in placement, else ``""``."""
    if not matches or matches < 0:
        return ""
    return f"placement, {matches} match{'' if matches == 1 else 'es'} left"


def csr(before: int | None, after: int | None, placement: int | None = None) -> str:
    """Return CSR before → after, with the change: ``1,512 → 1,530 (+18)``.

    With no CSR after the match and ``placement`` matches still to play, it says so.
    """
    if after is None and placement_left(placement):
        return placement_left(placement)
    if before is None and after is None:
        return ""
    if before is None or after is None:
        return f"→ {after}" if before is None else f"{before} →"
    return f"{before} → {after} ({after - before:+d})"


def ordinal(place: int | None) -> str:
    """Return a place as ``1st``, ``2nd``, ``3rd``, ``4th`` … ``11th``, ``12th``, ``21st``."""
    if place is None:
        return MISSING
    suffix = (
        "th" if place % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(place % 10, "th")
    )
    return f"{place}{suffix}"


def mode_value(key: str, value: Any) -> str:
    """Return a mode block number: times as ``m:ss``, others as numbers."""
    return duration(value) if key.endswith("_seconds") else number(value)


def mode_columns(match: dict[str, Any]) -> list[tuple[str, str]]:
    """Return the mode columns (key, title) a scoreboard shows: those some player has non-zero."""
    present = {
        key
        for team in match["teams"]
        for player in team["players"]
        for key, value in player["mode_stats"].items()
        if value
    }
    return [(key, title) for key, title in MODE_COLUMNS.items() if key in present]


def shows_csr(match: dict[str, Any]) -> bool:
    """Return whether a scoreboard has a CSR column: only when some player has a CSR.

    Most matches are unranked, and a column empty on every line says nothing.
    """
    return any(
        player["csr_before"] is not None
        or player["csr_after"] is not None
        or placement_left(player["placement_after"])
        for team in match["teams"]
        for player in team["players"]
    )


def shows_rank(match: dict[str, Any]) -> bool:
    """Return whether the team boards have a # column (their Rank): when it tells players apart.

    The services' Rank is the game's scoreboard order over the whole lobby (the winners
    first, then the mode's score: kills in Slayer, captures in CTF, points in Oddball;
    ties share a rank). The boards list players by it, and their Score column is the
    personal score, which need not fall down that list: the rank says why. A free-for-all
    board has its Place instead, and where every player shares one rank (Firefight) the
    column would say nothing.
    """
    ranks = {
        player["rank"]
        for team in match["teams"]
        for player in team["players"]
        if player["rank"] is not None
    }
    return not match["free_for_all"] and len(ranks) > 1


# What a phone's medals cell (16rem at 0.85em) holds on one line beside its "+N" toggle.
MEDALS_ON_A_LINE = 28


def medals_shown(medals: list[dict[str, Any]], budget: int = MEDALS_ON_A_LINE) -> int:
    """Return how many of a player's medals (the game's weightiest first) a phone shows.

    On a phone the medals cell, last on the scoreboard, wrapped into rows several lines
    tall (21 kinds took 7); it shows the first medals that fit ``budget`` characters,
    at least one, and a "+N" toggle for the rest (`_grunt_style.html`).
    """
    used = 0
    for shown, medal in enumerate(medals):
        used += len(medal["name"]) + (2 if shown else 0) + (3 if medal["count"] > 1 else 0)
        if shown and used > budget:
            return shown
    return len(medals)


FILTERS = {
    "grunt_kd": kd,
    "grunt_match_kd": match_kd,
    "grunt_pct": pct,
    "grunt_number": number,
    "grunt_duration": duration,
    "grunt_when": when,
    "grunt_day": day,
    "grunt_csr": csr,
    "grunt_mode_value": mode_value,
    "grunt_ordinal": ordinal,
    "grunt_medals_shown": medals_shown,
}
