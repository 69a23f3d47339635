"""Profile batch (``/users?xuids=…``) → gamertags; bot ids → bot names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from grunt_archive.errors import MalformedResponseError
from grunt_archive.players import display_name

Rows = dict[str, list[dict[str, Any]]]

# The names the game gives its bots, by the N of `bid(N.0)`. Reference data
# as SPNKr lists it (`spnkr/extras.py`, BOT_MAP); ids past the list are "Bot N".
_BOT_NAMES = [
    "Ritzy",
    "Meowlnir",
    "Wiggle Cat",
    "Ellis",
    "Godfather",
    "Colson",
    "Donos",
    "PardonMy",
    "Ensrude",
    "TooMilks",
    "Beard",
    "Razzle",
    "Nando",
    "GrappleMans",
    "Zero",
    "Mak",
    "Hundy",
    "Lacuna",
    "Cream Corn",
    "Brew Dog",
    "Lemondade",
    "Flippant",
    "Connmando",
    "Byrontron",
    "Ham Sammich",
    "BoboGan",
    "Robot Hoida",
    "Mumblebee",
    "Tedosaur",
    "Cliffton",
    "Stone",
    "Marmot",
    "Mickey",
    "Bachici",
    "Ben Desk",
    "BF Scrub",
    "Chaco",
    "Total Ten",
    "Darkstar",
    "Aloysius",
    "Dazzle",
    "Rhinosaurus",
    "Doomfruit",
    "Cosmo",
    "Sandwolf",
    "O Freruner",
    "Bergerton",
    "SpaceCase",
    "KaleDucky",
    "BERRYHILL",
    "Oscar",
    "The Referee",
    "Free Money",
    "Kubly",
    "Tanuki",
    "Shady Seal",
    "Chilies",
    "The Thumb",
    "Forge Lord",
    "Hollis",
]
BOT_ID = re.compile(r"^bid\((\d+)(?:\.0+)?\)\Z")


def bot_name(player_id: str) -> str | None:
    """Return the name of a bot id (``bid(8.0)`` → ``343 Ensrude``), or None for a non-bot id."""
    match = BOT_ID.match(player_id)
    if match is None:
        return None
    number = int(match.group(1))
    return f"343 {_BOT_NAMES[number]}" if number < len(_BOT_NAMES) else f"Bot {number}"


def profile_rows(doc: Any) -> Rows:
    """Turn a profile batch answer (a JSON array of users) into ``players`` gamertag rows.

    Returns:
        ``{"players": [{"player_id": "xuid(…)", "gamertag": …}]}`` for every
        user with an xuid (a string or, as SPNKr models it, a number).

    Raises:
        MalformedResponseError: the answer is not a list of objects.

    """
    if isinstance(doc, Mapping):  # a single user (`/users/xuid(…)`) has the same fields
        doc = [doc]
    if not isinstance(doc, list):
        raise MalformedResponseError("profile batch answer is not a JSON array")
    rows = []
    for user in doc:
        if not isinstance(user, Mapping):
            raise MalformedResponseError("profile batch entry is not an object")
        xuid, gamertag = user.get("xuid"), user.get("gamertag")
        if isinstance(xuid, int) and not isinstance(xuid, bool):
            xuid = str(xuid)
        if isinstance(xuid, str) and xuid.isdigit():
            rows.append(
                {
                    "player_id": f"xuid({xuid})",
                    "gamertag": display_name(gamertag),
                }
            )
    return {"players": rows}
