"""A clan's queries, rewritten to stay fast with hundreds of players: the same rows as before.

``bench/run.py --only clan`` tracks 300 players in the bench's 50,000-match archive.
There, ``csr_history`` for a player with few ranked matches read every ranked line
of the clan (a gamertag filter on the ranked index), the Career charts with no
player picked added up every player's lines or days to find the eight to draw, and
the K/D tile every day of every player, and ``career_summary`` and ``by_map``
(``by_mode``, ``by_playlist``) with nobody picked every player's 64,000 rows of
``player_totals`` (now their totals per playlist, map and mode, migration 0030).
Each is now rewritten; the SQL of before is kept here, and both run on an archive of
several tracked players, with and without each filter, and must give the same rows.
``recent_form`` for a player read a gamertag filter on the start time index of
everybody's lines until it had the player's 25 (25 to 320 ms); it reads their own index
now. ``teammates`` and ``opponents`` for a player read the relation index of everybody's
encounters until they had the player's 100 (106 ms of SQL on the clan); they read the
player's own index now (migration 0037). ``free_for_all`` with nobody picked counted each FFA match's field and read a
``player_matches`` row once per tracked player's line; it is compared on an archive
whose FFA matches hold several tracked players.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import sqlite3
import uuid
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest
from datasette_dashboards import replace_opts_in_query

from grunt_archive.db import archive
from grunt_archive.documents import MATCH_STATS, RawDocument
from grunt_archive.serve import load_metadata
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store import matches, open_store, state
from grunt_archive.views import SCOPE_SQL
from tests.conftest import copy_archive
from tests.helpers import execute, rows, sync

_PARAM = re.compile(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)")

# metadata.yml at 736714b (the last four at da1e717); since migration 0038, career_summary
# and by_* give accuracy as shots hit ÷ shots fired and damage per match over matches.
BEFORE = {
    "csr_history": """
select * from (
  select start_time, gamertag, playlist, map, mode, outcome, pre_match_csr, post_match_csr,
    csr_change, {TIER} as post_match_tier, kills, deaths, expected_kills, expected_deaths, match_id
  from player_matches
  where (:gamertag = '' or gamertag = :gamertag collate nocase)
    and post_match_csr is not null
  order by start_time desc
  limit 1000
)
union all
select null, 'no tracked player named “' || :gamertag || '”', null, null, null, null, null, null,
  null, null, null, null, null, null, null
where :gamertag <> '' and not exists (select 1 from tracked_players as t join players as p
  using (player_id) where p.gamertag = :gamertag collate nocase)
""",
    # Its gap rows as they are written since they became UTC text as its points are (at
    # 736714b datetime()'s local-looking form): the rows compared are the rewrite's.
    "csr": """
with lines as (
  select gamertag, coalesce(playlist, '(not looked up yet)') as playlist, start_time,
    post_match_csr, post_match_tier, match_id
  from player_matches where post_match_csr is not null
  [[ and gamertag = :gamertag collate nocase ]] [[ and playlist = :playlist ]]
  [[ and day >= :date_from ]] [[ and day <= :date_to ]]
),
top as (select gamertag from lines group by gamertag order by count(*) desc, gamertag limit 8),
picked as (select * from lines where gamertag in (select gamertag from top)),
span as (select julianday(max(start_time)) - julianday(min(start_time)) as days from picked),
periods as (
  select gamertag, playlist,
    case when (select days from span) <= 120 then start_time
      when (select days from span) <= 1095 then date(start_time, '-6 days', 'weekday 1')
      else strftime('%Y-%m-01', start_time) end as period,
    max(start_time) as last_match, post_match_csr as csr, post_match_tier as tier,
    match_id, count(*) as matches
  from picked group by gamertag, playlist, period
),
steps as (
  select *, lag(period) over (partition by gamertag, playlist order by period) as previous
  from periods
)
select period, gamertag, playlist, csr, tier, matches, gamertag || ' · ' || playlist as series,
  '/match/' || match_id as href
