"""The archive's tables, as sqlmodel models.

Column names follow the API by a fixed rule (INTERFACE.md): an API field
becomes its snake_case name, an ISO-8601 duration becomes REAL seconds in a
``*_seconds`` column, and timestamps are ISO-8601 text in UTC. Stat fields
shared by several tables live in the data-model bases (``CoreStatsFields`` and
one ``*Fields`` class per mode block); table models only add their keys.

The alembic migrations in ``migrations/`` create exactly this schema; a test
checks that they agree.
"""

from __future__ import annotations

from sqlalchemy import ForeignKeyConstraint, Index, MetaData, PrimaryKeyConstraint, text
from sqlmodel import Field, SQLModel

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


# --- shared field sets -------------------------------------------------------


class CoreStatsFields(SQLModel):
    """Every number of a ``CoreStats`` block (medals and personal scores go to their own tables)."""

    score: int | None = None
    personal_score: int | None = None
    rounds_won: int | None = None
    rounds_lost: int | None = None
    rounds_tied: int | None = None
    kills: int | None = None
    deaths: int | None = None
    assists: int | None = None
    kda: float | None = None
    suicides: int | None = None
    betrayals: int | None = None
    average_life_duration_seconds: float | None = None
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
    deprecated_damage_dealt: float | None = None
    deprecated_damage_taken: float | None = None
    spawns: int | None = None
    objectives_completed: int | None = None


class PvpStatsFields(SQLModel):
    """``PvpStats``: kills, deaths and assists against other players."""

    kills: int | None = None
    deaths: int | None = None
    assists: int | None = None
    kda: float | None = None


class PveStatsFields(SQLModel):
    """``PveStats``: Firefight kills by enemy class."""

    kills: int | None = None
    deaths: int | None = None
    assists: int | None = None
    kda: float | None = None
    marine_kills: int | None = None
    grunt_kills: int | None = None
    jackal_kills: int | None = None
    elite_kills: int | None = None
    brute_kills: int | None = None
    hunter_kills: int | None = None
    skimmer_kills: int | None = None
    sentinel_kills: int | None = None
    boss_kills: int | None = None


class CaptureTheFlagStatsFields(SQLModel):
    """``CaptureTheFlagStats``."""

    flag_capture_assists: int | None = None
    flag_captures: int | None = None
    flag_carriers_killed: int | None = None
    flag_grabs: int | None = None
    flag_returners_killed: int | None = None
    flag_returns: int | None = None
    flag_secures: int | None = None
    flag_steals: int | None = None
    kills_as_flag_carrier: int | None = None
    kills_as_flag_returner: int | None = None
    time_as_flag_carrier_seconds: float | None = None


class OddballStatsFields(SQLModel):
    """``OddballStats``."""

    kills_as_skull_carrier: int | None = None
    longest_time_as_skull_carrier_seconds: float | None = None
    skull_carriers_killed: int | None = None
    skull_grabs: int | None = None
    time_as_skull_carrier_seconds: float | None = None
    skull_scoring_ticks: int | None = None


class ZonesStatsFields(SQLModel):
    """``ZonesStats`` (Strongholds, King of the Hill), with the match-stats field names."""

    stronghold_captures: int | None = None
    stronghold_defensive_kills: int | None = None
    stronghold_offensive_kills: int | None = None
    stronghold_secures: int | None = None
    stronghold_occupation_time_seconds: float | None = None
    stronghold_scoring_ticks: int | None = None


class EliminationStatsFields(SQLModel):
    """``EliminationStats`` (Elimination, and Firefight's lives)."""

    allies_revived: int | None = None
    elimination_assists: int | None = None
    eliminations: int | None = None
    enemy_revives_denied: int | None = None
    executions: int | None = None
    kills_as_last_player_standing: int | None = None
    last_players_standing_killed: int | None = None
    rounds_survived: int | None = None
    times_revived_by_ally: int | None = None
    lives_remaining: int | None = None
    elimination_order: int | None = None


class ExtractionStatsFields(SQLModel):
    """``ExtractionStats``."""

    extraction_conversions_completed: int | None = None
    extraction_conversions_denied: int | None = None
    extraction_initiations_completed: int | None = None
    extraction_initiations_denied: int | None = None
    successful_extractions: int | None = None


