"""Enrichment: names and skill from the services around halostats.

`assets`, `medals` and `seasons` are the targets of foreign keys from the
match tables. A match is stored before its names are looked up (and a lookup
may fail or find nothing), so the store gives every reference a row first:
an asset with no `fetched_at`, a medal or season with no `name`. The lookup
fills it in.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from grunt_archive.models.mode_tables import WITHOUT_ROWID


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
    __table_args__ = (WITHOUT_ROWID,)

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
