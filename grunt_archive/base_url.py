"""``GRUNT_ARCHIVE_API_BASE`` (``--api-base``): checked when the command line is parsed.

Every request goes to ``{api_base}{path}``, so a base that is no http(s) URL with a
host fails every request the same way: httpx raises on a bad port or bracket (a
traceback), and anything else is retried as a network error for minutes. Checked
here, it is a usage error (exit 2) before any archive is created or request sent.

Pure: the standard library only, so the CLI can check it without loading httpx.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from grunt_archive.errors import UsageError
from grunt_archive.location import hide_password

SCHEMES = ("http", "https")


def checked_api_base(text: str | None) -> str | None:
    """Return ``text`` unchanged when it is a usable base URL, or empty (the real hosts).

    Raises:
        UsageError: the scheme is not http or https, there is no host, the port is not
            1 to 65535, or there is a query, a fragment, a space or a control character.

    """
    if not text:  # unset or empty: the real hosts, as the clients read it
        return text
    problem = _problem(text)
    if problem is None:
        return text
    raise UsageError(
        f"GRUNT_ARCHIVE_API_BASE (--api-base) {hide_password(text)!r} is not usable: {problem}"
    )


def _problem(text: str) -> str | None:
    """Return what is wrong with ``text`` as a base URL, or None when nothing is."""
    try:
        parts = urlsplit(text)
    except ValueError as error:  # an unclosed [ of an IPv6 host
        return f"it is not a URL ({error})"
    if parts.scheme not in SCHEMES:
        return "the scheme must be http or https"
    if not parts.hostname:
        return "it names no host"
    if not text.isprintable() or any(char.isspace() for char in text):
        return "it holds a space or a control character"
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port is not None and not 1 <= port <= 65535:
        return "the port must be a number from 1 to 65535"
    if "?" in text or "#" in text:
        # The request path is appended to the base, so a query would swallow it.
        return "a base URL takes no query (?) or fragment (#)"
    return None
