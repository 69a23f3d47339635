"""The mode blocks of match stats and service records, declared once as data.

A mode block is a JSON object such as ``CaptureTheFlagStats`` that a match
stats document carries for each player and team (next to ``CoreStats``) and a
service record carries once. Each block is kept in three tables of one shape:

* the player form, ``capture_the_flag_stats`` (key: match, player, team),
* the team form, ``team_capture_the_flag_stats`` (key: match, team),
* the service-record form, ``service_record_capture_the_flag_stats``
  (key: player, scope, taken_at).

This module is the one list of blocks, their table names and their fields.
``grunt_archive.models`` generates the three tables of each block from it, and
the normalizers read block names and duration fields from it. It stays pure
(no SQL import) so that ``normalize`` can load it.

Column names follow the naming rule (``values.snake_case``; a duration gains
``_seconds`` and is a float), so a field is declared by its API name and kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from grunt_archive.normalize.values import snake_case


class Form(Enum):
    """Which of a block's three tables: the player, team or service-record form."""

    PLAYER = ""
    TEAM = "team_"
    SERVICE_RECORD = "service_record_"

    def table_name(self, block_name: str) -> str:
        """Return the rule-made table of a block name in this form: ``team_oddball_stats``."""
        return self.value + snake_case(block_name)


@dataclass(frozen=True)
class StatField:
    """One number of a block: the API field it comes from, its column and its Python type."""

    source: str
    column: str
    type: type[int] | type[float]

    @property
    def is_duration(self) -> bool:
        """Say whether the API sends this field as an ISO-8601 duration."""
        return self.column.endswith("_seconds")


def count(source: str) -> StatField:
    """Declare a whole-number field: ``FlagCaptures`` → ``flag_captures INTEGER``."""
    return StatField(source, snake_case(source), int)


def ratio(source: str) -> StatField:
    """Declare a fractional field: ``KDA`` → ``kda FLOAT``."""
    return StatField(source, snake_case(source), float)


def duration(source: str) -> StatField:
    """Declare a duration field: ``TimeAsVip`` → ``time_as_vip_seconds FLOAT``."""
    return StatField(source, snake_case(source) + "_seconds", float)


@dataclass(frozen=True)
class ModeBlock:
    """A mode block and the fields each of its forms has.

    Attributes:
        name: the block's key in a ``Stats`` object and in a service record.
        summary: what the block is about, for the generated tables' docstrings.
        fields: the fields of the player and team forms, in column order.
        service_record_fields: the fields of the service-record form, when the
            service record names or omits fields (``None``: the same as ``fields``).

    """

    name: str
    summary: str
    fields: tuple[StatField, ...]
    service_record_fields: tuple[StatField, ...] | None = None

    def table(self, form: Form) -> str:
        """Return the name of this block's table in ``form``."""
        return form.table_name(self.name)

    def fields_of(self, form: Form) -> tuple[StatField, ...]:
        """Return the fields, in column order, of this block's table in ``form``."""
        if form is Form.SERVICE_RECORD and self.service_record_fields is not None:
            return self.service_record_fields
        return self.fields


_PVP = (count("Kills"), count("Deaths"), count("Assists"))
_PVE = (
    count("MarineKills"),
    count("GruntKills"),
    count("JackalKills"),
    count("EliteKills"),
    count("BruteKills"),
    count("HunterKills"),
    count("SkimmerKills"),
    count("SentinelKills"),
    count("BossKills"),
)
_ELIMINATION = (
    count("AlliesRevived"),
    count("EliminationAssists"),
    count("Eliminations"),
    count("EnemyRevivesDenied"),
    count("Executions"),
    count("KillsAsLastPlayerStanding"),
    count("LastPlayersStandingKilled"),
    count("RoundsSurvived"),
    count("TimesRevivedByAlly"),
)

