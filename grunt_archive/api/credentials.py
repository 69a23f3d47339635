"""What a Spartan token or a clearance may hold: only what a request header can carry.

Both travel as header values, where a CR or LF would end the line and start a header
of the sender's choosing, and a character past ASCII cannot be encoded at all. Real
Spartan tokens are ``v4=`` and base64url, clearances GUIDs: visible ASCII, no space.
Messages name which value is wrong, never the value.
"""

from __future__ import annotations

from typing import TypeGuard

from grunt_archive.errors import AuthError, UsageError


def is_credential(value: object) -> TypeGuard[str]:
    """Return whether ``value`` can be a token or clearance: visible ASCII, no space."""
    return (
        isinstance(value, str)
        and value != ""
        and value.isascii()
        and value.isprintable()
        and " " not in value
    )


def check_given(spartan: str, clearance: str | None) -> None:
    """Refuse a token or clearance given by the user (a flag, a variable, the library's caller).

    Raises:
        UsageError: a value holds a space, a control or a non-ASCII character.

    """
    if not is_credential(spartan):
        raise UsageError(_given("Spartan token", "--spartan-token", "SPARTAN_TOKEN"))
    if clearance and not is_credential(clearance):  # an empty one is none given
        raise UsageError(_given("clearance", "--clearance", "CLEARANCE"))


def _given(what: str, flag: str, variable: str) -> str:
    return (
        f"the {what} given ({flag} or GRUNT_ARCHIVE_{variable}) holds a space, a control "
        f"or a non-ASCII character, which no {what} has"
    )


def check_headers(headers: dict[str, str]) -> dict[str, str]:
    """Return the credential ``headers`` of a request once each value is one.

    Raises:
        AuthError: a value no header can carry (a clearance set on the client by hand).

    """
    for name, value in headers.items():
        if not is_credential(value):
            raise AuthError(
                f"cannot send the {name} header: its value holds a space, a control "
                "or a non-ASCII character"
            )
    return headers
