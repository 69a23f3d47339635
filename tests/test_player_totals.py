"""The totals tables (store.player_totals) and the queries that read them (issue 12).

Every canned query and dashboard chart of ``metadata.yml`` rewritten to read the
totals answers exactly what its SQL before the totals answered (kept here,
verbatim, as the reference), on a synced world of two tracked players who share
matches, for every player picked or none, every scope, a playlist and dates.
The totals also stay equal to a rebuild when a match's CSR changes, and the
migration that made them fills them as the store computes them.
"""

from __future__ import annotations

import importlib.util
import itertools
import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Boolean

from grunt_archive.db import archive, open_archive
from grunt_archive.models import metadata
from grunt_archive.serve import load_metadata
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store import open_store, player_tables, player_totals
from grunt_archive.viewer.home import front_page
from grunt_archive.viewer.player import summaries, tracked_groups
from tests.conftest import copy_archive
from tests.helpers import dump, rows, sync, value

MIGRATION = Path(__file__).parents[1] / "migrations" / "versions" / "0018_player_totals.py"
_PARAM = re.compile(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)")
_OPTIONAL = re.compile(r"\[\[.*?\]\]", re.DOTALL)

# The SQL of metadata.yml before the totals tables (issue 12), verbatim: the reference; since
# migration 0038, accuracy is the shots' ratio, and a team switcher's match counts its time
# and its damage once (its first line's time: every line of it carries the whole match's).
_FIRST_LINE = """team_id = (select min(o.team_id) from player_matches as o
  where o.match_id = player_matches_scoped.match_id
    and o.player_id = player_matches_scoped.player_id)"""