class InfectionStatsFields(SQLModel):
    """``InfectionStats``."""

    alphas_killed: int | None = None
    spartans_infected: int | None = None
    spartans_infected_as_alpha: int | None = None
    kills_as_last_spartan_standing: int | None = None
    last_spartans_standing_infected: int | None = None
    rounds_as_alpha: int | None = None
    rounds_as_last_spartan_standing: int | None = None
    rounds_finished_as_infected: int | None = None
    rounds_survived_as_spartan: int | None = None
    rounds_survived_as_last_spartan_standing: int | None = None
    time_as_last_spartan_standing_seconds: float | None = None
    infected_killed: int | None = None


class StockpileStatsFields(SQLModel):
    """``StockpileStats``."""

    kills_as_power_seed_carrier: int | None = None
    power_seeds_deposited: int | None = None
    power_seeds_stolen: int | None = None
    power_seed_carriers_killed: int | None = None
    time_as_power_seed_carrier_seconds: float | None = None
    time_as_power_seed_driver_seconds: float | None = None


class BombStatsFields(SQLModel):
    """``BombStats`` (Assault)."""

    bomb_carriers_killed: int | None = None
    bomb_defusals: int | None = None
    bomb_defusers_killed: int | None = None
    bomb_detonations: int | None = None
    bomb_pick_ups: int | None = None
    bomb_plants: int | None = None
    bomb_returns: int | None = None
    kills_as_bomb_carrier: int | None = None
    time_as_bomb_carrier_seconds: float | None = None


class VipStatsFields(SQLModel):
    """``VipStats`` (Escort)."""

    kills_as_vip: int | None = None
    longest_time_as_vip_seconds: float | None = None
    max_killing_spree_as_vip: int | None = None
    time_as_vip_seconds: float | None = None
    times_selected_as_vip: int | None = None
    vip_assists: int | None = None
    vip_kills: int | None = None


# --- matches -----------------------------------------------------------------

# A PvE match: the service says so (GameplayInteraction 2), or, in 2022-era documents
# that lack that field, it is Firefight (GameVariantCategory 42) or a PvE playlist
# (PlaylistExperience 6). The index ix_matches_pve and the view pve_matches share it.
PVE_MATCH_WHERE = (
    "gameplay_interaction = 2 OR game_variant_category = 42 OR playlist_experience = 6"
)


class Match(SQLModel, table=True):
    """One match, from ``MatchInfo``."""

    __tablename__ = "matches"
    __table_args__ = (
        Index("ix_matches_start_time", "start_time"),
        # The PvE matches (view pve_matches): the viewer tells matchmade PvP from PvE by
        # looking a player's matches up in this small index, not in every match row.
        Index("ix_matches_pve", "match_id", sqlite_where=text(PVE_MATCH_WHERE)),
        # Each asset reference names a version in `assets`: a row with no name and no
        # fetched_at until the lookup comes back (store.py writes it with the match).
        *(
            ForeignKeyConstraint(
                [f"{kind}_asset_id", f"{kind}_version_id"],
                ["assets.asset_id", "assets.version_id"],
            )
            for kind in ("map", "game_variant", "playlist", "map_mode_pair")
        ),
    )

    match_id: str = Field(primary_key=True)
    start_time: str
    end_time: str | None = None
    duration_seconds: float | None = None
    lifecycle_mode: int | None = None
    game_variant_category: int | None = None
    level_id: str | None = None
    map_asset_id: str | None = None
    map_version_id: str | None = None
    game_variant_asset_id: str | None = None
    game_variant_version_id: str | None = None
    playlist_asset_id: str | None = None
    playlist_version_id: str | None = None
    map_mode_pair_asset_id: str | None = None
    map_mode_pair_version_id: str | None = None
    clearance_id: str | None = None
    playlist_experience: int | None = None
    # A season not looked up yet still has a `seasons` row (no name).
    season_id: str | None = Field(default=None, foreign_key="seasons.season_id")
    playable_duration_seconds: float | None = None
    teams_enabled: bool | None = None
    team_scoring_enabled: bool | None = None
    gameplay_interaction: int | None = None


