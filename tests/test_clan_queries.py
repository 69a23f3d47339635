"""A clan's queries, rewritten to stay fast with hundreds of players: the same rows as before.

``bench/run.py --only clan`` tracks 300 players in the bench's 50,000-match archive.
There, ``csr_history`` for a player with few ranked matches read every ranked line
of the clan (a gamertag filter on the ranked index), the Career charts with no
player picked added up every player's lines or days to find the eight to draw, and
the K/D tile every day of every player, and ``career_summary`` and ``by_map``
(``by_mode``, ``by_playlist``) with nobody picked every player's 64,000 rows of
``player_totals`` (now their totals per playlist, map and mode, migration 0030).
Each is now rewritten; the SQL of before is
kept here, and both run on an archive of several tracked players, with and without
each filter, and must give the same rows.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest
from datasette_dashboards import replace_opts_in_query

from grunt_archive.serve import load_metadata
from grunt_archive.simulator import Simulator, SimulatorConfig
from tests.conftest import copy_archive
from tests.helpers import execute, rows, sync

_PARAM = re.compile(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)")

BEFORE = {  # metadata.yml at 736714b (the last four at da1e717)
    "csr_history": """
select * from (
  select start_time, gamertag, playlist, map, mode, outcome, pre_match_csr, post_match_csr,
    csr_change, post_match_tier, kills, deaths, expected_kills, expected_deaths, match_id
  from player_matches
  where (:gamertag = '' or gamertag = :gamertag collate nocase)
    and post_match_csr is not null
  order by start_time desc
  limit 1000
)
union all
select null, 'no player named “' || :gamertag || '”', null, null, null, null, null, null,
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
  round(sum(accuracy_hundredths) / 100.0 / sum(accuracy_lines), 2) as accuracy,
  round(sum(damage_dealt) * 1.0 / sum(damage_lines), 0) as damage_per_match,
  max(peak_csr) as peak_csr,
  round(sum(time_played_ticks) / 10000000.0 / 3600.0, 1) as hours_played,
  min(first_match) as first_match, max(last_match) as last_match
from player_totals
where (:gamertag = '' or gamertag = :gamertag collate nocase)
  and (scope = coalesce(nullif(:scope, ''), 'matchmade_pvp') or :scope = 'all')
group by player_id
union all
select 'no player named “' || :gamertag || '”', null, null, null, null, null, null, null,
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
  round(sum(accuracy_hundredths) / 100.0 / sum(accuracy_lines), 1) as accuracy
from player_totals
where (:gamertag = '' or gamertag = :gamertag collate nocase)
  and (scope = coalesce(nullif(:scope, ''), 'matchmade_pvp') or :scope = 'all')
group by player_id, map
union all
select 'no player named “' || :gamertag || '”', null, null, null, null, null, null, null, null
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
  round(sum(accuracy_hundredths) / 100.0 / sum(accuracy_lines), 1) as accuracy
from player_totals
where (:gamertag = '' or gamertag = :gamertag collate nocase)
  and (scope = coalesce(nullif(:scope, ''), 'matchmade_pvp') or :scope = 'all')
group by player_id, mode
union all
select 'no player named “' || :gamertag || '”', null, null, null, null, null, null, null, null
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
  round(sum(accuracy_hundredths) / 100.0 / sum(accuracy_lines), 1) as accuracy,
  max(peak_csr) as peak_csr
from player_totals
where (:gamertag = '' or gamertag = :gamertag collate nocase)
  and (scope = coalesce(nullif(:scope, ''), 'matchmade_pvp') or :scope = 'all')
group by player_id, playlist
union all
select 'no player named “' || :gamertag || '”', null, null, null, null, null, null, null, null,
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
}

# The canned queries of ``BEFORE``; the others are the Career dashboard's charts.
CANNED = ("csr_history", "career_summary", "by_map", "by_mode", "by_playlist")


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
        column = 2 if name in CANNED[1:] else 0
        assert [r[column] for r in after] == [r[column] for r in before], (name, params)
    assert any(answer(clan, sql, params) for params in scenarios(clan))