CANNED_BEFORE = {
    "career_summary": """
select gamertag, coalesce(nullif(:scope, ''), 'matchmade_pvp') as scope,
  count(distinct match_id) as matches,
  count(distinct case when outcome = 'win' then match_id end) as wins,
  count(distinct case when outcome = 'loss' then match_id end) as losses,
  count(distinct case when outcome = 'tie' then match_id end) as ties,
  count(distinct case when outcome = 'left' then match_id end) as left_early,
  round(100.0 * count(distinct case when outcome = 'win' then match_id end)
    / count(distinct match_id), 1) as win_rate,
  sum(kills) as kills, sum(deaths) as deaths, sum(assists) as assists,
  round(sum(kills) * 1.0 / max(sum(deaths), 1), 3) as kd,
  round(100.0 * sum(shots_hit) / sum(shots_fired), 2) as accuracy,
  round(sum(damage_dealt) * 1.0
    / count(distinct case when damage_dealt is not null then match_id end), 0) as damage_per_match,
  max(post_match_csr) as peak_csr,
  round(sum(case when {first_line} then time_played_seconds end) / 3600.0, 1) as hours_played,
  min(start_time) as first_match, max(start_time) as last_match
from player_matches_scoped
where (:gamertag = '' or gamertag = :gamertag collate nocase)
  and (scope = coalesce(nullif(:scope, ''), 'matchmade_pvp') or :scope = 'all')
group by player_id
union all
select 'no tracked player named “' || :gamertag || '”', null, null, null, null, null, null, null,
  null, null, null, null, null, null, null, null, null, null
where :gamertag <> '' and not exists (select 1 from tracked_players as t join players as p
  using (player_id) where p.gamertag = :gamertag collate nocase)
order by matches desc
""".replace("{first_line}", _FIRST_LINE),
    "by_map": """
select gamertag, coalesce(map, '(not looked up yet)') as map, count(distinct match_id) as matches,
  count(distinct case when outcome = 'win' then match_id end) as wins,
  round(100.0 * count(distinct case when outcome = 'win' then match_id end)
    / count(distinct match_id), 1) as win_rate,
  sum(kills) as kills, sum(deaths) as deaths,
  round(sum(kills) * 1.0 / max(sum(deaths), 1), 3) as kd, round(100.0 * sum(shots_hit) / sum(shots_fired), 1) as accuracy
from player_matches_scoped
where (:gamertag = '' or gamertag = :gamertag collate nocase)
  and (scope = coalesce(nullif(:scope, ''), 'matchmade_pvp') or :scope = 'all')
group by player_id, map
union all
select 'no tracked player named “' || :gamertag || '”', null, null, null, null, null, null, null, null
where :gamertag <> '' and not exists (select 1 from tracked_players as t join players as p
  using (player_id) where p.gamertag = :gamertag collate nocase)
order by matches desc
""",
    "by_mode": """
select gamertag, coalesce(mode, '(not looked up yet)') as mode, count(distinct match_id) as matches,
  count(distinct case when outcome = 'win' then match_id end) as wins,
  round(100.0 * count(distinct case when outcome = 'win' then match_id end)
    / count(distinct match_id), 1) as win_rate,
  sum(kills) as kills, sum(deaths) as deaths,
  round(sum(kills) * 1.0 / max(sum(deaths), 1), 3) as kd, round(100.0 * sum(shots_hit) / sum(shots_fired), 1) as accuracy
from player_matches_scoped
where (:gamertag = '' or gamertag = :gamertag collate nocase)
  and (scope = coalesce(nullif(:scope, ''), 'matchmade_pvp') or :scope = 'all')
group by player_id, mode
union all
select 'no tracked player named “' || :gamertag || '”', null, null, null, null, null, null, null, null
where :gamertag <> '' and not exists (select 1 from tracked_players as t join players as p
  using (player_id) where p.gamertag = :gamertag collate nocase)
order by matches desc
""",
    "by_playlist": """
select gamertag, coalesce(playlist, '(custom game)') as playlist, count(distinct match_id) as matches,
  count(distinct case when outcome = 'win' then match_id end) as wins,
  round(100.0 * count(distinct case when outcome = 'win' then match_id end)
    / count(distinct match_id), 1) as win_rate,
  sum(kills) as kills, sum(deaths) as deaths,
  round(sum(kills) * 1.0 / max(sum(deaths), 1), 3) as kd, round(100.0 * sum(shots_hit) / sum(shots_fired), 1) as accuracy,
  max(post_match_csr) as peak_csr
from player_matches_scoped
where (:gamertag = '' or gamertag = :gamertag collate nocase)
  and (scope = coalesce(nullif(:scope, ''), 'matchmade_pvp') or :scope = 'all')
group by player_id, playlist
union all
select 'no tracked player named “' || :gamertag || '”', null, null, null, null, null, null, null, null,
  null
where :gamertag <> '' and not exists (select 1 from tracked_players as t join players as p
  using (player_id) where p.gamertag = :gamertag collate nocase)
order by matches desc
""",
    "medal_leaderboard": """
select t.gamertag, t.medal, t.difficulty, t.type, t.total, t.matches_awarded,
  round(t.total * 1.0 / c.matches, 3) as per_match
from player_medal_totals as t
join player_careers as c on c.player_id = t.player_id
where (:gamertag = '' or t.gamertag = :gamertag collate nocase)
union all
select 'no tracked player named “' || :gamertag || '”', null, null, null, null, null, null
where :gamertag <> '' and not exists (select 1 from tracked_players as t join players as p
  using (player_id) where p.gamertag = :gamertag collate nocase)
order by total desc
""",
}
CHARTS_BEFORE = {
    "matches": """
select count(distinct match_id) as matches from player_matches_scoped
where (scope = coalesce(nullif(:scope, ''), 'matchmade_pvp') or :scope = 'all')
[[ and gamertag = :gamertag collate nocase ]] [[ and playlist = :playlist ]]
[[ and day >= :date_from ]] [[ and day <= :date_to ]]
""",
    # Each tracked player's matches: one two of them played is counted for each.
    "win_rate": """
select case when count(distinct match_id) > 0
  then printf('%.1f', 100.0 * count(distinct case when outcome = 'win'
    then player_id || ' ' || match_id end)
  / count(distinct player_id || ' ' || match_id)) else '\u2013' end as win_rate
from player_matches_scoped
where (scope = coalesce(nullif(:scope, ''), 'matchmade_pvp') or :scope = 'all')
[[ and gamertag = :gamertag collate nocase ]] [[ and playlist = :playlist ]]
[[ and day >= :date_from ]] [[ and day <= :date_to ]]
""",
    "kd": """
select case when count(*) > 0
  then printf('%.3f', coalesce(sum(kills), 0) * 1.0 / max(coalesce(sum(deaths), 0), 1))
  else '\u2013' end as kd
from player_matches_scoped
where (scope = coalesce(nullif(:scope, ''), 'matchmade_pvp') or :scope = 'all')
[[ and gamertag = :gamertag collate nocase ]] [[ and playlist = :playlist ]]
[[ and day >= :date_from ]] [[ and day <= :date_to ]]
""",
    "rolling_kd": """
with lines as (
  select player_id, gamertag, day, match_id, kills, deaths from player_matches_scoped
  where (scope = coalesce(nullif(:scope, ''), 'matchmade_pvp') or :scope = 'all')
  [[ and gamertag = :gamertag collate nocase ]] [[ and playlist = :playlist ]]
  [[ and day >= :date_from ]] [[ and day <= :date_to ]]
),
span as (select julianday(max(day)) - julianday(min(day)) as days from lines),
periods as (
  select player_id, gamertag,
    case when (select days from span) <= 120 then day
      when (select days from span) <= 1095 then date(day, '-6 days', 'weekday 1')
      else strftime('%Y-%m-01', day) end as period,
    count(distinct match_id) as matches, sum(kills) as kills, sum(deaths) as deaths
  from lines group by player_id, period
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
    "win_rate_by_map": """
select coalesce(map, '(not looked up yet)') as map,
  count(distinct player_id || ' ' || match_id) as matches,
  round(100.0 * count(distinct case when outcome = 'win' then player_id || ' ' || match_id end)
    / count(distinct player_id || ' ' || match_id), 1) as win_rate
from player_matches_scoped
where (scope = coalesce(nullif(:scope, ''), 'matchmade_pvp') or :scope = 'all')
[[ and gamertag = :gamertag collate nocase ]] [[ and playlist = :playlist ]]
[[ and day >= :date_from ]] [[ and day <= :date_to ]]
group by 1 order by win_rate desc
""",
    "matches_per_day": """
with lines as (
  select day, outcome, match_id from player_matches_scoped
  where (scope = coalesce(nullif(:scope, ''), 'matchmade_pvp') or :scope = 'all')
  [[ and gamertag = :gamertag collate nocase ]] [[ and playlist = :playlist ]]
  [[ and day >= :date_from ]] [[ and day <= :date_to ]]
),
span as (select julianday(max(day)) - julianday(min(day)) as days from lines),
-- A player's match under each outcome of their lines; with nobody picked, a match once,
-- under the outcome all its lines have, else mixed (migration 0035).
counted as (
  select day, outcome, match_id from lines where :gamertag <> ''
  union all
  select day, case when max(coalesce(outcome, '')) <> min(coalesce(outcome, '')) then 'mixed'
    else max(outcome) end, match_id
  from lines where :gamertag = '' group by day, match_id
)
select case when (select days from span) <= 120 then day
    when (select days from span) <= 1095 then date(day, '-6 days', 'weekday 1')
    else strftime('%Y-%m-01', day) end as period,
  outcome, count(distinct match_id) as matches
from counted group by period, outcome order by period
""",
    "filter gamertag": """
select gamertag from player_careers where gamertag is not null order by matches desc
""",
    "filter playlist": """
select distinct playlist from player_matches where playlist is not null order by playlist
""",
}
# Per query, the columns its ORDER BY sorts on: rows tied on them may come in any order.
ORDER = {
    "career_summary": (2,),
    "by_map": (2,),
    "by_mode": (2,),
    "by_playlist": (2,),
    "medal_leaderboard": (4,),
    "matches": (),
    "win_rate": (),
    "kd": (),
    "rolling_kd": (0,),
    "win_rate_by_map": (2,),
    "matches_per_day": (0,),
    "filter gamertag": None,  # ordered by a count the query does not show: compared whole
    "filter playlist": None,
}


@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> Path:
    """Two tracked players synced with names and skill: ranked, PvE and custom matches."""
    sim = Simulator(SimulatorConfig(seed=80, players=2, matches=60))  # both placed in ranked
    db = tmp_path_factory.mktemp("totals") / "halo.db"
    assert sync(db, sim, *sim.player_ids).outcome == "ok"
    # The simulator plays no team switch and no unknown outcome: a won ranked match gets
    # a second line for its player, on another team, who left; another line no outcome.
    # Each match is then written again as the store writes a match it holds.
    match_id, player_id = rows(
        db,
        "SELECT match_id, player_id FROM player_matches WHERE outcome = 'win'"
        " AND post_match_csr IS NOT NULL ORDER BY match_id LIMIT 1",
    )[0]
    (unknown,) = rows(
        db,
        "SELECT max(match_id) FROM player_matches WHERE match_id <> ? AND player_id = ?",
        match_id,
        player_id,
    )[0]
    with archive(db) as engine, open_store(engine) as store, store.unit() as connection:
        replaced = {m: player_tables.shares_of(connection, m) for m in (match_id, unknown)}
        cursor = connection.driver.cursor()
        cursor.row_factory = sqlite3.Row
        line = dict(cursor.execute(
            "SELECT * FROM match_players WHERE match_id = ? AND player_id = ?",
            (match_id, player_id),
        ).fetchone())  # fmt: skip
        line.update(team_id=line["team_id"] + 7, outcome=4, kills=3, deaths=9, accuracy=12.5)
        cursor.execute(
            f"INSERT INTO match_players ({', '.join(line)}) VALUES ({', '.join('?' * len(line))})",
            tuple(line.values()),
        )
        cursor.execute(
            "UPDATE match_players SET outcome = 0 WHERE match_id = ? AND player_id = ?",
            (unknown, player_id),
        )
        for match, touched in replaced.items():
            player_tables.add_match(connection, match, touched)
    return db


def fill(sql: str, params: dict[str, str]) -> str:
    """Keep a dashboard's ``[[ … ]]`` clause when its parameter is set (datasette-dashboards)."""

    def keep(match: re.Match[str]) -> str:
        names = _PARAM.findall(match.group(0))
        return match.group(0)[2:-2] if names and params.get(names[0]) else ""

    return _OPTIONAL.sub(keep, sql)


def answer(db: Path, sql: str, params: dict[str, str]) -> list[tuple]:
    sql = fill(sql, params)
    used = {name: params.get(name, "") for name in set(_PARAM.findall(sql))}
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, used).fetchall()


