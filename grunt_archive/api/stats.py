"""halostats: match history, match stats, match counts and service records."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from grunt_archive.api.client import Document, HaloClient
from grunt_archive.api.ids import segment
from grunt_archive.errors import AuthError, HiddenMatchesError, NotFoundError

HOST = "https://halostats.svc.halowaypoint.com"
PAGE_SIZE = 25
# A 403 on every player's matches and no other answer of halostats: the token, not privacy
# (`sync` and `verify` say so with exit 4).
REFUSED_EVERYTHING = (
    "halostats refused every player's match history (HTTP 403) and answered nothing else: "
    "it probably refuses the Spartan token (run `grunt-archive auth login` or set a fresh "
    "GRUNT_ARCHIVE_SPARTAN_TOKEN)"
)
# Service record lifecycles (the path segment; halo-api.md §2(d)).
LIFECYCLES = ("matchmade", "custom", "local")


def player_segment(player: str) -> str:
    """Return a player id or gamertag as a path segment (gamertags may hold spaces)."""
    return segment(player, "a player id")


@contextmanager
def _hidden_matches(player: str) -> Iterator[None]:
    """Say what a refusal of a player's matches means: a private player (403), none (404).

    halostats answers a player whose privacy settings hide their matches with 403, while
    an expired or refused token is a 401 (halo-api.md §5), which the client renews first;
    the history of a player it does not know is a 404 (as for an unknown match).
    """
    try:
        yield
    except NotFoundError as error:
        # The history of a player the service does not know: a typo, or an account deleted.
        raise NotFoundError(
            f"halostats knows no player {player} (HTTP 404 on their match history): a "
            "mistyped xuid, or an account that is gone",
            404,
            error.path,
        ) from None
    except AuthError as error:
        if error.status != 403:
            raise
        raise HiddenMatchesError(
            f"halostats refused the match history of {player} (HTTP 403): their privacy "
            "settings probably hide their matches",
            403,
        ) from None


class StatsService:
    """The halostats endpoints an archiver needs."""

    name = "halostats"

    def __init__(self, client: HaloClient) -> None:
        self.client = client

    async def match_history(
        self, player: str, start: int = 0, count: int = PAGE_SIZE, match_type: str = "all"
    ) -> Document:
        """Return one page of a player's matches, newest first (``count`` ≤ 25).

        Raises:
            HiddenMatchesError: the service refused this player's matches (403).

        """
        with _hidden_matches(player):
            return await self.client.get(
                self.name,
                HOST,
                f"/hi/players/{player_segment(player)}/matches",
                [("start", str(start)), ("count", str(count)), ("type", match_type)],
            )

    async def match_stats(self, match_id: str, *, parse: bool = True) -> Document:
        """Return a match's stats; a 404 is retried because stats appear late after a match.

        Without ``parse``, ``data`` is None: see `HaloClient.get`.
        """
        return await self.client.get(
            self.name,
            HOST,
            f"/hi/matches/{segment(match_id, 'a match id')}/stats",
            retry_not_found=True,
            parse=parse,
        )

    async def match_count(self, player: str) -> Document:
        """Return how many matches a player has per lifecycle.

        Raises:
            HiddenMatchesError: the service refused this player's matches (403).

        """
        with _hidden_matches(player):
            return await self.client.get(
                self.name, HOST, f"/hi/players/{player_segment(player)}/matches/count"
            )

    async def service_record(
        self, player: str, lifecycle: str = "matchmade", filters: Mapping[str, str] | None = None
    ) -> Document:
        """Return a player's service record in one lifecycle, optionally filtered.

        Args:
            player: ``xuid(…)`` or a gamertag.
            lifecycle: ``matchmade``, ``custom`` or ``local`` (a key of ``LIFECYCLES``).
            filters: matchmade only: lowercase keys as SPNKr sends them
                (``seasonid``, ``gamevariantcategory``, ``isranked``,
                ``playlistassetid``, ``gameplayinteraction``).

        """
        return await self.client.get(
            self.name,
            HOST,
            f"/hi/players/{player_segment(player)}/{segment(lifecycle)}/servicerecord",
            sorted((filters or {}).items()) or None,
        )