from steps
union all
select case when (select days from span) <= 120
    then strftime('%Y-%m-%dT%H:%M:%fZ', (julianday(previous) + julianday(period)) / 2)
    else date((julianday(previous) + julianday(period)) / 2) end,
  gamertag, playlist, null, null, 0, gamertag || ' · ' || playlist, null
from steps
where julianday(period) - julianday(previous) > case when (select days from span) <= 120
  then 14 when (select days from span) <= 1095 then 7 else 31 end
order by 1
""",
    "rolling_kd": """
with lines as (
  select player_id, gamertag, day, matches, kills, deaths from player_day_totals
  where (scope = coalesce(nullif(:scope, ''), 'matchmade_pvp') or :scope = 'all')
  [[ and gamertag = :gamertag collate nocase ]] [[ and playlist = :playlist ]] [[ and day >= :date_from ]] [[ and day <= :date_to ]]
),
top as (select player_id from lines group by player_id order by sum(matches) desc, player_id limit 8),
picked as (select * from lines where player_id in (select player_id from top)),
span as (select julianday(max(day)) - julianday(min(day)) as days from picked),
periods as (
  select player_id, gamertag,
    case when (select days from span) <= 120 then day
      when (select days from span) <= 1095 then date(day, '-6 days', 'weekday 1')
      else strftime('%Y-%m-01', day) end as period,
    sum(matches) as matches, sum(kills) as kills, sum(deaths) as deaths
  from picked group by player_id, period
),
rolled as (
  select *, round(kills * 1.0 / max(deaths, 1), 3) as kd,
    round(sum(kills) over last_7 * 1.0 / max(sum(deaths) over last_7, 1), 3) as rolling_kd,
    lag(period) over (partition by player_id order by period) as previous
  from periods
  window last_7 as (partition by player_id order by period rows 6 preceding)
)
select period, gamertag, matches, kd, rolling_kd from rolled
union all
select date((julianday(previous) + julianday(period)) / 2), gamertag, 0, null, null
from rolled
where julianday(period) - julianday(previous) > case when (select days from span) <= 120
  then 14 when (select days from span) <= 1095 then 7 else 31 end
order by 1
""",
    "kd": """
select case when coalesce(nullif(:scope, ''), 'matchmade_pvp') in ('matchmade_pvp', 'matchmade_pve', 'custom', 'all')
  and count(*) > 0
  then printf('%.3f', coalesce(sum(kills), 0) * 1.0 / max(coalesce(sum(deaths), 0), 1)) else '\u2013' end as kd
from player_day_totals
where (scope = coalesce(nullif(:scope, ''), 'matchmade_pvp') or :scope = 'all')
[[ and gamertag = :gamertag collate nocase ]] [[ and playlist = :playlist ]]
[[ and day >= :date_from ]] [[ and day <= :date_to ]]
""",
    "career_summary": """
select gamertag, coalesce(nullif(:scope, ''), 'matchmade_pvp') as scope,
  sum(matches) as matches, sum(wins) as wins, sum(losses) as losses, sum(ties) as ties,
  sum(left_early) as left_early, round(100.0 * sum(wins) / sum(matches), 1) as win_rate,
  sum(kills) as kills, sum(deaths) as deaths, sum(assists) as assists,
  round(sum(kills) * 1.0 / max(sum(deaths), 1), 3) as kd,
  round(100.0 * sum(shots_hit) / nullif(sum(shots_fired), 0), 2) as accuracy,
  round(sum(damage_dealt) * 1.0 / sum(damage_matches), 0) as damage_per_match,
  max(peak_csr) as peak_csr,
  round(sum(time_played_ticks) / 10000000.0 / 3600.0, 1) as hours_played,
  min(first_match) as first_match, max(last_match) as last_match
from player_totals
where (:gamertag = '' or gamertag = :gamertag collate nocase)
  and (scope = coalesce(nullif(:scope, ''), 'matchmade_pvp') or :scope = 'all')