def assert_same(name: str, before: list[tuple], after: list[tuple]) -> None:
    assert Counter(after) == Counter(before), name
    order = ORDER[name]
    if order is None:
        assert after == before, name
    else:
        assert [[r[i] for i in order] for r in after] == [[r[i] for i in order] for r in before]


def current() -> tuple[dict[str, str], dict[str, str]]:
    """Return the canned queries' and the career dashboard's SQL in metadata.yml now."""
    metadata = load_metadata("halo")
    canned = metadata["databases"]["halo"]["queries"]
    career = metadata["plugins"]["datasette-dashboards"]["career"]
    filters = {name for name in CHARTS_BEFORE if name.startswith("filter ")}
    charts = {name: career["charts"][name]["query"] for name in CHARTS_BEFORE.keys() - filters}
    charts |= {name: career["filters"][name[len("filter ") :]]["query"] for name in filters}
    return {name: canned[name]["sql"] for name in CANNED_BEFORE}, charts


def gamertags(db: Path) -> list[str]:
    found = rows(db, "SELECT p.gamertag FROM tracked_players JOIN players AS p USING (player_id)")
    return [gamertag for (gamertag,) in found]


SCOPES = ("", "matchmade_pvp", "matchmade_pve", "custom", "all")


def test_the_world_has_what_the_totals_must_get_right(synced):
    # Shared matches (counted once when no player is picked), every scope, ranked
    # lines, unnamed and named playlists; and the totals are in use.
    shared = (
        "SELECT count(*) FROM (SELECT match_id FROM player_matches"
        " GROUP BY match_id HAVING count(DISTINCT player_id) > 1) AS s"
    )
    assert value(synced, shared) > 0
    switched = "SELECT count(*) - count(DISTINCT match_id || player_id) FROM player_matches"
    assert value(synced, switched) == 1
    assert value(synced, "SELECT count(*) FROM player_matches WHERE outcome IS NULL") == 1
    scopes = {s for (s,) in rows(synced, "SELECT DISTINCT scope FROM player_matches_scoped")}
    assert scopes == {"matchmade_pvp", "matchmade_pve", "custom"}
    assert value(synced, "SELECT count(*) FROM player_matches WHERE post_match_csr IS NOT NULL")
    assert value(synced, "SELECT count(*) FROM player_totals") > 0
    assert value(synced, "SELECT count(*) FROM player_totals WHERE playlist_asset_id = ''") > 0


