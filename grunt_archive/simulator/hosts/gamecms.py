"""gamecms-hacs: the game's content files (medal metadata, season calendars)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grunt_archive.simulator.data.calendars import csr_season_calendar, season_calendar
from grunt_archive.simulator.data.medals import medal_metadata
from grunt_archive.simulator.replies import Reply, Request, Route, json_reply

if TYPE_CHECKING:
    from grunt_archive.simulator.core import Simulator

HOST = "https://gamecms-hacs.svc.halowaypoint.com"


def _medals(sim: Simulator, request: Request) -> Reply:
    return json_reply(medal_metadata())


def _season_calendar(sim: Simulator, request: Request) -> Reply:
    return json_reply(season_calendar())


def _csr_season_calendar(sim: Simulator, request: Request) -> Reply:
    return json_reply(csr_season_calendar())


ROUTES = (
    Route(r"/hi/waypoint/file/medals/metadata\.json", "gamecms", _medals),
    Route(
        r"/hi/progression/file/calendars/seasons/seasoncalendar\.json",
        "gamecms",
        _season_calendar,
    ),
    Route(
        r"/hi/progression/file/csr/calendars/csrseasoncalendar\.json",
        "gamecms",
        _csr_season_calendar,
    ),
)