group by player_id
union all
select 'no tracked player named “' || :gamertag || '”', null, null, null, null, null, null, null,
  null, null, null, null, null, null, null, null, null, null
where :gamertag <> '' and not exists (select 1 from tracked_players as t join players as p
  using (player_id) where p.gamertag = :gamertag collate nocase)
union all
select 'unknown scope “' || :scope || '”: pick matchmade_pvp (the default, when empty),'
  || ' matchmade_pve, custom or all', null, null, null, null, null, null, null,
  null, null, null, null, null, null, null, null, null, null
where coalesce(nullif(:scope, ''), 'matchmade_pvp')
  not in ('matchmade_pvp', 'matchmade_pve', 'custom', 'all')
order by matches desc
""",
    "by_map": """
select gamertag, coalesce(map, '(not looked up yet)') as map, sum(matches) as matches,
  sum(wins) as wins, round(100.0 * sum(wins) / sum(matches), 1) as win_rate,
  sum(kills) as kills, sum(deaths) as deaths,
  round(sum(kills) * 1.0 / max(sum(deaths), 1), 3) as kd,
  round(100.0 * sum(shots_hit) / nullif(sum(shots_fired), 0), 1) as accuracy
from player_totals
where (:gamertag = '' or gamertag = :gamertag collate nocase)
  and (scope = coalesce(nullif(:scope, ''), 'matchmade_pvp') or :scope = 'all')
group by player_id, map
union all
select 'no tracked player named “' || :gamertag || '”', null, null, null, null, null, null, null, null
where :gamertag <> '' and not exists (select 1 from tracked_players as t join players as p
  using (player_id) where p.gamertag = :gamertag collate nocase)
union all
select 'unknown scope “' || :scope || '”: pick matchmade_pvp (the default, when empty),'
  || ' matchmade_pve, custom or all', null, null, null, null, null, null, null, null
where coalesce(nullif(:scope, ''), 'matchmade_pvp')
  not in ('matchmade_pvp', 'matchmade_pve', 'custom', 'all')
order by matches desc
""",
    "by_mode": """
select gamertag, coalesce(mode, '(not looked up yet)') as mode, sum(matches) as matches,
  sum(wins) as wins, round(100.0 * sum(wins) / sum(matches), 1) as win_rate,
  sum(kills) as kills, sum(deaths) as deaths,
  round(sum(kills) * 1.0 / max(sum(deaths), 1), 3) as kd,
  round(100.0 * sum(shots_hit) / nullif(sum(shots_fired), 0), 1) as accuracy
from player_totals
where (:gamertag = '' or gamertag = :gamertag collate nocase)
  and (scope = coalesce(nullif(:scope, ''), 'matchmade_pvp') or :scope = 'all')
group by player_id, mode
union all
select 'no tracked player named “' || :gamertag || '”', null, null, null, null, null, null, null, null
where :gamertag <> '' and not exists (select 1 from tracked_players as t join players as p
  using (player_id) where p.gamertag = :gamertag collate nocase)
union all
select 'unknown scope “' || :scope || '”: pick matchmade_pvp (the default, when empty),'
  || ' matchmade_pve, custom or all', null, null, null, null, null, null, null, null
where coalesce(nullif(:scope, ''), 'matchmade_pvp')
  not in ('matchmade_pvp', 'matchmade_pve', 'custom', 'all')
order by matches desc
""",
    "by_playlist": """
select gamertag, coalesce(playlist, '(custom game)') as playlist, sum(matches) as matches,
  sum(wins) as wins, round(100.0 * sum(wins) / sum(matches), 1) as win_rate,
  sum(kills) as kills, sum(deaths) as deaths,
  round(sum(kills) * 1.0 / max(sum(deaths), 1), 3) as kd,
  round(100.0 * sum(shots_hit) / nullif(sum(shots_fired), 0), 1) as accuracy,
  max(peak_csr) as peak_csr
from player_totals
where (:gamertag = '' or gamertag = :gamertag collate nocase)
  and (scope = coalesce(nullif(:scope, ''), 'matchmade_pvp') or :scope = 'all')
