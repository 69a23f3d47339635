"""Signing in with Microsoft, keeping the tokens, and keeping them fresh.

`chain` runs the Microsoft → Xbox Live → Halo token chain (halo-api.md §6),
`token_file` keeps its result in a 0600 JSON file, and `StoredTokens` hands the
tokens to `HaloClient`, renewing them before they expire and after a 401.
"""

from __future__ import annotations

from grunt_archive.auth.chain import Session, code_from_input, renew, sign_in
from grunt_archive.auth.token_file import (
    default_auth_path,
    delete_session,
    load_session,
    save_session,
)
from grunt_archive.auth.tokens import StoredTokens

__all__ = [
    "Session",
    "StoredTokens",
    "code_from_input",
    "default_auth_path",
    "delete_session",
    "load_session",
    "renew",
    "save_session",
    "sign_in",
]