def test_the_career_views_count_a_team_switch_as_one_match(synced):
    # player_totals counts distinct matches: summed over its keys, a player's whole career.
    careers = rows(
        synced,
        "SELECT player_id, matches, wins, losses, ties, left_early, kills, deaths"
        " FROM player_careers ORDER BY player_id",
    )
    assert careers == rows(
        synced,
        "SELECT player_id, sum(matches), sum(wins), sum(losses), sum(ties), sum(left_early),"
        " sum(kills), sum(deaths) FROM player_totals GROUP BY player_id ORDER BY player_id",
    )
    by_map_mode = rows(
        synced,
        "SELECT player_id, sum(matches), sum(wins), sum(losses) FROM player_map_mode_stats"
        " GROUP BY player_id ORDER BY player_id",
    )
    assert by_map_mode == [row[:4] for row in careers]
    # The world's team switch is a tracked player's: their lines outnumber their matches.
    lines = rows(synced, "SELECT player_id, count(*) FROM player_matches GROUP BY player_id")
    assert sum(count for _, count in lines) == sum(row[1] for row in careers) + 1


def test_the_career_views_give_the_kd_the_pages_and_queries_give(synced):
    # Three decimals, as career_summary, the player page and the dashboards round it.
    careers = rows(synced, "SELECT player_id, kd FROM player_careers ORDER BY player_id")
    summed = rows(
        synced,
        "SELECT player_id, round(sum(kills) * 1.0 / max(sum(deaths), 1), 3) FROM player_totals"
        " GROUP BY player_id ORDER BY player_id",
    )
    assert careers == summed
    assert any(round(kd, 2) != kd for _, kd in careers)  # a third decimal to lose
    by_map_mode = rows(
        synced,
        "SELECT kd, round(kills * 1.0 / max(deaths, 1), 3) FROM player_map_mode_stats",
    )
    assert all(kd == expected for kd, expected in by_map_mode)
    assert any(round(kd, 2) != kd for kd, _ in by_map_mode)


