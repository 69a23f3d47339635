"""Ids are data, not paths: every id that goes into a URL goes through here.

Ids come from documents the service sent (asset and version ids in a match,
season ids in a calendar, player ids in a roster) and from the command line.
`segment` makes one a single percent-escaped path segment, so that an id
like ``../../x?y=`` can never address another path of the service with the
user's token; `listed` does the same for the comma-joined lists of a query.
"""

from __future__ import annotations

from urllib.parse import quote

from grunt_archive.errors import MalformedResponseError
from grunt_archive.wording import quoted

# The longest id the services use is a gamertag with its suffix or an `xuid(…)`; GUIDs are 36.
MAX_ID = 100
# Left unescaped: letters, digits, `-._~` (quote's default) and the parentheses of `xuid(…)`.
_SAFE = "()"


def checked(value: object, what: str) -> str:
    """Return ``value`` if it can be an id at all.

    Raises:
        MalformedResponseError: it is not a string, is empty, is ``.`` or
            ``..``, or is longer than `MAX_ID` characters.

    """
    if not isinstance(value, str) or value.strip() in ("", ".", ".."):
        raise MalformedResponseError(f"refusing {what} {quoted(value)}: not an id")
    if len(value) > MAX_ID:
        raise MalformedResponseError(
            f"refusing {what} {quoted(value)}: {len(value)} characters is too long for an id"
        )
    return value


def segment(value: object, what: str = "an id", safe: str = _SAFE) -> str:
    """Return ``value`` as one percent-escaped path segment.

    Args:
        value: the id, as a document or the user gave it.
        what: what it is, for the message (``"a match id"``).
        safe: characters left unescaped besides letters, digits and ``-._~``.

    Raises:
        MalformedResponseError: ``value`` cannot be an id (see `checked`).

    """
    return quote(checked(value, what), safe=safe)


def listed(values: list[str], what: str = "a player id") -> str:
    """Return ids as one comma-joined query value; an id holding a comma is refused.

    Raises:
        MalformedResponseError: an id cannot be an id, or holds a comma.

    """
    for value in values:
        if "," in checked(value, what):
            raise MalformedResponseError(f"refusing {what} {quoted(value)}: it holds a comma")
    return ",".join(values)
