"""The archive's tables, as sqlmodel models.

Column names follow the API by a fixed rule (INTERFACE.md): an API field
becomes its snake_case name, an ISO-8601 duration becomes REAL seconds in a
``*_seconds`` column, and timestamps are ISO-8601 text in UTC. Stat fields
shared by several tables live in data-model bases (``CoreStatsFields``,
``ServiceRecordCoreFields``); table models only add their keys. The mode-block
tables (player, team and service-record forms of ``PvpStats``,
``CaptureTheFlagStats``, …) are not written out here: they are generated from
the one declaration of the blocks, ``grunt_archive.normalize.mode_blocks``.

Modules: ``matches`` (a match, its teams, players, awards and mode blocks),
``archive`` (archive state: tracking, pending work, raw documents, runs,
drift), ``enrichment`` (assets, medals, skill, seasons), ``snapshots``
(service records, CSR, asset popularity), ``viewer`` (the derived tables
the viewer reads) and ``films`` (theater films, their events, kills and rivals).

The alembic migrations in ``migrations/`` create exactly this schema; a test
checks that they agree.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, MetaData
from sqlmodel import SQLModel

# Constraint names are part of the schema that migrations manage, so they must
# be deterministic before any table is declared.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata

# The order of these imports is the order tables are declared in (and created
# by `create_all`), which is kept as it was when the models were one module.
# isort: off
from grunt_archive.models.matches import (  # noqa: E402
    MATCH_MODE_TABLES,
    CoreStatsFields,
    Match,
    MatchPlayer,
    MatchTeam,
    MedalAward,
    PersonalScoreAward,
    Player,
    PlayerKey,
    TeamKey,
)
from grunt_archive.models.archive import (  # noqa: E402
    ApiDrift,
    PendingMatch,
    RawResponse,
    ServiceRecordCheck,
    SyncRun,
    TrackedPlayer,
    UnfinishedCopy,
)
from grunt_archive.models.enrichment import (  # noqa: E402
    Asset,
    MatchSkill,
    Medal,
    PendingEnrichment,
    Season,
)
from grunt_archive.models.snapshots import (  # noqa: E402
    SERVICE_RECORD_MODE_TABLES,
    AssetStatsSnapshot,
    CsrSnapshot,
    ServiceRecordCoreFields,
    ServiceRecordKey,
    ServiceRecordMedal,
    ServiceRecordSnapshot,
    SnapshotCheck,
)
from grunt_archive.models.viewer import (  # noqa: E402
    ArchiveDayTotal,
    ArchiveMapTotal,
    PlayerDayTotal,
    PlayerEncounter,
    PlayerMapTotal,
    PlayerMatch,
    PlayerMedalTotal,
    PlayerModeTotal,
    PlayerPlaylistTotal,
    PlayerTotal,
)
from grunt_archive.models.films import (  # noqa: E402
    ExpiredFilm,
    Film,
    FilmEventRow,
    KillRow,
    PlayerRival,
)
# isort: on

# Every generated mode-block table model, by table name (``team_oddball_stats``: its
# class is ``TeamOddballStats``).
MODE_TABLES: dict[str, type[SQLModel]] = {**MATCH_MODE_TABLES, **SERVICE_RECORD_MODE_TABLES}

# SQLite's INTEGER holds 64 bits, and the archive's numbers need them (medal ids past
# 2^31, large totals): on PostgreSQL every whole-number column is BIGINT (revision 0017).
for _table in metadata.tables.values():
    for _column in _table.columns:
        if type(_column.type) is Integer:
            _column.type = _column.type.with_variant(BigInteger(), "postgresql")

__all__ = [
    "MODE_TABLES",
    "ApiDrift",
    "ArchiveDayTotal",
    "ArchiveMapTotal",
    "Asset",
    "AssetStatsSnapshot",
    "CoreStatsFields",
    "CsrSnapshot",
    "ExpiredFilm",
    "Film",
    "FilmEventRow",
    "KillRow",
    "Match",
    "MatchPlayer",
    "MatchSkill",
    "MatchTeam",
    "Medal",
    "MedalAward",
    "PendingEnrichment",
    "PendingMatch",
    "PersonalScoreAward",
    "Player",
    "PlayerDayTotal",
    "PlayerEncounter",
    "PlayerKey",
    "PlayerMapTotal",
    "PlayerMatch",
    "PlayerMedalTotal",
    "PlayerModeTotal",
    "PlayerPlaylistTotal",
    "PlayerRival",
    "PlayerTotal",
    "RawResponse",
    "Season",
    "ServiceRecordCheck",
    "ServiceRecordCoreFields",
    "ServiceRecordKey",
    "ServiceRecordMedal",
    "ServiceRecordSnapshot",
    "SnapshotCheck",
    "SyncRun",
    "TeamKey",
    "TrackedPlayer",
    "UnfinishedCopy",
    "metadata",
]