def test_the_front_pages_records_are_the_player_pages(synced, tmp_path):
    # The front page adds up player_totals (fast for a clan's hundreds of players); the
    # player page adds up lines: a team switch, PvE and customs must come out the same.
    # A player's Outcome is one per player (normalize writes it on each of their lines):
    # the world's switch, a win and a left line, becomes two won lines, as the API says.
    db = copy_archive(synced, tmp_path / "switch.db")
    switched = (
        "SELECT player_id, match_id FROM player_matches GROUP BY player_id, match_id"
        " HAVING count(*) > 1"
    )
    assert len(rows(db, switched)) == 1
    with archive(db) as engine, open_store(engine) as store, store.unit() as connection:
        connection.driver.execute(
            f"UPDATE player_matches SET outcome = 'win' WHERE (player_id, match_id) IN ({switched})"
        )
        player_totals.rebuild(connection)
    with closing(sqlite3.connect(db)) as connection:
        page = front_page(connection)
        players = page["cards"] + page["table"]
        assert len(players) == 2 and all(p["matchmade_pvp"]["matches"] for p in players)
        for player in players:
            groups = tracked_groups(connection, player["player_id"])
            assert player["matchmade_pvp"] == summaries(groups)["matchmade_pvp"]
            last = connection.execute(
                "SELECT max(start_time) FROM player_matches WHERE player_id = ?",
                (player["player_id"],),
            ).fetchone()[0]
            assert player["last_played"] == last


def test_the_totals_count_a_switchers_time_once(synced):
    # The world's switcher has two lines of one match, each with the match's time: the
    # totals count it once per match and player (migration 0038), as the careers do.
    once = (
        "SELECT player_id, sum(CAST(round(time_played_seconds * 10000000) AS BIGINT)) FROM"
        " (SELECT player_id, max(time_played_seconds) AS time_played_seconds FROM player_matches"
        " GROUP BY player_id, match_id) AS m GROUP BY player_id ORDER BY player_id"
    )
    for table in ("player_totals", "player_playlist_totals"):
        summed = f"SELECT player_id, sum(time_played_ticks) FROM {table} GROUP BY player_id"
        assert rows(synced, f"{summed} ORDER BY player_id") == rows(synced, once), table
    shots = "SELECT sum(shots_fired), sum(shots_hit) FROM {}"
    for table in ("player_totals", "player_playlist_totals", "player_map_totals"):
        assert rows(synced, shots.format(table)) == rows(synced, shots.format("player_matches"))
    matches = "SELECT sum(damage_matches) FROM player_totals"
    lines = "SELECT count(*) FROM player_matches WHERE damage_dealt IS NOT NULL"
    assert value(synced, matches) == value(synced, lines) - 1


def test_the_totals_kept_step_by_step_equal_a_rebuild(synced, tmp_path):
    assert dump(synced, player_totals.TABLES) == rebuilt(synced, tmp_path)


def test_each_canned_query_answers_as_before(synced):
    canned, _ = current()
    assert canned.keys() == CANNED_BEFORE.keys()
    picked = [*gamertags(synced), "", "nobody at all"]
    answered = 0
    for name, sql in canned.items():
        for gamertag, scope in itertools.product(picked, SCOPES):
            params = {"gamertag": gamertag, "scope": scope}
            before = answer(synced, CANNED_BEFORE[name], params)
            assert_same(name, before, answer(synced, sql, params))
            answered += bool(before)
    assert answered > len(canned) * len(SCOPES)


