"""Same numbers as the service: a player's matchmade service record against the archive.

``verify`` calls `check_service_record` for each player it checks. It takes
the latest snapshot of the player's matchmade service record (scope
``matchmade``, no filters, so PvP and PvE matchmade alike: the scope the sync
snapshots) and the archive's sums over the same definition, and names every
field that differs (matches completed, wins, losses, ties, kills, deaths,
assists). The outcome is kept in ``service_record_checks`` for the player page.

What legitimately differs is kept out of the comparison, or said:

* matches that ended after the service last answered with the record are not
  in it yet, so the archive counts only the matches that ended by then
  (``counted_until``) and says how many it left out (``later``);
* matches still pending are in the service's record but not yet in the
  archive: a difference is reported with them, and the line says a sync may
  close it;
* matches the user gave up on (``pending give-up``) are in the service's
  record and never in the archive: a difference they alone can account for
  (nothing else pending, the archive short of the service in every field, by
  no more matches than were given up) is reported with them, and is not a
  disagreement to exit 3 for.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from grunt_archive.normalize.service_record import scope_key
from grunt_archive.players import labelled
from grunt_archive.store import Store
from grunt_archive.store.service_record_checks import (
    FIELDS,
    Comparison,
    matchmade_comparison,
    record_check,
)
from grunt_archive.wording import counted

SCOPE = scope_key("matchmade")


@dataclass(slots=True)
class RecordCheck:
    """One comparison of a player's matchmade service record with the archive."""

    player_id: str
    gamertag: str | None
    checked_at: str
    snapshot_taken_at: str
    counted_until: str
    differences: dict[str, dict[str, int]] = field(default_factory=dict)
    pending: int = 0
    later: int = 0
    scope: str = SCOPE
    given_up: int = 0

    @property
    def agrees(self) -> bool:
        """True when every compared field is equal."""
        return not self.differences

    @property
    def given_up_explains(self) -> bool:
        """True when the matches given up on can account for every difference.

        They hold nothing the archive has, so the archive is short of the
        service in every differing field (never ahead), and short of no more
        matches than were given up; with no match still pending, which would
        make the difference a sync's to close, not theirs alone.
        """
        if self.agrees or not self.given_up or self.pending:
            return False
        short = all(f["archive"] <= f["service"] for f in self.differences.values())
        matches = self.differences.get("matches", {"archive": 0, "service": 0})
        return short and matches["service"] - matches["archive"] <= self.given_up

    def to_json(self) -> dict[str, object]:
        """Return the check as a JSON-ready dict."""
        return {
            "scope": self.scope,
            "agrees": self.agrees,
            "checked_at": self.checked_at,
            "snapshot_taken_at": self.snapshot_taken_at,
            "counted_until": self.counted_until,
            "differences": self.differences,
            "pending": self.pending,
            "given_up": self.given_up,
            "given_up_explains": self.given_up_explains,
            "later": self.later,
        }

    def line(self) -> str:
        """Return the check as one line, the gamertag first."""
        who = labelled(self.player_id, self.gamertag)
        when = f"the service's matchmade record of {self.counted_until}"
        if self.agrees:
            text = f"{who} agrees with {when}"
        else:
            text = f"{who} differs from {when}: " + ", ".join(
                describe(name, found) for name, found in self.differences.items()
            )
            if self.pending:
                text += f"; {counted(self.pending, 'match')} pending, which the next sync fetches"
            if self.given_up:
                text += (
                    f"; {counted(self.given_up, 'match')} given up on, which no sync fetches"
                    " (`grunt-archive pending retry` fetches again)"
                )
        if self.later:
            text += f" ({counted(self.later, 'later match')} not in that record yet)"
        return text


def describe(name: str, found: dict[str, int]) -> str:
    """Return one difference as "kills 800 archived, 812 by the service (-12)"."""
    gap = found["archive"] - found["service"]
    return f"{name} {found['archive']} archived, {found['service']} by the service ({gap:+d})"


def differences(comparison: Comparison) -> dict[str, dict[str, int]]:
    """Return each field whose archive sum differs from the service's, with both figures."""
    return {
        name: {"service": comparison.service[name], "archive": comparison.archive[name]}
        for name in FIELDS
        if comparison.service[name] != comparison.archive[name]
    }


def check_service_record(
    store: Store,
    player_id: str,
    checked_at: str,
    shared_pending: int = 0,
    shared_given_up: int = 0,
) -> RecordCheck | None:
    """Compare a player's latest matchmade service record with the archive; keep the outcome.

    ``shared_pending`` counts the player's matches pending under another player
    (a match they share, found by `verify`'s walk), which the archive's own count
    of the player's pending matches cannot see; ``shared_given_up`` those given up
    on under another player.

    Returns:
        None when no matchmade service record of the player is stored yet
        (nothing is compared, nothing kept).

    """
    comparison = matchmade_comparison(store, player_id, SCOPE)
    if comparison is None:
        return None
    comparison = replace(
        comparison,
        pending=comparison.pending + shared_pending,
        given_up=comparison.given_up + shared_given_up,
    )
    found = differences(comparison)
    record_check(store, comparison, player_id, checked_at, found)
    return RecordCheck(
        player_id,
        comparison.gamertag,
        checked_at,
        comparison.snapshot_taken_at,
        comparison.counted_until,
        found,
        comparison.pending,
        comparison.later,
        given_up=comparison.given_up,
    )
