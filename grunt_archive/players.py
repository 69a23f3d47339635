"""Player identifiers as people type them: ``xuid(2533…)``, a bare xuid, or a gamertag."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from grunt_archive.errors import MalformedResponseError, UsageError
from grunt_archive.wording import quoted

XUID = re.compile(r"^xuid\((\d{16})\)\Z", re.IGNORECASE)
BARE_XUID = re.compile(r"^\d{16}\Z")
# Gamertags: 1-15 letters (of any script: `Zoë`, `ゲーマー`), digits and spaces, starting
# with a letter; modern ones may add a `#1234` suffix.
GAMERTAG = re.compile(r"^[^\W\d_][^\W_]*(?: [^\W_]+)*(#[0-9]{1,4})?\Z")
GAMERTAG_LENGTH = 15


@dataclass(frozen=True, slots=True)
class PlayerRef:
    """A player as given on the command line: an xuid, or a gamertag to look up."""

    xuid: str | None = None
    gamertag: str | None = None

    @property
    def player_id(self) -> str | None:
        """The archive's id for this player, ``xuid(…)``, when known without a lookup."""
        return f"xuid({self.xuid})" if self.xuid else None


def parse_player(text: str) -> PlayerRef:
    """Parse ``xuid(2533274…)``, ``2533274…`` (16 digits) or a gamertag.

    Raises:
        UsageError: the text is none of those.

    """
    text = text.strip()
    if match := XUID.match(text):
        return PlayerRef(xuid=match.group(1))
    if BARE_XUID.match(text):
        return PlayerRef(xuid=text)
    if text.lower().startswith("xuid(") or text.isdigit():
        raise UsageError(
            f"malformed player id {quoted(text)}: an xuid has 16 digits, as xuid(2533274…)"
        )
    name = text.split("#", 1)[0]
    if GAMERTAG.match(text) and len(name) <= GAMERTAG_LENGTH:
        return PlayerRef(gamertag=text)
    raise UsageError(
        f"malformed player id {quoted(text)}: expected xuid(…), 16 digits, or a gamertag"
    )


def xuid_of(player_id: str) -> str | None:
    """Return the digits of ``xuid(…)``, or None for a bot or anything else."""
    match = XUID.match(player_id)
    return match.group(1) if match else None


def labelled(player_id: str, gamertag: str | None) -> str:
    """Return how to name a player to a person: ``Gamertag (xuid(…))``, or the id alone."""
    return f"{gamertag} ({player_id})" if gamertag else player_id


def display_name(value: Any) -> str | None:
    """Return a name the service sent (a gamertag) as text safe to show, or None if it is none.

    A character that is not printable (an escape, a control or format character, a
    line break) becomes U+FFFD: written to a terminal as it came, an escape sequence
    would retitle the window or worse, and a newline would forge a line of output.
    """
    if not isinstance(value, str) or not value:
        return None
    if value.isprintable():
        return value
    return "".join(char if char.isprintable() else "\ufffd" for char in value)


def profile_user(answer: Any, what: str) -> tuple[str, str | None]:
    """Return ``(player_id, gamertag)`` of a profile answer, checking its xuid.

    Raises:
        MalformedResponseError: the profile has no 16-digit xuid; no one is tracked.

    """
    user = answer.data if isinstance(answer.data, dict) else {}
    xuid = user.get("xuid")
    player_id = f"xuid({xuid})" if isinstance(xuid, str | int) else ""
    if xuid_of(player_id) is None:
        raise MalformedResponseError(f"{what} has no usable xuid ({quoted(xuid)})")
    return player_id, display_name(user.get("gamertag"))
