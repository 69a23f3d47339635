"""Career snapshots (issue 8): service records, playlist CSR, asset popularity.

Each table is a log of changes: a row is written only when a document differs
from the latest row of the same key (``content_hash`` is what is compared), so
a sync that finds nothing new writes nothing. Rows are keyed by what was asked
about and ``taken_at``, the time the document arrived; ``reparse`` rebuilds
them from the raw documents (``store.career_snapshots``).
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from grunt_archive.models.mode_tables import mode_tables
from grunt_archive.normalize.mode_blocks import Form


class ServiceRecordKey(SQLModel):
    """The key of a service record snapshot and of its mode blocks."""

    player_id: str = Field(primary_key=True, foreign_key="players.player_id")
    # The request's lifecycle and filters, canonical: ``matchmade?seasonid=…``.
    scope: str = Field(primary_key=True)
    taken_at: str = Field(primary_key=True)


class ServiceRecordCoreFields(SQLModel):
    """Every number of a service record's ``CoreStats`` (``AverageKDA``, no life duration)."""

    score: int | None = None
    personal_score: int | None = None
    rounds_won: int | None = None
    rounds_lost: int | None = None
    rounds_tied: int | None = None
    kills: int | None = None
    deaths: int | None = None
    assists: int | None = None
    average_kda: float | None = None
    suicides: int | None = None
    betrayals: int | None = None
    grenade_kills: int | None = None
    headshot_kills: int | None = None
    melee_kills: int | None = None
    power_weapon_kills: int | None = None
    shots_fired: int | None = None
    shots_hit: int | None = None
    accuracy: float | None = None
    damage_dealt: int | None = None
    damage_taken: int | None = None
    callout_assists: int | None = None
    vehicle_destroys: int | None = None
    driver_assists: int | None = None
    hijacks: int | None = None
    emp_assists: int | None = None
    max_killing_spree: int | None = None
    spawns: int | None = None
    objectives_completed: int | None = None


class ServiceRecordSnapshot(ServiceRecordKey, ServiceRecordCoreFields, table=True):
    """A change of a player's service record in one scope (lifecycle and filters)."""

    __tablename__ = "service_record_snapshots"

    lifecycle: str  # matchmade, custom or local
    season_id: str | None = Field(default=None, foreign_key="seasons.season_id")
    playlist_asset_id: str | None = None
    is_ranked: bool | None = None
    game_variant_category: int | None = None
    gameplay_interaction: int | None = None
    matches_completed: int | None = None
    wins: int | None = None
    losses: int | None = None
    ties: int | None = None
    time_played_seconds: float | None = None
    subqueries: str | None = None  # JSON object, as sent
    content_hash: str


class ServiceRecordMedal(ServiceRecordKey, table=True):
    """A medal count of a service record snapshot."""

    __tablename__ = "service_record_medals"

    medal_id: int = Field(primary_key=True, foreign_key="medals.medal_id")
    count: int | None = None
    total_personal_score_awarded: int | None = None


# The service-record form of every mode block (``service_record_pvp_stats``, …),
# generated from the declaration in ``normalize.mode_blocks``.
SERVICE_RECORD_MODE_TABLES = mode_tables({Form.SERVICE_RECORD: ServiceRecordKey})


class CsrSnapshot(SQLModel, table=True):
    """A change of a player's CSR in a ranked playlist (current, season max, all-time max)."""

    __tablename__ = "csr_snapshots"

    player_id: str = Field(primary_key=True, foreign_key="players.player_id")
    playlist_asset_id: str = Field(primary_key=True)
    taken_at: str = Field(primary_key=True)
    result_code: int | None = None
    current_csr: int | None = None
    current_tier: str | None = None
    current_sub_tier: int | None = None
    current_tier_start: int | None = None
    current_next_tier: str | None = None
    current_next_sub_tier: int | None = None
    current_next_tier_start: int | None = None
    current_measurement_matches_remaining: int | None = None
    current_initial_measurement_matches: int | None = None
    season_max_csr: int | None = None
    season_max_tier: str | None = None
    season_max_sub_tier: int | None = None
    season_max_tier_start: int | None = None
    season_max_next_tier: str | None = None
    season_max_next_sub_tier: int | None = None
    season_max_next_tier_start: int | None = None
    season_max_measurement_matches_remaining: int | None = None
    season_max_initial_measurement_matches: int | None = None
    all_time_max_csr: int | None = None
    all_time_max_tier: str | None = None
    all_time_max_sub_tier: int | None = None
    all_time_max_tier_start: int | None = None
    all_time_max_next_tier: str | None = None
    all_time_max_next_sub_tier: int | None = None
    all_time_max_next_tier_start: int | None = None
    all_time_max_measurement_matches_remaining: int | None = None
    all_time_max_initial_measurement_matches: int | None = None
    content_hash: str


class AssetStatsSnapshot(SQLModel, table=True):
    """A change of an asset's community figures (``AssetStats``), looked at most once a day."""

    __tablename__ = "asset_stats_snapshots"

    asset_id: str = Field(primary_key=True)
    taken_at: str = Field(primary_key=True)
    asset_kind: str
    version_id: str | None = None  # the version the service called latest
    plays_recent: int | None = None
    plays_all_time: int | None = None
    favorites: int | None = None
    likes: int | None = None
    bookmarks: int | None = None
    parent_asset_count: int | None = None
    average_rating: float | None = None
    number_of_ratings: int | None = None
    content_hash: str


class SnapshotCheck(SQLModel, table=True):
    """When a snapshot key was last asked about, changed or not (bookkeeping, not rebuilt)."""

    __tablename__ = "snapshot_checks"

    kind: str = Field(primary_key=True)
    key: str = Field(primary_key=True)
    checked_at: str