class MatchTeam(CoreStatsFields, table=True):
    """A team in a match, with its total CoreStats."""

    __tablename__ = "match_teams"

    match_id: str = Field(primary_key=True, foreign_key="matches.match_id")
    team_id: int = Field(primary_key=True)
    outcome: int | None = None
    rank: int | None = None


class Player(SQLModel, table=True):
    """A player or bot ever seen in a match."""

    __tablename__ = "players"

    player_id: str = Field(primary_key=True)
    gamertag: str | None = None
    is_bot: bool = False
    # When the profile service was last asked for this player's gamertag (even
    # if it did not know them), so lookups repeat only once they are stale.
    gamertag_updated_at: str | None = None


class MatchPlayer(CoreStatsFields, table=True):
    """A player's stats for one team they played on in a match (``PlayerTeamStats``)."""

    __tablename__ = "match_players"
    __table_args__ = (Index("ix_match_players_player_id", "player_id", "match_id"),)

    match_id: str = Field(primary_key=True, foreign_key="matches.match_id")
    player_id: str = Field(primary_key=True, foreign_key="players.player_id")
    team_id: int = Field(primary_key=True)
    player_type: int | None = None
    bot_difficulty: int | None = None
    last_team_id: int | None = None
    outcome: int | None = None
    rank: int | None = None
    first_joined_time: str | None = None
    last_leave_time: str | None = None
    present_at_beginning: bool | None = None
    joined_in_progress: bool | None = None
    left_in_progress: bool | None = None
    present_at_completion: bool | None = None
    time_played_seconds: float | None = None
    confirmed_participation: bool | None = None


class PlayerKey(SQLModel):
    """The key of a player-level row: player, team, match."""

    match_id: str = Field(primary_key=True, foreign_key="matches.match_id")
    player_id: str = Field(primary_key=True, foreign_key="players.player_id")
    team_id: int = Field(primary_key=True)


class TeamKey(SQLModel):
    """The key of a team-level row: team, match."""

    match_id: str = Field(primary_key=True, foreign_key="matches.match_id")
    team_id: int = Field(primary_key=True)


class MedalAward(PlayerKey, table=True):
    """A medal a player earned in a match, and how often."""

    __tablename__ = "medal_awards"
    __table_args__ = (
        Index("ix_medal_awards_medal_id", "medal_id"),
        # A player's medal totals read this index alone, not every award of every match.
        Index("ix_medal_awards_player_id", "player_id", "medal_id", "count"),
    )

    # A medal the metadata has not named yet still has a `medals` row (no name).
    medal_id: int = Field(primary_key=True, foreign_key="medals.medal_id")
    count: int | None = None
    total_personal_score_awarded: int | None = None


class PersonalScoreAward(PlayerKey, table=True):
    """A line of a player's personal score breakdown."""

    __tablename__ = "personal_score_awards"

    name_id: int = Field(primary_key=True)
    count: int | None = None
    total_personal_score_awarded: int | None = None


# --- mode blocks, at player and team level -----------------------------------


class PvpStats(PlayerKey, PvpStatsFields, table=True):
    """A player's ``PvpStats``."""

    __tablename__ = "pvp_stats"


class TeamPvpStats(TeamKey, PvpStatsFields, table=True):
    """A team's ``PvpStats``."""

    __tablename__ = "team_pvp_stats"


class PveStats(PlayerKey, PveStatsFields, table=True):
    """A player's ``PveStats``."""

    __tablename__ = "pve_stats"


class TeamPveStats(TeamKey, PveStatsFields, table=True):
    """A team's ``PveStats``."""

    __tablename__ = "team_pve_stats"


class CaptureTheFlagStats(PlayerKey, CaptureTheFlagStatsFields, table=True):
    """A player's ``CaptureTheFlagStats``."""

    __tablename__ = "capture_the_flag_stats"


class TeamCaptureTheFlagStats(TeamKey, CaptureTheFlagStatsFields, table=True):
    """A team's ``CaptureTheFlagStats``."""

    __tablename__ = "team_capture_the_flag_stats"


class OddballStats(PlayerKey, OddballStatsFields, table=True):
    """A player's ``OddballStats``."""

    __tablename__ = "oddball_stats"