def scenarios(db: Path) -> Iterator[dict[str, str]]:
    """Every player picked or none, each scope, a playlist or none, dates or none."""
    playlist = value(db, "SELECT playlist FROM player_matches WHERE playlist IS NOT NULL"
                         " GROUP BY playlist ORDER BY count(*) DESC LIMIT 1")  # fmt: skip
    days = [d for (d,) in rows(db, "SELECT DISTINCT day FROM player_matches ORDER BY day")]
    middle = days[len(days) // 2]
    for gamertag, scope, list_, (start, end) in itertools.product(
        [*gamertags(db), ""], SCOPES, [playlist, ""],
        [("", ""), (middle, ""), ("", middle), (days[1], days[-2]), ("2001-01-01", "2001-01-02")],
    ):  # fmt: skip
        yield {"gamertag": gamertag, "scope": scope, "playlist": list_,
               "date_from": start, "date_to": end}  # fmt: skip


def test_each_dashboard_chart_answers_as_before(synced):
    _, charts = current()
    answered: Counter[str] = Counter()
    for params in scenarios(synced):
        for name, sql in charts.items():
            before = answer(synced, CHARTS_BEFORE[name], params)
            assert_same(name, before, answer(synced, sql, params))
            answered[name] += before not in ([], [(0,)], [("\u2013",)])
    assert all(answered[name] > 20 for name in charts), answered


def test_the_win_rate_and_kd_tiles_of_no_match_are_a_dash_not_zero(synced):
    _, charts = current()
    nothing = {"gamertag": "", "playlist": "", "scope": "", "date_from": "2999-01-01",
               "date_to": ""}  # fmt: skip
    assert answer(synced, charts["matches"], nothing) == [(0,)]
    assert answer(synced, charts["win_rate"], nothing) == [("\u2013",)]
    assert answer(synced, charts["kd"], nothing) == [("\u2013",)]
    nobody = {"gamertag": "Nobody Here", "scope": ""}
    assert [answer(synced, charts[t], nobody) for t in ("win_rate", "kd")] == [[("\u2013",)]] * 2


def test_the_dashboard_counts_a_shared_match_once_when_no_player_is_picked(synced):
    _, charts = current()
    params = {"scope": "all"}
    everyone = answer(synced, charts["matches"], params)[0][0]
    each = sum(answer(synced, charts["matches"], {**params, "gamertag": g})[0][0]
               for g in gamertags(synced))  # fmt: skip
    assert everyone == value(synced, "SELECT count(DISTINCT match_id) FROM player_matches") < each
    # Its bars too: a match of two players on opposite teams is one mixed match, not a win
    # and a loss (until migration 0035 the bars stacked higher than the matches played).
    bars = answer(synced, charts["matches_per_day"], {**params, "gamertag": ""})
    assert sum(matches for _, _, matches in bars) == everyone
    opposed = value(
        synced,
        "SELECT count(*) FROM (SELECT match_id FROM player_matches GROUP BY match_id"
        " HAVING max(outcome) = 'win' AND min(outcome) = 'loss')",
    )
    assert 0 < opposed <= sum(matches for _, outcome, matches in bars if outcome == "mixed")


def test_with_nobody_picked_the_win_rate_counts_each_players_result_in_a_shared_match(synced):
    # Two tracked players on opposite teams: one won, one lost; counting the match a win
    # once (what archive_day_totals holds) rose a clan's rate to 90 %.
    _, charts = current()
    players = gamertags(synced)
    for dates in ({}, {"date_from": "2000-01-01"}):
        params = {"scope": "all", **dates}
        each = [answer(synced, charts["matches"], {**params, "gamertag": g})[0][0] for g in players]
        rates = [
            answer(synced, charts["win_rate"], {**params, "gamertag": g})[0][0] for g in players
        ]
        wins = sum(float(rate) * matches / 100 for rate, matches in zip(rates, each, strict=True))
        everyone = float(answer(synced, charts["win_rate"], params)[0][0])
        assert everyone == pytest.approx(100 * wins / sum(each), abs=0.06)
        by_match = value(
            synced,
            "SELECT 100.0 * count(DISTINCT CASE WHEN outcome = 'win' THEN match_id END)"
            " / count(DISTINCT match_id) FROM player_matches",
        )
        assert everyone < by_match - 1
        by_map = answer(synced, charts["win_rate_by_map"], params)
        assert sum(matches for _, matches, _ in by_map) == sum(each)


# The README's K/D by map example, its gamertag a parameter (bench/queries.py times it too).
MAP_KD = """
select map, count(*) matches, round(sum(kills) * 1.0 / max(sum(deaths), 1), 2) kd
from player_matches where gamertag = :gamertag group by map order by matches desc
"""


def plan(db: Path, sql: str, params: dict[str, str]) -> list[str]:
    with closing(sqlite3.connect(db)) as connection:
        return [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", params)]


def test_the_queries_that_read_lines_read_them_by_index(synced):
    # Each reads its lines through its index of player_matches (migration 0019), with a
    # player picked and without, in every scope: no scan of every line, no sort of them.
    canned = load_metadata("halo")["databases"]["halo"]["queries"]
    for gamertag, scope in itertools.product([gamertags(synced)[0], ""], SCOPES):
        params = {"gamertag": gamertag, "scope": scope}
        best = plan(synced, canned["best_games"]["sql"], params)
        assert "SCAN pm USING INDEX ix_player_matches_best" in best, best
        # What is sorted is what a subquery kept (the 25 best lines, the team switchers'
        # matches, added up from their partial index: migration 0038), never every line.
        assert "SCAN pm USING INDEX ix_player_matches_switchers" in best, best
        sorts = [i for i, step in enumerate(best) if step == "USE TEMP B-TREE FOR ORDER BY"]
        assert all(best[i - 1].startswith("SCAN (subquery-") for i in sorts), best
        ranked = plan(synced, canned["csr_history"]["sql"], params)
        assert "SCAN player_matches USING INDEX ix_player_matches_ranked" in ranked, ranked
        # Everybody's newest lines, or the player's own, newest first: no line of another.
        recent = plan(synced, canned["recent_form"]["sql"], params)
        assert "SCAN pm USING INDEX ix_player_matches_start_time" in recent, recent
        assert "SEARCH pm USING INDEX ix_player_matches_player_id (player_id=?)" in recent, recent
    by_map = plan(synced, MAP_KD, {"gamertag": gamertags(synced)[0]})
    covered = "SEARCH player_matches USING COVERING INDEX ix_player_matches_map_kd (gamertag=?)"
    assert by_map[0] == covered, by_map
    assert "USE TEMP B-TREE FOR GROUP BY" not in by_map, by_map
    _, charts = current()
    assert plan(synced, charts["filter playlist"], {})[0].startswith("SCAN player_totals")


def rebuilt(db: Path, tmp_path: Path) -> dict[str, list[tuple]]:
    copied = copy_archive(db, tmp_path / f"rebuilt-{db.name}")
    with archive(copied) as engine, open_store(engine) as store, store.unit() as connection:
        player_totals.rebuild(connection)
    return dump(copied, player_totals.TABLES)


def test_best_games_list_lines_that_tie_newest_first(synced, tmp_path):
    # Lines that tie on KDA and kills came back in the order the index held them (the
    # order they were written); migration 0021 orders them newest first.
    db = copy_archive(synced, tmp_path / "halo.db")
    gamertag = gamertags(db)[0]
    written = rows(
        db,
        "SELECT pm.rowid, pm.start_time FROM player_matches AS pm"
        " JOIN player_matches_scoped AS s USING (match_id, player_id, team_id)"
        " WHERE pm.gamertag = ? AND s.scope = 'matchmade_pvp' ORDER BY pm.rowid",
        gamertag,
    )
    # Three written newest first (as a backfill writes them): the index order is oldest first.
    picked: list[tuple[int, str]] = []
    for rowid, start_time in written:
        if not picked or start_time < picked[-1][1]:
            picked.append((rowid, start_time))
    picked = picked[:3]
    assert len(picked) == 3
    with sqlite3.connect(db) as connection:
        connection.executemany(
            "UPDATE player_matches SET kda = 99, kills = 99 WHERE rowid = ?",
            [(rowid,) for rowid, _ in picked],
        )
    canned = load_metadata("halo")["databases"]["halo"]["queries"]
    with closing(sqlite3.connect(db)) as connection:
        query = canned["best_games"]["sql"]
        best = connection.execute(query, {"gamertag": gamertag, "scope": ""}).fetchall()
    assert [row[0] for row in best[:3]] == [start_time for _, start_time in picked]


@pytest.mark.parametrize("change", [+40, -40, None])
def test_a_csr_that_changes_keeps_the_peak_equal_to_a_rebuild(synced, tmp_path, change):
    db = copy_archive(synced, tmp_path / "halo.db")
    # The ranked match that holds a player's peak: raised, lowered, or taken away.
    match_id, player_id = rows(
        db,
        "SELECT match_id, player_id FROM player_matches WHERE post_match_csr IS NOT NULL"
        " ORDER BY post_match_csr DESC, match_id LIMIT 1",
    )[0]
    peak = "SELECT max(peak_csr) FROM player_totals WHERE player_id = ?"
    was = value(db, peak, player_id)
    with sqlite3.connect(db) as connection:
        connection.execute(
            "UPDATE match_skill SET post_match_csr = CASE WHEN ? IS NULL THEN -1"
            " ELSE post_match_csr + ? END WHERE match_id = ? AND player_id = ?",
            (change, change, match_id, player_id),
        )
    with archive(db) as engine, open_store(engine) as store, store.unit() as connection:
        player_tables.refresh_skill(connection, match_id)
    assert dump(db, player_totals.TABLES) == rebuilt(db, tmp_path)
    assert (value(db, peak, player_id) > was) is (change is not None and change > 0)
    # The lines were updated in place: as the SELECT that defines them would write them.
    line = "SELECT post_match_csr FROM player_matches WHERE match_id = ? AND player_id = ?"
    skill = (
        "SELECT nullif(post_match_csr, -1) FROM match_skill WHERE match_id = ? AND player_id = ?"
    )
    assert value(db, line, match_id, player_id) == value(db, skill, match_id, player_id)
    assert (value(db, line, match_id, player_id) is None) is (change is None)
    copied = copy_archive(db, tmp_path / "lines-rebuilt.db")
    with archive(copied) as engine, open_store(engine) as store, store.unit() as connection:
        player_tables.rebuild(connection)
    assert dump(db, ("player_matches",)) == dump(copied, ("player_matches",))


def test_the_migrations_fill_the_tables_as_the_store_computes_them(synced, tmp_path):
    # 0018 made the first four from the lines, 0030 the per playlist, map and mode ones
    # from player_totals, 0035 counted the archive-wide ones a match under one outcome,
    # 0038 the per-player ones a switcher's time once, with shots: run in that order, each
    # fills its tables as the store would.
    migrations = []
    later = ("0030_player_breakdown_totals.py", "0035_archive_totals_one_outcome.py",
             "0038_team_switch_time_and_shot_accuracy.py")  # fmt: skip
    for path in (MIGRATION, *(MIGRATION.with_name(name) for name in later)):
        spec = importlib.util.spec_from_file_location(f"migration_{path.stem}", path)
        assert spec is not None and spec.loader is not None
        migration: Any = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migrations.append(migration)
    assert {t for m in migrations for t in m.TABLES} == set(player_totals.TABLES)
    db = copy_archive(synced, tmp_path / "halo.db")
    kept = dump(db, player_totals.TABLES)
    with sqlite3.connect(db) as connection:
        for migration in migrations:
            for table in migration.TABLES:
                connection.execute(f"DELETE FROM {table}")
                connection.execute(migration.fill(table))
    assert dump(db, player_totals.TABLES) == kept
    assert all(kept.values())


@pytest.mark.slow
def test_the_totals_sql_computes_the_same_rows_on_postgresql(synced, postgres_url):
    # The store's statements, in the plain SQL both accept: the lines of the synced
    # archive copied into PostgreSQL, the totals rebuilt there, then added match by match.
    engine = open_archive(postgres_url)
    sources = ("players", "matches", "player_matches")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("SET session_replication_role = replica")  # no FKs
            for name in sources:
                table = metadata.tables[name]
                flags = {c.name for c in table.columns if isinstance(c.type, Boolean)}
                with sqlite3.connect(synced) as source:
                    source.row_factory = sqlite3.Row
                    found = [dict(r) for r in source.execute(f"SELECT * FROM {name}")]
                for row in found:
                    row.update({flag: bool(row[flag]) for flag in flags if row[flag] is not None})
                connection.execute(table.insert(), found)

            def run(sql: str, params: tuple = ()) -> None:
                connection.exec_driver_sql(sql.replace("?", "%s"), params)

            def dumped() -> dict[str, list[tuple]]:
                found = {}
                for totals in player_totals.TOTALS:
                    got = connection.exec_driver_sql(f"SELECT * FROM {totals.table}").fetchall()
                    found[totals.table] = sorted((tuple(r) for r in got), key=repr)
                return found

            for totals in player_totals.TOTALS:
                run(totals.insert("true"))
            assert dumped() == dump(synced, player_totals.TABLES)
            for totals in player_totals.TOTALS:
                run(f"DELETE FROM {totals.table}")
            matches = [m for (m,) in rows(synced, "SELECT DISTINCT match_id FROM player_matches")]
            for match_id in matches:
                for totals in player_totals.TOTALS:
                    run(totals.add_match(), (match_id,))
            assert dumped() == dump(synced, player_totals.TABLES)
    finally:
        engine.dispose()
