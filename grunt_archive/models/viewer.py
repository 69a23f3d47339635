"""The viewer's derived tables (kept current by ``grunt_archive.store.player_tables``).

Derived rows: every value here can be computed again from the other tables
(`grunt-archive reparse` does). They exist so that the canned queries and the
Career dashboard read one narrow row per match instead of joining seven
tables over a whole career (issue 7).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, PrimaryKeyConstraint, text
from sqlmodel import Field, SQLModel

# What the covering indexes of player_matches hold, in order.
SUMMARY_COLUMNS = ("player_id", "map", "mode", "lifecycle_mode", "match_id", "outcome", "kills",
                   "deaths", "assists", "start_time")  # fmt: skip
CSR_COLUMNS = ("player_id", "start_time", "playlist_asset_id", "playlist", "post_match_csr",
               "post_match_tier", "match_id")  # fmt: skip
CSR_CHART_COLUMNS = ("gamertag", "playlist", "start_time", "post_match_csr", "post_match_tier",
                     "match_id", "day")  # fmt: skip
BEST_COLUMNS = ("kda", "kills", "start_time")
MAP_KD_COLUMNS = ("gamertag", "map", "kills", "deaths")
# A player's record in a scope, the index alone (no row read): the front page's table of a
# clan, and who played most (the Career charts with nobody picked, the Player filter).
RECORD_COLUMNS = ("player_id", "scope", "gamertag", "matches", "wins", "losses", "ties",
                  "left_early", "kills", "deaths", "assists")  # fmt: skip


class PlayerMatch(SQLModel, table=True):
    """A tracked player's line of one match, every name joined (per team, if they switched)."""

    __tablename__ = "player_matches"
    __table_args__ = (
        # Columns keep the order of the view this table replaced; the key leads with the match.
        PrimaryKeyConstraint("match_id", "player_id", "team_id"),
        Index("ix_player_matches_player_id", "player_id", "start_time"),
        # The viewer's player page and home cards read a whole career's totals per map and
        # mode from this index alone, in its order: a long career's rows, reached through
        # the index above, lie all over the table (issue 14).
        Index("ix_player_matches_totals", *SUMMARY_COLUMNS),
        # ... and its CSR over time from this one, which holds the ranked lines only.
        Index(
            "ix_player_matches_csr",
            *CSR_COLUMNS,
            sqlite_where=text("post_match_csr IS NOT NULL"),
            postgresql_where=text("post_match_csr IS NOT NULL"),
        ),
        # The newest lines first (recent form, CSR history) without sorting a career, and
        # the Career dashboard's CSR chart from an index of the ranked lines alone (issue 12).
        Index("ix_player_matches_start_time", "start_time"),
        Index(
            "ix_player_matches_csr_chart",
            *CSR_CHART_COLUMNS,
            sqlite_where=text("post_match_csr IS NOT NULL"),
            postgresql_where=text("post_match_csr IS NOT NULL"),
        ),
        # The canned queries that read lines, not totals, without a scan of every line: the
        # best games walk the lines in KDA order (ties newest first) and stop at the 25th of
        # the player and scope; K/D by map (the README's example) reads its four columns from
        # the index alone; CSR history the ranked lines newest first, not every line until
        # 1,000 are ranked.
        Index("ix_player_matches_best", *BEST_COLUMNS),
        Index("ix_player_matches_map_kd", *MAP_KD_COLUMNS),
        Index(
            "ix_player_matches_ranked",
            "start_time",
            sqlite_where=text("post_match_csr IS NOT NULL"),
            postgresql_where=text("post_match_csr IS NOT NULL"),
        ),
        # The lines of a player who switched teams mid-match (migration 0038): few, so the
        # canned queries that merge a match's lines (best games) find them all from here.
        Index(
            "ix_player_matches_switchers",
            "player_id",
            "match_id",
            sqlite_where=text("teams_played > 1"),
            postgresql_where=text("teams_played > 1"),
        ),
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
    # Migration 0038: this line's shots (accuracy over many lines is their ratio, not an
    # average of accuracies), and how many lines (teams) the player had in the match: 2 for
    # a switcher, whose lines each carry the whole match's time_played_seconds.
    shots_fired: int | None = None
    shots_hit: int | None = None
    teams_played: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class PlayerEncounter(SQLModel, table=True):
    """A human a tracked player has met, as teammate or opponent, and how those matches went."""

    __tablename__ = "player_encounters"
    __table_args__ = (
        PrimaryKeyConstraint("player_id", "other_player_id", "relation"),
        # Teammates and opponents, most met first, without sorting every encounter: of
        # every tracked player (the canned queries with nobody picked), and of one.
        Index("ix_player_encounters_relation", "relation", "matches", "win_rate"),
        Index("ix_player_encounters_player", "player_id", "relation", "matches", "win_rate"),
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


# --- totals of player_matches (issue 12), kept by grunt_archive.store.player_totals --------
# A key holds the ids a name comes from, '' where a match has none (a custom game's
# playlist), so that a name looked up later is an UPDATE and no key column is NULL.


class PlayerTotal(SQLModel, table=True):
    """A tracked player's lines of ``player_matches`` per scope, playlist, map and mode, added up.

    What the canned queries read instead of every line: accuracy in hundredths of a
    percent and time played in 100 ns ticks, so that sums are exact integers.
    """

    __tablename__ = "player_totals"
    __table_args__ = (Index("ix_player_totals_record", *RECORD_COLUMNS),)

    player_id: str = Field(primary_key=True, foreign_key="players.player_id")
    scope: str = Field(primary_key=True)  # custom, matchmade_pvp or matchmade_pve
    playlist_asset_id: str = Field(primary_key=True)
    playlist_version_id: str = Field(primary_key=True)
    map_asset_id: str = Field(primary_key=True)
    map_version_id: str = Field(primary_key=True)
    game_variant_asset_id: str = Field(primary_key=True)
    game_variant_version_id: str = Field(primary_key=True)
    gamertag: str | None = None
    playlist: str | None = None
    map: str | None = None
    mode: str | None = None
    lines: int  # rows of player_matches: a match twice for a player who switched teams
    matches: int  # counted once each (a player who switched teams has two lines)
    wins: int
    losses: int
    ties: int
    left_early: int
    kills: int | None = None
    deaths: int | None = None
    assists: int | None = None
    # The average of the lines' accuracies (kept for saved SQL); career accuracy is
    # shots_hit ÷ shots_fired, in percent (migration 0038).
    accuracy_hundredths: int | None = Field(default=None, sa_type=BigInteger)
    accuracy_lines: int
    damage_dealt: int | None = Field(default=None, sa_type=BigInteger)
    damage_lines: int  # lines with a damage figure: a switcher's match twice
    time_played_ticks: int | None = Field(default=None, sa_type=BigInteger)  # once a match
    peak_csr: int | None = None
    first_match: str | None = None
    last_match: str | None = None
    shots_fired: int | None = Field(default=None, sa_type=BigInteger)
    shots_hit: int | None = Field(default=None, sa_type=BigInteger)
    # Matches with a damage figure, each once: damage_dealt ÷ damage_matches is per match.
    damage_matches: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class PlayerDayTotal(SQLModel, table=True):
    """A tracked player's matches per scope, playlist and day (the Career dashboard's dates)."""

    __tablename__ = "player_day_totals"

    player_id: str = Field(primary_key=True, foreign_key="players.player_id")
    scope: str = Field(primary_key=True)
    playlist_asset_id: str = Field(primary_key=True)
    playlist_version_id: str = Field(primary_key=True)
    day: str = Field(primary_key=True)
    gamertag: str | None = None
    playlist: str | None = None
    matches: int  # counted once each (a player who switched teams has two lines)
    wins: int
    losses: int
    ties: int
    left_early: int
    no_outcome: int  # matches with a line of no known outcome
    kills: int | None = None
    deaths: int | None = None


class PlayerPlaylistTotal(SQLModel, table=True):
    """A tracked player's ``player_totals`` per scope and playlist (``career_summary``)."""

    __tablename__ = "player_playlist_totals"

    player_id: str = Field(primary_key=True, foreign_key="players.player_id")
    scope: str = Field(primary_key=True)
    playlist_asset_id: str = Field(primary_key=True)
    playlist_version_id: str = Field(primary_key=True)
    gamertag: str | None = None
    playlist: str | None = None
    matches: int  # counted once each (a player who switched teams has two lines)
    wins: int
    losses: int
    ties: int
    left_early: int
    kills: int | None = None
    deaths: int | None = None
    assists: int | None = None
    # The average of the lines' accuracies (kept for saved SQL); career accuracy is
    # shots_hit ÷ shots_fired, in percent (migration 0038).
    accuracy_hundredths: int | None = Field(default=None, sa_type=BigInteger)
    accuracy_lines: int
    damage_dealt: int | None = Field(default=None, sa_type=BigInteger)
    damage_lines: int  # lines with a damage figure: a switcher's match twice
    time_played_ticks: int | None = Field(default=None, sa_type=BigInteger)  # once a match
    peak_csr: int | None = None
    first_match: str | None = None
    last_match: str | None = None
    shots_fired: int | None = Field(default=None, sa_type=BigInteger)
    shots_hit: int | None = Field(default=None, sa_type=BigInteger)
    # Matches with a damage figure, each once: damage_dealt ÷ damage_matches is per match.
    damage_matches: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class PlayerMapTotal(SQLModel, table=True):
    """A tracked player's ``player_totals`` per scope and map version: what ``by_map`` adds up."""

    __tablename__ = "player_map_totals"

    player_id: str = Field(primary_key=True, foreign_key="players.player_id")
    scope: str = Field(primary_key=True)
    map_asset_id: str = Field(primary_key=True)
    map_version_id: str = Field(primary_key=True)
    gamertag: str | None = None
    map: str | None = None
    matches: int
    wins: int
    kills: int | None = None
    deaths: int | None = None
    accuracy_hundredths: int | None = Field(default=None, sa_type=BigInteger)
    accuracy_lines: int
    shots_fired: int | None = Field(default=None, sa_type=BigInteger)
    shots_hit: int | None = Field(default=None, sa_type=BigInteger)


class PlayerModeTotal(SQLModel, table=True):
    """A tracked player's ``player_totals`` per scope and mode version: what ``by_mode`` adds up."""

    __tablename__ = "player_mode_totals"

    player_id: str = Field(primary_key=True, foreign_key="players.player_id")
    scope: str = Field(primary_key=True)
    game_variant_asset_id: str = Field(primary_key=True)
    game_variant_version_id: str = Field(primary_key=True)
    gamertag: str | None = None
    mode: str | None = None
    matches: int
    wins: int
    kills: int | None = None
    deaths: int | None = None
    accuracy_hundredths: int | None = Field(default=None, sa_type=BigInteger)
    accuracy_lines: int
    shots_fired: int | None = Field(default=None, sa_type=BigInteger)
    shots_hit: int | None = Field(default=None, sa_type=BigInteger)


class ArchiveMapTotal(SQLModel, table=True):
    """Every tracked player's matches per scope, playlist and map, a shared match once.

    ``wins``: the matches every tracked player in them won (migration 0035).
    """

    __tablename__ = "archive_map_totals"

    scope: str = Field(primary_key=True)
    playlist_asset_id: str = Field(primary_key=True)
    playlist_version_id: str = Field(primary_key=True)
    map_asset_id: str = Field(primary_key=True)
    map_version_id: str = Field(primary_key=True)
    playlist: str | None = None
    map: str | None = None
    matches: int
    wins: int


class ArchiveDayTotal(SQLModel, table=True):
    """Every tracked player's matches per scope, playlist and day, a shared match once.

    Once under one outcome: the one every tracked player had in it, else ``mixed``.
    """

    __tablename__ = "archive_day_totals"

    scope: str = Field(primary_key=True)
    playlist_asset_id: str = Field(primary_key=True)
    playlist_version_id: str = Field(primary_key=True)
    day: str = Field(primary_key=True)
    playlist: str | None = None
    matches: int  # counted once each (a player who switched teams has two lines)
    wins: int
    losses: int
    ties: int
    left_early: int
    no_outcome: int
    # Tracked players on opposite teams (or lines of different outcomes): migration 0035.
    mixed: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