class TeamOddballStats(TeamKey, OddballStatsFields, table=True):
    """A team's ``OddballStats``."""

    __tablename__ = "team_oddball_stats"


class ZonesStats(PlayerKey, ZonesStatsFields, table=True):
    """A player's ``ZonesStats``."""

    __tablename__ = "zones_stats"


class TeamZonesStats(TeamKey, ZonesStatsFields, table=True):
    """A team's ``ZonesStats``."""

    __tablename__ = "team_zones_stats"


class EliminationStats(PlayerKey, EliminationStatsFields, table=True):
    """A player's ``EliminationStats``."""

    __tablename__ = "elimination_stats"


class TeamEliminationStats(TeamKey, EliminationStatsFields, table=True):
    """A team's ``EliminationStats``."""

    __tablename__ = "team_elimination_stats"


class ExtractionStats(PlayerKey, ExtractionStatsFields, table=True):
    """A player's ``ExtractionStats``."""

    __tablename__ = "extraction_stats"


class TeamExtractionStats(TeamKey, ExtractionStatsFields, table=True):
    """A team's ``ExtractionStats``."""

    __tablename__ = "team_extraction_stats"


class InfectionStats(PlayerKey, InfectionStatsFields, table=True):
    """A player's ``InfectionStats``."""

    __tablename__ = "infection_stats"


class TeamInfectionStats(TeamKey, InfectionStatsFields, table=True):
    """A team's ``InfectionStats``."""

    __tablename__ = "team_infection_stats"


class StockpileStats(PlayerKey, StockpileStatsFields, table=True):
    """A player's ``StockpileStats``."""

    __tablename__ = "stockpile_stats"


class TeamStockpileStats(TeamKey, StockpileStatsFields, table=True):
    """A team's ``StockpileStats``."""

    __tablename__ = "team_stockpile_stats"


class BombStats(PlayerKey, BombStatsFields, table=True):
    """A player's ``BombStats``."""

    __tablename__ = "bomb_stats"


class TeamBombStats(TeamKey, BombStatsFields, table=True):
    """A team's ``BombStats``."""

    __tablename__ = "team_bomb_stats"


class VipStats(PlayerKey, VipStatsFields, table=True):
    """A player's ``VipStats``."""

    __tablename__ = "vip_stats"


class TeamVipStats(TeamKey, VipStatsFields, table=True):
    """A team's ``VipStats``."""

    __tablename__ = "team_vip_stats"


# --- sync bookkeeping --------------------------------------------------------


class TrackedPlayer(SQLModel, table=True):
    """A player whose history is archived, and how far the archive reaches.

    Every match with ``oldest_start_time <= start_time <= newest_start_time``
    is archived or pending. ``backfill_offset`` is the history offset where an
    unfinished backfill resumes; ``history_complete`` says the walk has reached
    the player's first match.
    """

    __tablename__ = "tracked_players"

    player_id: str = Field(primary_key=True, foreign_key="players.player_id")
    added_at: str
    history_complete: bool = False
    newest_start_time: str | None = None
    oldest_start_time: str | None = None
    backfill_offset: int = 0
    last_synced_at: str | None = None


class PendingMatch(SQLModel, table=True):
    """A match seen in a history whose stats could not be archived yet."""

    __tablename__ = "pending_matches"

    match_id: str = Field(primary_key=True)
    player_id: str | None = None
    start_time: str | None = None
    reason: str | None = None
    attempts: int = 0
    first_seen_at: str
    last_attempt_at: str | None = None