group by player_id, playlist
union all
select 'no tracked player named “' || :gamertag || '”', null, null, null, null, null, null, null, null,
  null
where :gamertag <> '' and not exists (select 1 from tracked_players as t join players as p
  using (player_id) where p.gamertag = :gamertag collate nocase)
union all
select 'unknown scope “' || :scope || '”: pick matchmade_pvp (the default, when empty),'
  || ' matchmade_pve, custom or all', null, null, null, null, null, null, null, null,
  null
where coalesce(nullif(:scope, ''), 'matchmade_pvp')
  not in ('matchmade_pvp', 'matchmade_pve', 'custom', 'all')
order by matches desc
""",
    # metadata.yml at ef67de0: a gamertag filter on the start time index of everybody's lines.
    "recent_form": """
with recent as (
  select * from player_matches_scoped
  where (:gamertag = '' or gamertag = :gamertag collate nocase)
    and (scope = coalesce(nullif(:scope, ''), 'matchmade_pvp') or :scope = 'all')
  order by start_time desc
  limit 25
)
select start_time, gamertag, playlist, map, mode, outcome, kills, deaths, assists, kd,
  accuracy, damage_dealt, csr_change, post_match_csr,
  round(100.0 * (select sum(outcome = 'win') from recent) / (select count(*) from recent), 1)
    as win_rate_last_25,
  (select round(sum(kills) * 1.0 / max(sum(deaths), 1), 3) from recent) as kd_last_25,
  match_id
from recent
union all
select null, 'no tracked player named “' || :gamertag || '”', null, null, null, null, null, null,
  null, null, null, null, null, null, null, null, null
where :gamertag <> '' and not exists (select 1 from tracked_players as t join players as p
  using (player_id) where p.gamertag = :gamertag collate nocase)
union all
select null, 'unknown scope “' || :scope || '”: pick matchmade_pvp (the default, when empty),'
  || ' matchmade_pve, custom or all', null, null, null, null, null, null,
  null, null, null, null, null, null, null, null, null
where coalesce(nullif(:scope, ''), 'matchmade_pvp')
  not in ('matchmade_pvp', 'matchmade_pve', 'custom', 'all')
order by start_time desc
""",
    # metadata.yml at 0ea2253: a gamertag filter on the relation index of every player's.
    "teammates": """
select * from (
  select gamertag, other_gamertag as teammate, matches, wins, win_rate, last_played,
    other_player_id
  from player_encounters
  where (:gamertag = '' or gamertag = :gamertag collate nocase)
    and relation = 'teammate'
  order by matches desc, win_rate desc
  limit 100
)
union all
select 'no tracked player named “' || :gamertag || '”', null, null, null, null, null, null
where :gamertag <> '' and not exists (select 1 from tracked_players as t join players as p
  using (player_id) where p.gamertag = :gamertag collate nocase)
""",
    # metadata.yml at 0ea2253: a gamertag filter on the relation index of every player's.
    "opponents": """
select * from (
  select gamertag, other_gamertag as opponent, matches, wins, win_rate, their_kills,
    their_deaths, last_played, other_player_id
  from player_encounters
  where (:gamertag = '' or gamertag = :gamertag collate nocase)
    and relation = 'opponent'
  order by matches desc, win_rate desc
  limit 100
)
union all
select 'no tracked player named “' || :gamertag || '”', null, null, null, null, null, null, null, null
where :gamertag <> '' and not exists (select 1 from tracked_players as t join players as p
  using (player_id) where p.gamertag = :gamertag collate nocase)