MODE_BLOCKS: tuple[ModeBlock, ...] = (
    ModeBlock(
        "PvpStats",
        "kills, deaths and assists against other players",
        (*_PVP, ratio("KDA")),
        # The service record has no KDA in its mode blocks.
        service_record_fields=_PVP,
    ),
    ModeBlock(
        "PveStats",
        "Firefight kills by enemy class",
        (*_PVP, ratio("KDA"), *_PVE),
        service_record_fields=(*_PVP, *_PVE),
    ),
    ModeBlock(
        "CaptureTheFlagStats",
        "Capture the Flag",
        (
            count("FlagCaptureAssists"),
            count("FlagCaptures"),
            count("FlagCarriersKilled"),
            count("FlagGrabs"),
            count("FlagReturnersKilled"),
            count("FlagReturns"),
            count("FlagSecures"),
            count("FlagSteals"),
            count("KillsAsFlagCarrier"),
            count("KillsAsFlagReturner"),
            duration("TimeAsFlagCarrier"),
        ),
    ),
    ModeBlock(
        "OddballStats",
        "Oddball",
        (
            count("KillsAsSkullCarrier"),
            duration("LongestTimeAsSkullCarrier"),
            count("SkullCarriersKilled"),
            count("SkullGrabs"),
            duration("TimeAsSkullCarrier"),
            count("SkullScoringTicks"),
        ),
    ),
    ModeBlock(
        "ZonesStats",
        "Strongholds and King of the Hill",
        (
            count("StrongholdCaptures"),
            count("StrongholdDefensiveKills"),
            count("StrongholdOffensiveKills"),
            count("StrongholdSecures"),
            duration("StrongholdOccupationTime"),
            count("StrongholdScoringTicks"),
        ),
        # The service record names the same numbers after zones, not strongholds.
        service_record_fields=(
            count("ZoneCaptures"),
            count("ZoneDefensiveKills"),
            count("ZoneOffensiveKills"),
            count("ZoneSecures"),
            duration("TotalZoneOccupationTime"),
            count("ZoneScoringTicks"),
        ),
    ),
    ModeBlock(
        "EliminationStats",
        "Elimination, and Firefight's lives",
        (*_ELIMINATION, count("LivesRemaining"), count("EliminationOrder")),
        # Lives and order are facts of one match; a service record has neither.
        service_record_fields=_ELIMINATION,
    ),
    ModeBlock(
        "ExtractionStats",
        "Extraction",
        (
            count("ExtractionConversionsCompleted"),
            count("ExtractionConversionsDenied"),
            count("ExtractionInitiationsCompleted"),
            count("ExtractionInitiationsDenied"),
            count("SuccessfulExtractions"),
        ),
    ),
    ModeBlock(
        "InfectionStats",
        "Infection",
        (
            count("AlphasKilled"),
            count("SpartansInfected"),
            count("SpartansInfectedAsAlpha"),
            count("KillsAsLastSpartanStanding"),
            count("LastSpartansStandingInfected"),
            count("RoundsAsAlpha"),
            count("RoundsAsLastSpartanStanding"),
            count("RoundsFinishedAsInfected"),
            count("RoundsSurvivedAsSpartan"),
            count("RoundsSurvivedAsLastSpartanStanding"),
            duration("TimeAsLastSpartanStanding"),
            count("InfectedKilled"),
        ),
    ),
    ModeBlock(
        "StockpileStats",
        "Stockpile",
        (
            count("KillsAsPowerSeedCarrier"),
            count("PowerSeedsDeposited"),
            count("PowerSeedsStolen"),
            count("PowerSeedCarriersKilled"),
            duration("TimeAsPowerSeedCarrier"),
            duration("TimeAsPowerSeedDriver"),
        ),
    ),
    ModeBlock(
        "BombStats",
        "Assault",
        (
            count("BombCarriersKilled"),
            count("BombDefusals"),
            count("BombDefusersKilled"),
            count("BombDetonations"),
            count("BombPickUps"),
            count("BombPlants"),
            count("BombReturns"),
            count("KillsAsBombCarrier"),
            duration("TimeAsBombCarrier"),
        ),
    ),
    ModeBlock(
        "VipStats",
        "Escort",
        (
            count("KillsAsVip"),
            duration("LongestTimeAsVip"),
            count("MaxKillingSpreeAsVip"),
            duration("TimeAsVip"),
            count("TimesSelectedAsVip"),
            count("VipAssists"),
            count("VipKills"),
        ),
    ),
)

# Forms a block does not have, with the reason. Every block has all three
# today; a block added without one of them must say why here (a test checks).
MISSING_FORMS: dict[tuple[str, Form], str] = {}

BLOCKS_BY_NAME: dict[str, ModeBlock] = {block.name: block for block in MODE_BLOCKS}

# The API fields of every block sent as durations, in any form.
DURATION_SOURCES: frozenset[str] = frozenset(
    field.source
    for block in MODE_BLOCKS
    for form in Form
    for field in block.fields_of(form)
    if field.is_duration
)


def forms(block: ModeBlock) -> tuple[Form, ...]:
    """Return the forms ``block`` has tables for (all three unless `MISSING_FORMS` says)."""
    return tuple(form for form in Form if (block.name, form) not in MISSING_FORMS)
