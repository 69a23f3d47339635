"""Whether a player's archive agreed with the service's own totals, as ``verify`` last found.

``verify`` keeps each comparison of a player's matchmade service record with
the archive in ``service_record_checks`` (`grunt_archive.agreement`); the
player page shows the latest, and when they last agreed.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any


def describe(name: str, found: dict[str, int]) -> str:
    """Return one difference as "kills 800 archived, 812 by the service (-12)".

    The words of ``verify``'s line (`grunt_archive.agreement.describe`), said
    again here because the viewer loads nothing of the store.
    """
    gap = found["archive"] - found["service"]
    return f"{name} {found['archive']} archived, {found['service']} by the service ({gap:+d})"


def service_record_check(connection: sqlite3.Connection, player_id: str) -> dict[str, Any] | None:
    """Return the player's latest comparison with the service's matchmade totals.

    Returns:
        ``{"agrees", "checked_at", "snapshot_taken_at", "counted_until",
        "differences", "described", "pending", "given_up", "last_agreed_at"}`` (``pending``
        the matches a sync still fetches, ``given_up`` those the user gave up on), or None when
        ``verify`` never compared them (or the archive predates the table).

    """
    try:
        found = connection.execute(
            "SELECT checked_at, snapshot_taken_at, counted_until, agrees, differences, pending,"
            " given_up FROM service_record_checks WHERE player_id = ?"
            " ORDER BY checked_at DESC LIMIT 1",
            (player_id,),
        ).fetchone()
        agreed = connection.execute(
            "SELECT max(checked_at) FROM service_record_checks WHERE player_id = ? AND agrees",
            (player_id,),
        ).fetchone()
    except sqlite3.OperationalError:  # an archive not upgraded yet: nothing was compared
        return None
    if found is None:
        return None
    checked_at, taken_at, until, agrees, differences, pending, given_up = found
    differences = json.loads(differences)
    return {
        "agrees": bool(agrees),
        "checked_at": checked_at,
        "snapshot_taken_at": taken_at,
        "counted_until": until,
        "differences": differences,
        "described": [describe(name, figures) for name, figures in differences.items()],
        "pending": pending,
        "given_up": given_up,
        "last_agreed_at": agreed[0] if agreed else None,
    }