""",
}
# The tier as the player page names it ("Platinum 2", "Onyx"), which csr_history
# now gives (the CSR chart keeps the tier alone): the rows compared are the rewrite's, this column as it is written today.
TIER = """(select case when s.post_match_tier = 'Onyx' or s.post_match_sub_tier is null
    then nullif(s.post_match_tier, '') else s.post_match_tier || ' ' || (s.post_match_sub_tier + 1) end
  from match_skill as s where s.match_id = player_matches.match_id
    and s.player_id = player_matches.player_id)"""
BEFORE = {name: sql.replace("{TIER}", TIER) for name, sql in BEFORE.items()}

# The canned queries of ``BEFORE``; the others are the Career dashboard's charts.
CANNED = (
    "csr_history",
    "career_summary",
    "by_map",
    "by_mode",
    "by_playlist",
    "recent_form",
    "teammates",
    "opponents",
)
# The column each query sorts on, where not the first: rows tied on it may come in any order.
SORTED_ON = {
    "career_summary": 2, "by_map": 2, "by_mode": 2, "by_playlist": 2, "teammates": 2,
    "opponents": 2,
}  # fmt: skip


def now() -> dict[str, str]:
    """Return the SQL metadata.yml has now for each query of ``BEFORE``."""
    metadata = load_metadata("halo")
    charts = metadata["plugins"]["datasette-dashboards"]["career"]["charts"]
    canned = metadata["databases"]["halo"]["queries"]
    return {
        **{name: canned[name]["sql"] for name in CANNED},
        "csr": charts["csr"]["query"],
        "rolling_kd": charts["rolling_kd"]["query"],
        "kd": charts["kd"]["query"],
    }


@pytest.fixture(scope="module")
def clan(tmp_path_factory) -> Path:
    """Ten tracked players sharing some matches, with ranked lines, more for some: more than a chart draws."""
    sim = Simulator(SimulatorConfig(seed=21, players=10, matches=20))
    synced = tmp_path_factory.mktemp("clan") / "synced.db"
    assert sync(synced, sim, *sim.player_ids).outcome == "ok"
    db = copy_archive(synced, tmp_path_factory.mktemp("clan") / "halo.db")
    # The simulator places few players in 20 matches: give lines a CSR, more to some.
    execute(
        db,
        "UPDATE player_matches SET post_match_csr = 1000 + rowid % 97, post_match_tier = 'Gold'"
        " WHERE rowid % (1 + length(player_id) % 5 + rowid % 3) = 0",
    )
    return db


def answer(db: Path, sql: str, params: dict[str, str]) -> list[tuple]:
    """Run a query as Datasette does: its ``[[ … ]]`` clauses kept when their filter is set."""
    sql = replace_opts_in_query(sql, params)
    used = {name: params.get(name, "") for name in set(_PARAM.findall(sql))}
    with closing(sqlite3.connect(db)) as connection:
        return connection.execute(sql, used).fetchall()


def scenarios(db: Path) -> list[dict[str, str]]:
    """Nobody picked, each player (in another case too), nobody known; scopes, playlists, dates."""
    tracked = [g for (g,) in rows(db, "SELECT gamertag FROM player_careers ORDER BY gamertag")]
    (playlist,) = rows(db, "SELECT max(playlist) FROM player_matches WHERE post_match_csr > 0")[0]
    # A day in the middle: a date filter that leaves lines out on either side.
    (day,) = rows(
        db,
        "SELECT day FROM player_matches WHERE post_match_csr > 0 ORDER BY day"
        " LIMIT 1 OFFSET (SELECT count(*) / 2 FROM player_matches WHERE post_match_csr > 0)",
    )[0]
    picked = [{"gamertag": g} for g in tracked] + [{"gamertag": tracked[0].upper()}]
    return [
        {"gamertag": ""},
        *picked,
        {"gamertag": "nobody of that name"},
        *({"gamertag": "", "scope": s} for s in ("all", "custom", "matchmade_pve", "nonsense")),
        {"gamertag": "", "playlist": playlist},
        {"gamertag": "", "date_from": day},
        {"gamertag": "", "date_to": day},
        {"gamertag": tracked[1], "date_from": day, "playlist": playlist},
    ]


def test_the_world_has_a_clan_with_ranked_lines_few_and_many(clan):
    ranked = rows(
        clan,
        "SELECT count(*) FROM player_matches WHERE post_match_csr IS NOT NULL GROUP BY player_id",
    )
    assert len(ranked) == 10 and len({n for (n,) in ranked}) > 1
    # More players than the charts draw with nobody picked (8): who is left out counts.
    assert rows(clan, "SELECT count(*) FROM tracked_players")[0][0] > 8


@pytest.mark.parametrize("name", sorted(BEFORE))
def test_a_clans_query_gives_the_rows_it_gave_before(clan, name):
    sql = now()[name]
    assert sql.split() != BEFORE[name].split(), "metadata.yml's query is the old one"
    for params in scenarios(clan):
        before, after = answer(clan, BEFORE[name], params), answer(clan, sql, params)
        assert Counter(after) == Counter(before), (name, params)
        # Rows tied on what the query sorts on (time, period; matches) may come in any order.
        column = SORTED_ON.get(name, 0)
        assert [r[column] for r in after] == [r[column] for r in before], (name, params)
    assert any(answer(clan, sql, params) for params in scenarios(clan))


# The canned query free_for_all at daad2d1: a player_matches_scoped row, a match_players
# seek and a count of the match's field for each tracked player's line.
FREE_FOR_ALL_BEFORE = """
with ffa as (
  select pm.player_id, pm.match_id, max(pm.start_time) as start_time,
    sum(pm.kills) as kills, sum(pm.deaths) as deaths, sum(pm.assists) as assists,
    min(mp.rank) as place,
    (select count(distinct f.player_id) from match_players as f
      where f.match_id = m.match_id) as players
  from matches as m
  cross join player_matches_scoped as pm on pm.match_id = m.match_id
  cross join match_players as mp on mp.match_id = pm.match_id and mp.player_id = pm.player_id
    and mp.team_id = pm.team_id
  where m.free_for_all
    and (:gamertag = '' or pm.gamertag = :gamertag collate nocase)
    and (pm.scope = coalesce(nullif(:scope, ''), 'matchmade_pvp') or :scope = 'all')
  group by pm.player_id, pm.match_id
)
select p.gamertag, coalesce(nullif(:scope, ''), 'matchmade_pvp') as scope,
  count(f.match_id) as matches, coalesce(sum(f.place = 1), 0) as first_places,
  round(100.0 * sum(f.place = 1) / count(f.match_id), 1) as win_rate,
  round(avg(f.place), 2) as average_place, round(avg(f.players), 1) as average_players,
  coalesce(sum(f.place <= 3), 0) as top_three, sum(f.kills) as kills,
  sum(f.deaths) as deaths, sum(f.assists) as assists,
  round(sum(f.kills) * 1.0 / max(sum(f.deaths), 1), 3) as kd,
  max(f.start_time) as last_played
