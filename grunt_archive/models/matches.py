"""The match tables: a match, its teams and players, their CoreStats, awards and mode blocks."""

from __future__ import annotations

from sqlalchemy import ForeignKeyConstraint, Index, false, text
from sqlmodel import Field, SQLModel

from grunt_archive.models.mode_tables import WITHOUT_ROWID, mode_tables
from grunt_archive.normalize.mode_blocks import Form
from grunt_archive.views import PVE_MATCH_WHERE


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


# --- matches -----------------------------------------------------------------


class Match(SQLModel, table=True):
    """One match, from ``MatchInfo``."""

    __tablename__ = "matches"
    __table_args__ = (
        Index("ix_matches_start_time", "start_time"),
        # The PvE matches (view pve_matches): the viewer tells matchmade PvP from PvE by
        # looking a player's matches up in this small index, not in every match row.
        Index(
            "ix_matches_pve",
            "match_id",
            sqlite_where=text(PVE_MATCH_WHERE),
            postgresql_where=text(PVE_MATCH_WHERE),
        ),
        # The free-for-all matches (a few in a hundred): the canned query free_for_all and
        # the chart ffa_places start from this small index, not from every match row. It
        # holds what the canned query reads of each (scope, time, field): no row lookup.
        Index(
            "ix_matches_free_for_all",
            "match_id",
            "lifecycle_mode",
            "start_time",
            "player_count",
            sqlite_where=text("free_for_all"),
            postgresql_where=text("free_for_all"),
        ),
        # Each asset reference names a version in `assets`: a row with no name and no
        # fetched_at until the lookup comes back (store.matches writes it with the match).
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
    # Decided once, as the match is written (`normalize.match.is_free_for_all`), and
    # again after a copy adds rows to a match held (`store.matches.recompute_from_rows`):
    # the pages and canned queries read it, not `views.FREE_FOR_ALL_SQL` per match.
    free_for_all: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # How many players (bots too): written and written again as `free_for_all` is
    # (`normalize.match.player_count`), so that the field of a free-for-all match is
    # read, not counted from `match_players` once per line (`views.PLAYER_COUNT_SQL`).
    player_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class MatchTeam(CoreStatsFields, table=True):
    """A team in a match, with its total CoreStats."""

    __tablename__ = "match_teams"
    __table_args__ = (WITHOUT_ROWID,)

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
    __table_args__ = (
        Index("ix_match_players_player_id", "player_id", "match_id"),
        WITHOUT_ROWID,
    )

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
        # A player's medal totals read this index alone, not every award of every match.
        Index("ix_medal_awards_player_id", "player_id", "medal_id", "count"),
        WITHOUT_ROWID,
    )

    # A medal the metadata has not named yet still has a `medals` row (no name).
    medal_id: int = Field(primary_key=True, foreign_key="medals.medal_id")
    count: int | None = None
    total_personal_score_awarded: int | None = None


class PersonalScoreAward(PlayerKey, table=True):
    """A line of a player's personal score breakdown."""

    __tablename__ = "personal_score_awards"
    # Thirty rows a match, no other index: a rowid table would keep every key twice.
    __table_args__ = (WITHOUT_ROWID,)

    name_id: int = Field(primary_key=True)
    count: int | None = None
    total_personal_score_awarded: int | None = None


# The player and team forms of every mode block (``pvp_stats``, ``team_pvp_stats``, …),
# generated from the declaration in ``normalize.mode_blocks``.
MATCH_MODE_TABLES = mode_tables({Form.PLAYER: PlayerKey, Form.TEAM: TeamKey})