class RawResponse(SQLModel, table=True):
    """A document exactly as the service sent it, so tables can be rebuilt offline."""

    __tablename__ = "raw_responses"
    __table_args__ = (Index("ix_raw_responses_kind_key", "kind", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    key: str
    path: str
    fetched_at: str
    body: str


class SyncRun(SQLModel, table=True):
    """One run of ``grunt-archive sync``: what it did and how it ended."""

    __tablename__ = "sync_runs"

    id: int | None = Field(default=None, primary_key=True)
    started_at: str
    finished_at: str | None = None
    outcome: str = "running"
    players: str | None = None
    requests: int = 0
    matches_added: int = 0
    pending: int = 0
    failures: str | None = None
    error: str | None = None


class ApiDrift(SQLModel, table=True):
    """A field or mode block the API sent that this version of the code does not know."""

    __tablename__ = "api_drift"

    table_name: str = Field(primary_key=True)
    field: str = Field(primary_key=True)
    first_seen_at: str
    last_seen_at: str
    example_match_id: str | None = None
    occurrences: int = 0


# --- enrichment: names and skill from the services around halostats ----------
#
# `assets`, `medals` and `seasons` are the targets of foreign keys from the
# match tables. A match is stored before its names are looked up (and a lookup
# may fail or find nothing), so the store gives every reference a row first:
# an asset with no `fetched_at`, a medal or season with no `name`. The lookup
# fills it in.


class Asset(SQLModel, table=True):
    """A version of a map, game variant, playlist or map-mode pair, from UGC discovery."""

    __tablename__ = "assets"

    asset_id: str = Field(primary_key=True)
    version_id: str = Field(primary_key=True)
    asset_kind: str  # map, game_variant, playlist or map_mode_pair, as in the matches columns
    public_name: str | None = None
    description: str | None = None
    tags: str | None = None  # JSON list
    # A map-mode pair names the map and game variant versions it pairs.
    map_asset_id: str | None = None
    map_version_id: str | None = None
    game_variant_asset_id: str | None = None
    game_variant_version_id: str | None = None
    # A game variant names the engine variant it builds on.
    engine_game_variant_asset_id: str | None = None
    engine_game_variant_version_id: str | None = None
    fetched_at: str | None = None  # None: referred to by a match, not looked up yet


class Medal(SQLModel, table=True):
    """A medal of the gamecms medal metadata, by the ``NameId`` that ``medal_awards`` uses."""

    __tablename__ = "medals"

    medal_id: int = Field(primary_key=True)
    name: str | None = None
    description: str | None = None
    difficulty: str | None = None
    difficulty_index: int | None = None
    type: str | None = None
    type_index: int | None = None
    personal_score: int | None = None
    sorting_weight: int | None = None
    sprite_index: int | None = None


class MatchSkill(SQLModel, table=True):
    """A human player's skill result in a matchmade match: CSR, MMR, expected performance.

    Numbers the service sent as ``"NaN"`` or ``"Infinity"`` are NULL here and
    listed, as sent, in ``non_finite`` (a JSON object of column → text).
    """

    __tablename__ = "match_skill"

    match_id: str = Field(primary_key=True, foreign_key="matches.match_id")
    player_id: str = Field(primary_key=True, foreign_key="players.player_id")
    team_id: int | None = None
    result_code: int | None = None
    team_mmr: float | None = None
    team_mmrs: str | None = None  # JSON object team id → MMR, as sent
    pre_match_csr: int | None = None
    pre_match_tier: str | None = None
    pre_match_sub_tier: int | None = None
    pre_match_tier_start: int | None = None
    pre_match_next_tier: str | None = None
    pre_match_next_sub_tier: int | None = None
    pre_match_next_tier_start: int | None = None
    pre_match_measurement_matches_remaining: int | None = None
    pre_match_initial_measurement_matches: int | None = None
    post_match_csr: int | None = None
    post_match_tier: str | None = None
    post_match_sub_tier: int | None = None
    post_match_tier_start: int | None = None
    post_match_next_tier: str | None = None
    post_match_next_sub_tier: int | None = None
    post_match_next_tier_start: int | None = None
    post_match_measurement_matches_remaining: int | None = None
    post_match_initial_measurement_matches: int | None = None
    kills: int | None = None
    expected_kills: float | None = None
    kills_std_dev: float | None = None
    deaths: int | None = None
    expected_deaths: float | None = None
    deaths_std_dev: float | None = None
    self_counterfactual_kills: float | None = None
    self_counterfactual_deaths: float | None = None
    tier_counterfactuals: str | None = None  # JSON object tier → {Kills, Deaths}
    ranked_rewards: str | None = None  # JSON, as sent
    non_finite: str | None = None


class Season(SQLModel, table=True):
    """A season, by the id ``matches.season_id`` holds (a game season or a CSR season)."""

    __tablename__ = "seasons"

    season_id: str = Field(primary_key=True)
    name: str | None = None
    kind: str | None = None  # season or csr_season
    start_time: str | None = None
    end_time: str | None = None
    csr_season_id: str | None = None  # the CSR season a game season counts towards
    operation_track_path: str | None = None


class PendingEnrichment(SQLModel, table=True):
    """A lookup that failed or found nothing, retried first by the next sync.

    ``kind`` is ``asset`` (key ``kind:asset_id:version_id``), ``match_skill``
    (key the match id), ``medal_metadata``, ``season_calendar``, ``medal``
    or ``season`` (key the id the metadata lacks). After ``MAX_ATTEMPTS``
    attempts an item is left alone; delete its row to try again.
    """

    __tablename__ = "pending_enrichment"

    kind: str = Field(primary_key=True)
    key: str = Field(primary_key=True)
    reason: str | None = None
    attempts: int = 0
    first_seen_at: str
    last_attempt_at: str | None = None


# --- career snapshots (issue 8): service records, playlist CSR, asset popularity ---
#
# Each table is a log of changes: a row is written only when a document differs
# from the latest row of the same key (``content_hash`` is what is compared), so
# a sync that finds nothing new writes nothing. Rows are keyed by what was asked
# about and ``taken_at``, the time the document arrived; ``reparse`` rebuilds
# them from the raw documents (``store_snapshots``).


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


class ServiceRecordZonesFields(SQLModel):
    """``ZonesStats`` as the service record names them (not the match-stats names)."""

    zone_captures: int | None = None
    zone_defensive_kills: int | None = None
    zone_offensive_kills: int | None = None
    zone_secures: int | None = None
    total_zone_occupation_time_seconds: float | None = None
    zone_scoring_ticks: int | None = None


class ServiceRecordEliminationFields(SQLModel):
    """``EliminationStats`` of a service record (no lives remaining or order)."""

    allies_revived: int | None = None
    elimination_assists: int | None = None
    eliminations: int | None = None
    enemy_revives_denied: int | None = None
    executions: int | None = None
    kills_as_last_player_standing: int | None = None
    last_players_standing_killed: int | None = None
    rounds_survived: int | None = None
    times_revived_by_ally: int | None = None


class ServiceRecordPvpFields(SQLModel):
    """``PvpStats`` of a service record (no KDA)."""

    kills: int | None = None
    deaths: int | None = None
    assists: int | None = None


class ServiceRecordPveFields(ServiceRecordPvpFields):
    """``PveStats`` of a service record (no KDA)."""

    marine_kills: int | None = None
    grunt_kills: int | None = None
    jackal_kills: int | None = None
    elite_kills: int | None = None
    brute_kills: int | None = None
    hunter_kills: int | None = None
    skimmer_kills: int | None = None
    sentinel_kills: int | None = None
    boss_kills: int | None = None


class ServiceRecordPvpStats(ServiceRecordKey, ServiceRecordPvpFields, table=True):
    """A service record snapshot's ``PvpStats``."""

    __tablename__ = "service_record_pvp_stats"


class ServiceRecordPveStats(ServiceRecordKey, ServiceRecordPveFields, table=True):
    """A service record snapshot's ``PveStats``."""

    __tablename__ = "service_record_pve_stats"


class ServiceRecordCaptureTheFlagStats(ServiceRecordKey, CaptureTheFlagStatsFields, table=True):
    """A service record snapshot's ``CaptureTheFlagStats``."""

    __tablename__ = "service_record_capture_the_flag_stats"


class ServiceRecordOddballStats(ServiceRecordKey, OddballStatsFields, table=True):
    """A service record snapshot's ``OddballStats``."""

    __tablename__ = "service_record_oddball_stats"


class ServiceRecordZonesStats(ServiceRecordKey, ServiceRecordZonesFields, table=True):
    """A service record snapshot's ``ZonesStats``."""

    __tablename__ = "service_record_zones_stats"


class ServiceRecordEliminationStats(ServiceRecordKey, ServiceRecordEliminationFields, table=True):
    """A service record snapshot's ``EliminationStats``."""

    __tablename__ = "service_record_elimination_stats"


class ServiceRecordExtractionStats(ServiceRecordKey, ExtractionStatsFields, table=True):
    """A service record snapshot's ``ExtractionStats``."""

    __tablename__ = "service_record_extraction_stats"


class ServiceRecordInfectionStats(ServiceRecordKey, InfectionStatsFields, table=True):
    """A service record snapshot's ``InfectionStats``."""

    __tablename__ = "service_record_infection_stats"


class ServiceRecordStockpileStats(ServiceRecordKey, StockpileStatsFields, table=True):
    """A service record snapshot's ``StockpileStats``."""

    __tablename__ = "service_record_stockpile_stats"


class ServiceRecordBombStats(ServiceRecordKey, BombStatsFields, table=True):
    """A service record snapshot's ``BombStats``."""

    __tablename__ = "service_record_bomb_stats"


class ServiceRecordVipStats(ServiceRecordKey, VipStatsFields, table=True):
    """A service record snapshot's ``VipStats``."""

    __tablename__ = "service_record_vip_stats"


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


# --- the viewer's career tables (kept current by grunt_archive.career) --------
# Derived rows: every value here can be computed again from the tables above
# (`grunt-archive reparse` does). They exist so that the canned queries and the
# Career dashboard read one narrow row per match instead of joining seven
# tables over a whole career (issue 7).


class PlayerMatch(SQLModel, table=True):
    """A tracked player's line of one match, every name joined (per team, if they switched)."""

    __tablename__ = "player_matches"
    __table_args__ = (
        # Columns keep the order of the view this table replaced; the key leads with the match.
        PrimaryKeyConstraint("match_id", "player_id", "team_id"),
        Index("ix_player_matches_player_id", "player_id", "start_time"),
    )

    start_time: str
    day: str | None = None
    gamertag: str | None = None
    playlist: str | None = None
    map: str | None = None
    mode: str | None = None
    outcome: str | None = None  # win, loss, tie or left
    kills: int | None = None
    deaths: int | None = None
    assists: int | None = None
    kd: float | None = None
    kda: float | None = None
    accuracy: float | None = None
    damage_dealt: int | None = None
    damage_taken: int | None = None
    personal_score: int | None = None
    headshot_kills: int | None = None
    pre_match_csr: int | None = None
    post_match_csr: int | None = None
    csr_change: int | None = None
    post_match_tier: str | None = None
    expected_kills: float | None = None
    expected_deaths: float | None = None
    season: str | None = None
    time_played_seconds: float | None = None
    duration_seconds: float | None = None
    lifecycle_mode: int | None = None
    team_id: int
    match_id: str = Field(foreign_key="matches.match_id")
    player_id: str = Field(foreign_key="players.player_id")
    # The ids the names above come from, so a name looked up later finds its rows.
    playlist_asset_id: str | None = None
    playlist_version_id: str | None = None
    map_asset_id: str | None = None
    map_version_id: str | None = None
    game_variant_asset_id: str | None = None
    game_variant_version_id: str | None = None
    season_id: str | None = None


class PlayerEncounter(SQLModel, table=True):
    """A human a tracked player has met, as teammate or opponent, and how those matches went."""

    __tablename__ = "player_encounters"
    __table_args__ = (
        PrimaryKeyConstraint("player_id", "other_player_id", "relation"),
        # Teammates and opponents, most met first, without sorting every encounter.
        Index("ix_player_encounters_relation", "relation", "matches", "win_rate"),
        Index("ix_player_encounters_other_player_id", "other_player_id"),
    )

    gamertag: str | None = None
    other_gamertag: str | None = None
    relation: str  # teammate or opponent
    matches: int
    wins: int | None = None
    win_rate: float | None = None
    their_kills: int | None = None
    their_deaths: int | None = None
    last_played: str | None = None
    player_id: str = Field(foreign_key="players.player_id")
    other_player_id: str = Field(foreign_key="players.player_id")


class PlayerMedalTotal(SQLModel, table=True):
    """How often a tracked player has earned a medal across the archive."""

    __tablename__ = "player_medal_totals"

    gamertag: str | None = None
    medal: str | None = None
    difficulty: str | None = None
    type: str | None = None
    total: int | None = None
    matches_awarded: int
    personal_score: int | None = None
    player_id: str = Field(primary_key=True, foreign_key="players.player_id")
    medal_id: int = Field(primary_key=True, foreign_key="medals.medal_id")