from tracked_players as t join players as p on p.player_id = t.player_id
left join ffa as f on f.player_id = t.player_id
where (:gamertag = '' or p.gamertag = :gamertag collate nocase)
  and coalesce(nullif(:scope, ''), 'matchmade_pvp')
    in ('matchmade_pvp', 'matchmade_pve', 'custom', 'all')
group by t.player_id
union all
select 'no tracked player named “' || :gamertag || '”', null, null, null, null, null, null, null,
  null, null, null, null, null
where :gamertag <> '' and not exists (select 1 from tracked_players as t join players as p
  using (player_id) where p.gamertag = :gamertag collate nocase)
union all
select 'unknown scope “' || :scope || '”: pick matchmade_pvp (the default, when empty),'
  || ' matchmade_pve, custom or all', null, null, null, null, null, null, null,
  null, null, null, null, null
where coalesce(nullif(:scope, ''), 'matchmade_pvp')
  not in ('matchmade_pvp', 'matchmade_pve', 'custom', 'all')
order by matches desc
"""


@pytest.fixture(scope="module")
def ffa_clan(tmp_path_factory) -> Path:
    """A player's FFA matches, matchmade and custom, with the people they met there tracked.

    As the bench's clan is made: others of the archive's matches tracked through
    `state.track_player`, so that an FFA match holds several tracked players' lines;
    one of them played on two teams of their own in a match (two lines, one place).
    """
    sim = Simulator(SimulatorConfig(seed=8, players=2, matches=60))  # FFA matchmade and custom
    db = tmp_path_factory.mktemp("ffa-clan") / "halo.db"
    assert sync(db, sim, *sim.player_ids, clearance="given").outcome == "ok"
    ffa = rows(db, "SELECT match_id FROM matches WHERE free_for_all ORDER BY match_id")
    doc = sim.stats_document(ffa[0][0])
    named = {p for (p,) in rows(db, "SELECT player_id FROM players WHERE gamertag IS NOT NULL")}
    switcher = copy.deepcopy(next(p for p in doc["Players"][::-1] if p["PlayerId"] in named))
    second = copy.deepcopy(switcher["PlayerTeamStats"][0])
    second["TeamId"] = 90  # a team of their own again, with what they did on it
    switcher["PlayerTeamStats"].append(second)
    bent = {**copy.deepcopy(doc), "MatchId": str(uuid.uuid5(uuid.NAMESPACE_URL, "ffa-clan"))}
    bent["Players"] = [*bent["Players"][:-1], switcher]
    with archive(db) as engine, open_store(engine) as store:
        raw = RawDocument(MATCH_STATS.name, bent["MatchId"], "/stats", "2026-01-01T00:00:00Z",
                          json.dumps(bent))  # fmt: skip
        matches.save_match(store, raw, bent)
        met = rows(db, "SELECT mp.player_id, p.gamertag FROM match_players AS mp"
                       " JOIN matches AS m USING (match_id) JOIN players AS p USING (player_id)"
                       " WHERE m.free_for_all AND mp.player_type = 1 AND mp.player_id NOT IN"
                       " (SELECT player_id FROM tracked_players) GROUP BY mp.player_id"
                       " ORDER BY count(*) DESC, mp.player_id LIMIT 6")  # fmt: skip
        for player_id, gamertag in [*met, (switcher["PlayerId"], None)]:
            state.track_player(store, player_id, gamertag)
    return db


def test_free_for_all_gives_the_rows_it_gave_before(ffa_clan):
    sql = load_metadata()["databases"]["halo"]["queries"]["free_for_all"]["sql"]
    # The scope of a match, as player_matches_scoped gives each of its lines.
    assert " ".join(SCOPE_SQL.format(t="m").split()) in " ".join(sql.split())
    shared = rows(ffa_clan, "SELECT count(*) FROM matches AS m CROSS JOIN player_matches AS pm"
                            " ON pm.match_id = m.match_id WHERE m.free_for_all"
                            " GROUP BY m.match_id, m.lifecycle_mode")  # fmt: skip
    assert max(lines for (lines,) in shared) > 2, "an FFA match of several tracked players"
    scopes = {s for (s,) in rows(ffa_clan, "SELECT DISTINCT pm.scope FROM matches AS m JOIN"
                                           " player_matches_scoped AS pm USING (match_id)"
                                           " WHERE m.free_for_all")}  # fmt: skip
    assert scopes == {"matchmade_pvp", "custom"}
    tracked = [g for (g,) in rows(ffa_clan, "SELECT gamertag FROM player_careers ORDER BY 1")]
    for scope in ("", "all", "custom", "matchmade_pve", "nonsense"):
        for gamertag in ("", *tracked, tracked[0].upper(), "nobody of that name"):
            params = {"gamertag": gamertag, "scope": scope}
            before = answer(ffa_clan, FREE_FOR_ALL_BEFORE, params)
            after = answer(ffa_clan, sql, params)
            assert Counter(after) == Counter(before), params
            assert [r[2] for r in after] == [r[2] for r in before], params
    # The lines are there: first places, several matches, and the switcher's two lines once.
    everyone = answer(ffa_clan, sql, {"gamertag": "", "scope": "all"})
    assert sum(r[2] for r in everyone) > len(shared) and sum(r[3] for r in everyone) > 0


# The lists a clan's every member makes, and what orders them (after the `limit`'s column).
LONG_LISTS = {
    "by_map": ("player_map_totals", ("map_asset_id", "map_version_id"), "map", "matches"),
    "by_mode": ("player_mode_totals", ("game_variant_asset_id", "game_variant_version_id"),
                "mode", "matches"),
    "by_playlist": ("player_playlist_totals", ("playlist_asset_id", "playlist_version_id"),
                    "playlist", "matches"),
    "medal_leaderboard": ("player_medal_totals", ("medal_id",), "medal", "total"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(LONG_LISTS))
def test_with_nobody_picked_a_long_list_stops_at_its_thousand_largest_rows(clan, tmp_path, name):
    """Every member's maps (modes, playlists, medals): 6,000 to 12,000 rows on a 300-player clan.

    Datasette rendered them in 60 to 100 ms, past the 100 ms bound with the SQL;
    the canned query keeps the 1,000 most played (earned), the description says
    where every row is, and a player's own list is whole.
    """
    table, key, named, measure = LONG_LISTS[name]
    db = copy_archive(clan, tmp_path / "halo.db")
    columns = [c for (_, c, *_) in rows(db, f"PRAGMA table_info({table})")]
    # A row of each member's (of the default scope, where the list has one) to copy.
    scoped = " WHERE scope = 'matchmade_pvp'" if "scope" in columns else ""
    firsts = {r[0]: r for r in rows(db, f"SELECT * FROM {table}{scoped} ORDER BY 1 DESC")}
    assert len(firsts) == 10
    # 120 more of each member's, each its own name, played (earned) more or less often.
    with closing(sqlite3.connect(db)) as connection, connection:
        for n, (i, first) in itertools.product(range(120), enumerate(firsts.values())):
            row = dict(zip(columns, first, strict=True))
            row |= {column: f"extra-{n}" if column != "medal_id" else 10_000 + n for column in key}
            row |= {named: f"Extra {n}", measure: 1 + (n * 7 + i) % 50}
            marks = ", ".join("?" for _ in row)
            connection.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({marks})",
                               tuple(row.values()))  # fmt: skip
    sql = load_metadata()["databases"]["halo"]["queries"][name]["sql"]
    assert sql.count("limit 1000") == 1
    whole = answer(db, sql.replace("limit 1000", ""), {"gamertag": ""})
    kept = answer(db, sql, {"gamertag": ""})
    assert len(whole) > 1_200 and len(kept) == 1_000
    place = 4 if name == "medal_leaderboard" else 2
    # The largest: none left out is larger than one kept, and the order is the list's.
    assert min(r[place] for r in kept) >= max(r[place] for r in set(whole) - set(kept))
    assert [r[place] for r in kept] == sorted((r[place] for r in kept), reverse=True)
    assert Counter(kept) <= Counter(whole)
    # A member's own list is whole.
    gamertag = rows(db, "SELECT gamertag FROM player_careers ORDER BY gamertag")[0][0]
    own = answer(db, sql, {"gamertag": gamertag})
    assert len(own) > 120 and Counter(own) == Counter(
        answer(db, sql.replace("limit 1000", ""), {"gamertag": gamertag})
    )


@pytest.mark.parametrize("name", ["teammates", "opponents"])
def test_a_players_encounters_are_read_from_their_own_index_most_met_first(clan, name):
    """A picked player's 100 most met come from the first entries of their index, unsorted."""
    (gamertag,) = rows(clan, "SELECT gamertag FROM player_careers ORDER BY gamertag LIMIT 1")[0]
    with closing(sqlite3.connect(clan)) as connection:
        plan = [row[3] for row in connection.execute(
            f"EXPLAIN QUERY PLAN {now()[name]}", {"gamertag": gamertag}
        )]  # fmt: skip
    assert any("USING INDEX ix_player_encounters_player (player_id=? AND relation=?)" in step
               for step in plan), plan  # fmt: skip
    assert not any("TEMP B-TREE" in step for step in plan), plan
