"""Where an archive lives: a SQLite file (a path) or a PostgreSQL database (a URL).

``--db`` and ``$GRUNT_ARCHIVE_DB`` take either. A URL may carry a password
(``postgresql://user:password@host:port/dbname``, or ``?password=…`` in its
query); it never appears in output,
logs, errors or the archive: everything that names an archive names it through
``archive_name``, and an error a driver raises passes through ``redact``.

This module imports no SQL at import time, so the CLI can tell a URL from a
path without loading SQLAlchemy.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from grunt_archive.errors import UsageError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

# The schemes a PostgreSQL URL may use; psycopg 3 is the driver whichever is given.
SERVER_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
DRIVER = "postgresql+psycopg"
HIDDEN = "***"

Location = Path | str  # a SQLite file, or the text of a PostgreSQL URL

# What a mistyped URL looks like: a scheme and ":/" (postgress://, postgresql:/, mysql://),
# or a PostgreSQL scheme run into "//" or ":" (postgresql//). Taken as a path, such a
# text would name a directory "postgress:" and put the password in the error saying it
# does not exist. A drive letter (C:/) is one letter, so never a scheme here.
_URL_LIKE = re.compile(r"\s*([a-z][a-z0-9+.-]+:/|postgres(ql)?(\+\w+)?(:|//))", re.IGNORECASE)
# The scheme and slashes before a URL's user info, however mistyped.
_SCHEME_PART = re.compile(r"\s*[\w+.-]*:?/*")
# libpq takes a password in the query too (``postgresql://user@host/db?password=…``),
# and the passphrase of the client's SSL key as ``sslpassword``: hidden like the user info's.
SECRET_PARAMETERS = frozenset({"password", "sslpassword"})
_SECRET_PARAMETER = re.compile(r"([?&](?:ssl)?password=)[^&#]*", re.IGNORECASE)
# Where a driver's message may quote a password: a URL's user info (``//user:…@``), and a
# setting, in a query or a libpq conninfo (``password=…``, ``password = '…'``).
_URL_PASSWORD = re.compile(r"(//[^\s:/@]*:)[^\s@/?#]*@")
_SECRET_SETTING = re.compile(
    r"(?<!\w)((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&#'\"]+)", re.IGNORECASE
)
MAX_PORT = 65535
# Seconds a PostgreSQL server may take to accept a connection: one that takes the TCP
# connection and never answers would otherwise hold a nightly run (and the next) for ever.
CONNECT_TIMEOUT = 10


def is_server(location: Location | os.PathLike[str]) -> bool:
    """Say whether ``location`` is a PostgreSQL URL rather than a SQLite path."""
    if isinstance(location, os.PathLike):
        return False
    scheme, separator, _ = location.partition("://")
    return bool(separator) and scheme.lower() in SERVER_SCHEMES


def as_location(value: str | os.PathLike[str]) -> Location:
    """Return a PostgreSQL URL as its text, anything else as a ``Path``.

    Raises:
        UsageError: the text looks like a URL but is not a PostgreSQL one (the message
            shows it with any password hidden).

    """
    if isinstance(value, str) and is_server(value):
        return value
    if isinstance(value, str) and _URL_LIKE.match(value):
        raise _not_a_server_url(value)
    return Path(value).expanduser()


def _not_a_server_url(value: str) -> UsageError:
    """Return the error for a text that looks like a URL but is no PostgreSQL URL."""
    shown = hide_password(value)
    if is_server(value.strip()):
        return UsageError(f"the archive URL {shown!r} has spaces around it")
    return UsageError(
        f"the archive location {shown!r} looks like a URL but is not"
        " postgresql://user:password@host:port/dbname (a SQLite archive is a file path)"
    )


def hide_password(text: str) -> str:
    """Return a URL-like ``text`` with its password hidden, even when it is malformed.

    Everything between the first ``:`` of the user info and the last ``@`` is hidden,
    so a password holding an unencoded ``@``, ``:`` or ``/`` is hidden whole; so is the
    value of a ``password`` or ``sslpassword`` query parameter.
    """
    text = _SECRET_PARAMETER.sub(rf"\g<1>{HIDDEN}", text)
    head, at, rest = text.rpartition("@")
    if not at:
        return text
    scheme = _SCHEME_PART.match(head)
    start = scheme.end() if scheme else 0
    user, colon, _ = head[start:].partition(":")
    return f"{head[:start]}{user}{colon and ':' + HIDDEN}@{rest}"


def server_url(location: str) -> URL:
    """Return SQLAlchemy's URL for a PostgreSQL URL, with psycopg 3 as the driver.

    Raises:
        UsageError: the URL cannot be parsed, or its port is 0 or past 65535 (the message
            does not repeat it, since it may hold a password).

    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(location)
    except (ArgumentError, ValueError):
        raise UsageError(
            "the archive URL is malformed: expected postgresql://user:password@host:port/dbname"
            " (percent-encode @, : and / in the user or password)"
        ) from None
    if "@" in (url.host or ""):
        # An unencoded @ in the password: the URL is cut at the first one, and the rest of
        # the password, taken for the host, would be quoted by every "cannot connect".
        raise UsageError(
            "the archive URL is malformed: its password holds an @ (percent-encode it as %40)"
        )
    if url.port is not None and not 1 <= url.port <= MAX_PORT:
        # libpq would refuse it only once asked to connect, as "connection is bad" (exit 6).
        raise UsageError(
            f"the archive URL is malformed: port {url.port} is not a number from 1 to {MAX_PORT}"
        )
    return url.set(drivername=DRIVER)


def connect_arguments(url: URL) -> dict[str, int]:
    """Return the driver's arguments the URL leaves to us: `CONNECT_TIMEOUT`, unless it sets one."""
    return {} if "connect_timeout" in url.query else {"connect_timeout": CONNECT_TIMEOUT}


def archive_name(location: Location) -> str:
    """Return how messages name the archive: its path, or its URL with the password hidden."""
    if not is_server(location):
        return str(location)
    try:
        url = server_url(str(location))
    except UsageError:
        return "the PostgreSQL archive (malformed URL)"
    name = url.set(drivername="postgresql").render_as_string(hide_password=True)
    return _SECRET_PARAMETER.sub(rf"\g<1>{HIDDEN}", name)


def redact(text: str, location: Location) -> str:
    """Return ``text`` with the password of ``location`` (if it holds one) hidden.

    For messages that come from elsewhere (a driver's error) and might quote it. The
    password is hidden where it is one: a URL's user info, a ``password=`` (or
    ``sslpassword=``) setting, and wherever its text (as given, or percent-encoded)
    stands whole, not inside a word: a password ``b`` left "connection is bad" as
    "connection is ***ad", which garbled the message and showed where each b stood.
    """
    if not is_server(location):
        return text
    try:
        url = server_url(str(location))
    except UsageError:
        return text
    secrets = [url.password] if url.password else []
    for key, values in url.query.items():
        if key.lower() in SECRET_PARAMETERS:
            secrets += [values] if isinstance(values, str) else list(values)
    from urllib.parse import quote, quote_plus

    text = _URL_PASSWORD.sub(rf"\g<1>{HIDDEN}@", text)
    text = _SECRET_SETTING.sub(rf"\g<1>{HIDDEN}", text)
    # The longest first: a password that holds another one is hidden whole.
    forms = {f(str(s)) for s in secrets if s for f in (str, quote, quote_plus, _quote_all)}
    for form in sorted(forms, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(form)}(?!\w)", HIDDEN, text)
    return text


def _quote_all(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")
