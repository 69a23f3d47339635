"""The viewer (issue 4): views, canned queries, dashboards and search, through Datasette in-process."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import sqlite3
import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner
from datasette_dashboards import replace_opts_in_query

from grunt_archive.cli import cli
from grunt_archive.fts import FTS_INDEXES, FTS_SCHEMA
from grunt_archive.serve import datasette_for, load_metadata
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.viewer.formats import medals_shown
from tests.conftest import copy_archive
from tests.helpers import rows, sync, viewer

QUERIES = load_metadata()["databases"]["halo"]["queries"]
CAREER = load_metadata()["plugins"]["datasette-dashboards"]["career"]


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[Simulator, Path, str]:
    """A synced two-player archive named ``career.db``, and its first player's gamertag."""
    sim = Simulator(SimulatorConfig(seed=11, players=2, matches=90))
    db = tmp_path_factory.mktemp("viewer") / "career.db"
    report = sync(db, sim, *sim.player_ids)
    assert report.outcome == "ok"
    return sim, db, sim.gamertag(sim.player_ids[0])


def get(ds, path: str):
    return asyncio.run(ds.client.get(path))


def rows_of(ds, path: str) -> list[dict]:
    response = get(ds, path)
    assert response.status_code == 200, (path, response.text[:500])
    return response.json()


def test_metadata_is_renamed_to_the_archive_for_tables_queries_and_dashboards():
    metadata = load_metadata("career")
    assert list(metadata["databases"]) == ["career"]
    dashboard = metadata["plugins"]["datasette-dashboards"]["career"]
    items = [*dashboard["charts"].values(), *dashboard["filters"].values()]
    dbs = {item["db"] for item in items if "db" in item}
    assert dbs <= {"career"} and "career" in dbs


def test_every_layered_chart_draws_one_titled_axis_per_channel():
    # Layers share their scales: one layer without an axis hid the merged one (rolling_kd).
    dashboards = load_metadata("career")["plugins"]["datasette-dashboards"]
    layered, params = {}, {}
    for dashboard in dashboards.values():
        for name, chart in dashboard["charts"].items():
            if chart.get("library") == "vega-lite" and "layer" in chart["display"]:
                layered[name] = chart["display"]["layer"]
                params[name] = {p["name"]: p["expr"] for p in chart["display"]["params"]}
    assert "rolling_kd" in layered

    def flat(layers: list[dict]) -> list[dict]:  # a nested layer (rolling_kd's) too
        return [each for layer in layers for each in [layer, *flat(layer.get("layer", []))]]

    temporal = set()
    for name, layers in layered.items():
        for channel in ("x", "y"):
            encodings = [layer.get("encoding", {}).get(channel) for layer in flat(layers)]
            encodings = [encoding for encoding in encodings if encoding]
            assert all(encoding.get("axis", {}) is not None for encoding in encodings), name
            assert len({encoding.get("title") for encoding in encodings}) <= 1, (name, channel)
        # A time axis spans a week at least (its domain padded around x_extent, the
        # extent of its own field) with ticks a day apart at least: a single match or
        # snapshot had a one-millisecond domain, labelled ".982".
        xs = [layer.get("encoding", {}).get("x") for layer in flat(layers)]
        for x in [x for x in xs if x and x["type"] == "temporal"]:
            temporal.add(name)
            assert params[name]["x_extent"] == f"extent(pluck(data('source_0'), '{x['field']}'))"
            scale = x.get("scale", {})
            assert "x_extent" in scale["domainMin"]["expr"], name
            assert "x_extent" in scale["domainMax"]["expr"], name
            assert x["axis"]["tickMinStep"] == 86_400_000, name
    assert {"csr", "rolling_kd", "matches_per_day", "career_kd", "csr_by_playlist"} <= temporal


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_canned_query_returns_rows_for_a_real_gamertag(archive, name):
    _, db, gamertag = archive
    params = {"q": gamertag[:4]} if name == "search" else {"gamertag": gamertag}
    query = urllib.parse.urlencode({**params, "_shape": "array"})
    found = rows_of(viewer(db), f"/career/{name}.json?{query}")
    assert found, name
    if "gamertag" in found[0]:
        assert {row["gamertag"] for row in found} == {gamertag}


@pytest.mark.parametrize("name", sorted(n for n, q in QUERIES.items() if "gamertag" in q["params"]))
def test_every_canned_query_says_when_no_tracked_player_has_the_gamertag(archive, name):
    # An opponent's gamertag names a player of the archive, not a tracked one.
    _, db, gamertag = archive
    (opponent,) = rows(
        db,
        "SELECT max(gamertag) FROM players WHERE player_id NOT IN"
        " (SELECT player_id FROM tracked_players) AND gamertag IS NOT NULL AND NOT is_bot",
    )[0]
    for asked in ("nobody at all", opponent, gamertag):
        query = urllib.parse.urlencode({"gamertag": asked, "_shape": "array"})
        found = rows_of(viewer(db), f"/career/{name}.json?{query}")
        saying = [row for row in found if f"no tracked player named “{asked}”" in row.values()]
        if asked == gamertag:
            assert found and not saying, name
        else:
            assert found == saying and len(saying) == 1, name


SCOPES = ("matchmade_pvp", "matchmade_pve", "custom", "all")
SCOPED = sorted(name for name, q in QUERIES.items() if "scope" in q["params"])


def unknown_scope(scope: str) -> str:
    return f"unknown scope “{scope}”: pick matchmade_pvp (the default, when empty), " + (
        "matchmade_pve, custom or all"
    )


def test_every_query_that_reads_the_scope_takes_it_as_a_parameter():
    assert {name for name, q in QUERIES.items() if ":scope" in q["sql"]} == set(SCOPED)
    assert len(SCOPED) >= 6


@pytest.mark.parametrize("name", SCOPED)
def test_every_canned_query_says_when_the_scope_is_unknown(archive, name):
    # A typo used to answer no rows at all: "you have no matches".
    _, db, gamertag = archive
    for scope, who in itertools.product(("bogus", "matchmade", "PvP", "ALL"), (gamertag, "")):
        query = urllib.parse.urlencode({"gamertag": who, "scope": scope, "_shape": "array"})
        found = rows_of(viewer(db), f"/career/{name}.json?{query}")
        assert [unknown_scope(scope) in row.values() for row in found] == [True], (name, scope)
    for scope in ("", *SCOPES):
        query = urllib.parse.urlencode({"gamertag": gamertag, "scope": scope, "_shape": "array"})
        found = rows_of(viewer(db), f"/career/{name}.json?{query}")
        assert not any("unknown scope" in str(row) for row in found), (name, scope)
    # An unknown player and an unknown scope: both said.
    query = urllib.parse.urlencode({"gamertag": "nobody at all", "scope": "bogus"})
    said = {str(v) for row in rows_of(viewer(db), f"/career/{name}.json?{query}&_shape=array")
            for v in row.values() if v}  # fmt: skip
    assert {unknown_scope("bogus"), "no tracked player named “nobody at all”"} <= said, name


def test_the_message_rows_of_a_canned_query_are_not_links_to_a_player(archive):
    _, db, _ = archive
    html = get(viewer(db), "/career/by_map?gamertag=nobody&scope=bogus").text
    assert "unknown scope “bogus”" in html and "no tracked player named “nobody”" in html
    assert 'href="/player/unknown' not in html and 'href="/player/no%20player' not in html


def test_the_dashboard_offers_the_scopes_and_says_when_the_scope_is_unknown(archive):
    _, db, gamertag = archive
    ds = viewer(db)
    assert CAREER["filters"]["scope"]["type"] == "select"
    assert CAREER["filters"]["scope"]["options"] == list(SCOPES)
    metrics = {"matches": "unknown scope “bogus”", "win_rate": "\u2013", "kd": "\u2013"}
    for scope, who in itertools.product(("bogus", "<b>bogus</b>"), ({}, {"gamertag": gamertag})):
        options = {**who, "scope": scope}
        escaped = scope.replace("<", "&lt;").replace(">", "&gt;")  # the tile is set as HTML
        for chart, said in metrics.items():
            sql = replace_opts_in_query(CAREER["charts"][chart]["query"], options)
            query = urllib.parse.urlencode({"sql": sql, **options})
            found = rows_of(ds, f"/career.json?{query}&_shape=array")
            assert found == [{chart: said.replace("bogus", escaped) if chart == "matches"
                              else said}], (chart, options)  # fmt: skip
    # A known scope still answers numbers.
    for scope in ("", *SCOPES):
        sql = replace_opts_in_query(CAREER["charts"]["matches"]["query"], {"scope": scope})
        query = urllib.parse.urlencode({"sql": sql, "scope": scope})
        assert isinstance(rows_of(ds, f"/career.json?{query}&_shape=array")[0]["matches"], int)


def test_canned_queries_with_no_gamertag_cover_every_tracked_player(archive):
    sim, db, _ = archive
    careers = rows_of(viewer(db), "/career/career_summary.json?gamertag=&_shape=array")
    assert {row["gamertag"] for row in careers} == {sim.gamertag(p) for p in sim.player_ids}


def test_views_agree_with_the_tables(archive):
    _, db, gamertag = archive
    player = rows(db, f"SELECT player_id FROM players WHERE gamertag = '{gamertag}'")[0][0]
    assert rows(db, f"SELECT count(*) FROM player_matches WHERE player_id = '{player}'") == rows(
        db, f"SELECT count(*) FROM match_players WHERE player_id = '{player}'"
    )
    # Every match of a tracked player has its names; CSR only in ranked matches.
    assert rows(db, "SELECT count(*) FROM player_matches WHERE map IS NULL OR mode IS NULL") == [
        (0,)
    ]
    assert rows(db, "SELECT count(*) FROM player_matches WHERE post_match_csr < 0") == [(0,)]
    career = rows(
        db, f"SELECT matches, wins, kills FROM player_careers WHERE gamertag = '{gamertag}'"
    )
    # A match counts once, a team switch's lines (one per team) added up.
    assert career == rows(
        db,
        "SELECT count(*), sum(outcome = 2), sum(kills) FROM (SELECT max(outcome) AS outcome,"
        f" sum(kills) AS kills FROM match_players WHERE player_id = '{player}' GROUP BY match_id)",
    )


def test_search_indexes_are_created_as_declared_and_stay_current(archive):
    _, db, gamertag = archive
    created = dict(
        rows(db, "SELECT name, sql FROM sqlite_master WHERE type IN ('trigger', 'table')")
    )
    assert {name: created.get(name) for name in FTS_SCHEMA} == FTS_SCHEMA
    with sqlite3.connect(db) as connection:
        # The sync inserted players, then named them (upserts): every index matches its table.
        for index in FTS_INDEXES:
            connection.execute(f"INSERT INTO {index}({index}, rank) VALUES ('integrity-check', 1)")
        connection.execute(
            "UPDATE players SET gamertag = 'Renamed Spartan' WHERE gamertag = ?", (gamertag,)
        )
        found = connection.execute(
            "SELECT p.gamertag FROM players_fts JOIN players AS p ON p.rowid = players_fts.rowid"
            " WHERE players_fts MATCH 'renamed'"
        ).fetchall()
        connection.rollback()
    assert found == [("Renamed Spartan",)]


def test_a_name_set_to_what_it_was_leaves_the_search_index_be(archive):
    # A sync looks gamertags and asset names up again: an unchanged one rewrote its
    # index entry until migration 0036 gave the update triggers their WHEN.
    _, db, gamertag = archive
    with sqlite3.connect(db) as connection:
        traced: list[str] = []
        connection.set_trace_callback(traced.append)
        connection.execute("UPDATE players SET gamertag = ? WHERE gamertag = ?", (gamertag,) * 2)
        connection.execute("UPDATE assets SET public_name = public_name, description = description")

        def index_writes(index: str) -> list[str]:
            # FTS5 reads its config whenever a statement names it: only writes count.
            return [sql for sql in traced if index in sql and "SELECT" not in sql]

        assert traced and not index_writes("_fts")
        connection.execute(
            "UPDATE players SET gamertag = 'Renamed' WHERE gamertag = ?", (gamertag,)
        )
        assert index_writes("players_fts")
        connection.rollback()


def test_datasette_searches_players_and_assets_and_labels_ids(archive):
    _, db, gamertag = archive
    ds = viewer(db)
    found = rows_of(ds, f"/career/players.json?_search={gamertag.split()[0]}&_shape=array")
    assert gamertag in {row["gamertag"] for row in found}
    maps = rows_of(ds, "/career/assets.json?_search=arena&_shape=array")
    assert maps and all(
        "arena" in (r["public_name"] + (r["description"] or "")).lower() for r in maps
    )
    labelled = rows_of(ds, "/career/match_players.json?_labels=on&_size=5&_shape=array")
    assert all(isinstance(row["player_id"], dict) and row["player_id"]["label"] for row in labelled)


def test_internal_tables_are_hidden_but_reachable(archive):
    _, db, _ = archive
    ds = viewer(db)
    listing = get(ds, "/career.json").json()
    tables = {t["name"]: t["hidden"] for t in listing["tables"]}
    internal = ("raw_responses", "sync_runs", "tracked_players", "players_fts", "alembic_version",
                "unfinished_copies")  # fmt: skip
    for name in internal:
        assert tables[name] is True, name
    assert tables["matches"] is False and tables["players"] is False
    assert tables["player_matches"] is False and tables["player_encounters"] is False
    assert "player_careers" in {v["name"] for v in listing["views"]}
    assert get(ds, "/career/raw_responses.json?_size=1").status_code == 200


def test_csv_export_of_a_table_a_view_and_a_canned_query(archive):
    _, db, gamertag = archive
    ds = viewer(db)
    for path in (
        "/career/matches.csv?_size=max",
        "/career/player_matches.csv",
        f"/career/by_map.csv?gamertag={urllib.parse.quote(gamertag)}",
    ):
        response = get(ds, path)
        assert response.status_code == 200, path
        lines = response.text.splitlines()
        assert len(lines) > 1 and "," in lines[0], path


def _cells(html: str, column: str) -> list[str]:
    """Return the text of every body cell of ``column`` in a Datasette table or query page."""
    found = re.findall(rf'<td class="[^"]*\bcol-{column}\b[^"]*"[^>]*>(.*?)</td>', html, re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in found]


def test_canned_queries_and_tables_write_kd_and_percentages_as_the_pages_do(archive):
    # SQLite's round() gave "2.0" and "0.5" for one match's K/D (the match page: 2.00),
    # "0.98" for a career's (the player page: 0.980), and percentages with no sign; a
    # match lasted "615.6193927" (seconds) where the match page says 10:16.
    _, db, gamertag = archive
    ds = viewer(db)
    who = urllib.parse.quote(gamertag)
    for path, column, shape in (
        (f"/career/recent_form?gamertag={who}", "kd", r"\d+\.\d\d"),
        (f"/career/recent_form?gamertag={who}", "kd_last_25", r"\d+\.\d{3}"),
        (f"/career/recent_form?gamertag={who}", "accuracy", r"\d+\.\d %"),
        (f"/career/career_summary?gamertag={who}", "kd", r"\d+\.\d{3}"),
        (f"/career/career_summary?gamertag={who}", "win_rate", r"\d+\.\d %"),
        (f"/career/by_map?gamertag={who}", "win_rate", r"\d+\.\d %"),
        ("/career/player_matches", "kd", r"\d+\.\d\d"),
        ("/career/matches", "duration_seconds", r"\d+:\d\d"),
        ("/career/player_matches", "time_played_seconds", r"\d+:\d\d"),
    ):
        response = get(ds, path)
        assert response.status_code == 200, path
        cells = _cells(response.text, column)
        assert cells, (path, column)
        assert all(re.fullmatch(shape, cell) for cell in cells), (path, column, cells[:10])
    # JSON and CSV keep the stored numbers.
    stored = rows_of(ds, f"/career/recent_form.json?gamertag={who}&_shape=array")
    assert all(type(row["kd"]) in (int, float) for row in stored)


def test_csr_history_names_the_tier_as_the_player_page_does(archive):
    # post_match_tier alone ("Platinum") beside the player page's "Platinum 2". The Career
    # dashboard's CSR chart keeps the tier alone: the same join there took 240 ms, not 30
    # (bench/queries.py, 50,000 matches), where its target is 100.
    _, db, gamertag = archive
    ds = viewer(db)
    tier = re.compile(r"(Bronze|Silver|Gold|Platinum|Diamond) [1-6]|Onyx")
    who = urllib.parse.quote(gamertag)
    found = rows_of(ds, f"/career/csr_history.json?gamertag={who}&_shape=array")
    assert found and all(tier.fullmatch(row["post_match_tier"]) for row in found), found[:3]


def test_every_chart_of_a_kd_labels_its_axis_with_decimals():
    # Vega's default format labelled the lone tick of one snapshot's K/D (1.312) "1".
    def encodings(spec):  # every encoding of a spec, its layers' however deep
        if isinstance(spec, dict):
            if isinstance(spec.get("encoding"), dict):
                yield spec["encoding"]
            for value in spec.values():
                yield from encodings(value)
        elif isinstance(spec, list):
            for value in spec:
                yield from encodings(value)

    dashboards = load_metadata()["plugins"]["datasette-dashboards"]
    checked = 0
    for dashboard in dashboards.values():
        for name, chart in dashboard["charts"].items():
            for encoding in encodings(chart.get("display")):
                for channel in ("x", "y"):
                    axis = encoding.get(channel) or {}
                    if axis.get("field") in ("kd", "rolling_kd"):
                        checked += 1
                        assert (axis.get("axis") or {}).get("format"), (name, channel)
    assert checked >= 3


def test_every_dashboard_legend_goes_under_its_chart():
    # On the right, a legend of "WraithAce 203 · Ranked Doubles" left a phone's (390 px)
    # CSR chart a plot 25 px wide, its axis title cut at both ends.
    dashboards = load_metadata()["plugins"]["datasette-dashboards"]
    legends = [
        (name, encoding["color"]["legend"])
        for dashboard in dashboards.values()
        for name, chart in dashboard["charts"].items()
        for layer in (chart.get("display") or {}).get("layer", [])
        for encoding in [layer.get("encoding") or {}]
        if isinstance((encoding.get("color") or {}).get("legend"), dict)
    ]
    assert len(legends) >= 5
    for name, legend in legends:
        assert legend.get("orient") == "bottom", name


@pytest.mark.parametrize("chart", sorted(CAREER["charts"]))
def test_every_dashboard_chart_query_runs_with_and_without_filters(archive, chart):
    _, db, gamertag = archive
    ds = viewer(db)
    # With no filter picked, the dashboard opens on its default scope, matchmade PvP.
    opened = get(ds, "/-/dashboards/career")
    assert opened.status_code == 302
    assert opened.headers["location"].endswith("/-/dashboards/career?scope=matchmade_pvp")
    assert get(ds, "/-/dashboards/career?scope=matchmade_pvp").status_code == 200
    sql = CAREER["charts"][chart]["query"]
    picked = {"gamertag": gamertag.upper(), "date_from": "2020-01-01", "date_to": "2030-01-01"}
    for options in ({}, picked, {**picked, "scope": "all"}):
        query = urllib.parse.urlencode({"sql": replace_opts_in_query(sql, options), **options})
        found = rows_of(ds, f"/career.json?{query}&_shape=array")
        assert found and all(v is not None for v in found[0].values()), (chart, options)


def test_the_medals_chart_counts_the_same_from_totals_and_from_awards(archive):
    # With no playlist or date picked it reads player_medal_totals, else medal_awards.
    _, db, gamertag = archive
    ds = viewer(db)
    sql = CAREER["charts"]["medals"]["query"]

    def chart(options: dict[str, str]) -> list[dict]:
        query = urllib.parse.urlencode({"sql": replace_opts_in_query(sql, options), **options})
        return rows_of(ds, f"/career.json?{query}&_shape=array")

    for player in ({}, {"gamertag": gamertag}):
        totals = chart(player)
        assert len(totals) == 15
        assert chart({**player, "date_from": "2000-01-01"}) == totals
        assert chart({**player, "date_to": "2000-01-01"}) == []


def test_a_sync_running_alongside_shows_up_on_refresh(archive, tmp_path):
    sim, db, _ = archive
    copy = copy_archive(db, tmp_path / "career.db")
    ds = datasette_for(copy)
    count = "/career.json?sql=select+count(*)+as+n+from+matches&_shape=array"
    before = rows_of(ds, count)[0]["n"]
    sim.play(sim.player_ids[0], 3)
    assert sync(copy, sim).matches_added == 3
    assert rows_of(ds, count)[0]["n"] == before + 3


# --- grunt-archive query ----------------------------------------------------------


def run_query(db: Path, *args: str):
    return CliRunner().invoke(cli, ["query", "--db", str(db), *args])


def test_query_prints_csv_json_and_json_lines(archive):
    _, db, _ = archive
    sql = "select gamertag, matches from player_careers order by matches desc, gamertag"
    expected = [{"gamertag": g, "matches": n} for g, n in rows(db, sql)]
    csv_out = run_query(db, sql)
    assert csv_out.exit_code == 0
    assert csv_out.output.splitlines() == ["gamertag,matches"] + [
        f"{r['gamertag']},{r['matches']}" for r in expected
    ]
    assert json.loads(run_query(db, sql, "--json").output) == expected
    lines = run_query(db, sql, "--nl").output.splitlines()
    assert [json.loads(line) for line in lines] == expected
    assert json.loads(run_query(db, "select 1 where 0", "--json").output) == []


@pytest.mark.parametrize(
    "sql,message",
    [
        ("selec * from matches", "syntax error"),
        ("select * from no_such_table", "no such table"),
        ("delete from matches", "only reads"),
    ],
)
def test_bad_or_writing_sql_is_a_one_line_usage_error(archive, sql, message):
    _, db, _ = archive
    before = rows(db, "SELECT count(*) FROM matches")
    result = run_query(db, sql)
    assert result.exit_code == 2
    assert re.fullmatch(rf"Error: bad SQL: .*{message}.*\n", result.output)
    assert rows(db, "SELECT count(*) FROM matches") == before


def test_query_on_a_missing_archive_is_an_archive_error(tmp_path):
    result = run_query(tmp_path / "none.db", "select 1")
    assert result.exit_code == 6 and not (tmp_path / "none.db").exists()


def test_a_phone_shows_the_medals_that_fit_one_line_and_at_least_one():
    def medal(name: str, count: int = 1) -> dict:
        return {"name": name, "count": count}

    assert medals_shown([]) == 0
    assert medals_shown([medal("Overkill"), medal("Killing Frenzy", 2)]) == 2  # 27 characters
    assert medals_shown([medal("Double Kill", 5), medal("Killing Spree"), medal("Perfect")]) == 1
    assert medals_shown([medal("Perfect"), medal("Killjoy"), medal("Snipe"), medal("Stick")]) == 3
    assert medals_shown([medal("A medal named past the end of a line")]) == 1  # never none


@pytest.mark.parametrize("name", ["match", "player", "_internal", "-"])
def test_an_archive_named_as_a_route_is_served_under_another_name(archive, name, tmp_path):
    from grunt_archive.serve import _plain_name

    _, db, gamertag = archive
    path = copy_archive(db, tmp_path / f"{name}.db")
    with _plain_name(path) as plain:
        assert plain.stem == f"{name}-archive" and plain.resolve() == path.resolve()
        ds = datasette_for(plain)
        # What the home page links to: the canned queries, under the database's name.
        home = get(ds, "/")
        assert home.status_code == 200
        assert f'href="/{name}-archive/career_summary' in home.text
        query = f"/{name}-archive/career_summary.json?_shape=array&gamertag={gamertag}"
        assert rows_of(ds, query)
        career = get(ds, "/-/dashboards/career?scope=matchmade_pvp")
        assert career.status_code == 200, career.text[:300]


def test_a_gamertag_two_players_held_never_hides_either(archive, tmp_path):
    sim, db, gamertag = archive
    path = copy_archive(db, tmp_path / "career.db")
    me = sim.player_ids[0]
    # Someone met in my matches held my gamertag (in another case) before me.
    ((match_id, other),) = rows(
        path,
        "SELECT match_id, player_id FROM match_players WHERE player_id NOT IN"
        " (SELECT player_id FROM tracked_players) AND player_id LIKE 'xuid(%'"
        " AND match_id IN (SELECT match_id FROM match_players WHERE player_id = ?) LIMIT 1",
        me,
    )
    with sqlite3.connect(path) as connection:
        connection.execute(
            "UPDATE players SET gamertag = ?, gamertag_updated_at = '2022-06-01T00:00:00.000Z'"
            " WHERE player_id = ?",
            (gamertag.upper(), other),
        )
    ds = datasette_for(path)
    # The scoreboard links each line to its own player, whatever their names.
    html = get(ds, f"/match/{match_id}").text
    for player_id in (me, other):
        assert f'href="/player/{player_id}"' in html
    assert f'href="/player/{urllib.parse.quote(gamertag, safe="()")}"' not in html
    # By name, the tracked one; the page names the other, whose page is a link away.
    page = rows_of(ds, f"/player/{urllib.parse.quote(gamertag.upper())}.json")
    assert page["player_id"] == me
    assert page["also_named"] == [{"player_id": other, "gamertag": gamertag.upper()}]
    note = re.search(
        r'<p class="note" id="also-named">(.*?)</p>',
        get(ds, "/player/" + urllib.parse.quote(gamertag)).text,
    )
    assert note and f'href="/player/{other}"' in note.group(1)
    assert rows_of(ds, f"/player/{other}.json")["player_id"] == other
    # Suggestions (a word begun, no whole gamertag) link by id as well: both are there.
    begun = gamertag.split()[0][:3]
    missing = get(ds, "/player?q=" + urllib.parse.quote(begun))
    assert missing.status_code == 404
    for player_id in (me, other):
        assert f'href="/player/{player_id}"' in missing.text


def test_the_career_dashboards_scope_options_are_named_their_values_kept(archive):
    # datasette-dashboards writes each option as its value ("matchmade_pvp"); the viewer
    # names them as the player page's tabs do, and the address keeps the value.
    _, db, gamertag = archive
    html = get(viewer(db), f"/-/dashboards/career?scope=custom&gamertag={gamertag}").text
    select = html.split('<select id="scope" name="scope">', 1)[1].split("</select>", 1)[0]
    values = re.findall(r'<option value="([^"]*)"', select)
    assert values == ["", "matchmade_pvp", "matchmade_pve", "custom", "all"]
    (labels,) = re.findall(r"const title = (\{[^}]*\})\[option\.value\]", html)
    assert json.loads(labels) == {
        "matchmade_pvp": "Matchmade PvP",
        "matchmade_pve": "Matchmade PvE (Firefight)",
        "custom": "Custom games",
        "all": "All matches",
    }
    assert html.index("</select>") < html.index('querySelectorAll("select#scope option")')
    # Only the dashboards: the other pages carry no such script.
    assert "select#scope" not in get(viewer(db), "/career/matches").text


def test_the_matches_facets_read_as_names_and_filter_by_code(archive):
    # Datasette's column facets listed "3 119, 1 25" and "6 40, 15 22": the codes the
    # matches table keeps. Its facets are `named` ones: the same counts, by name.
    _, db, _ = archive
    ds = viewer(db)
    page = rows_of(ds, "/career/matches.json?_size=0&_extra=facet_results")
    facets = page["facet_results"]
    lifecycles = {v["label"]: v for v in facets["lifecycle_mode"]["results"]}
    assert set(lifecycles) <= {"matchmade", "custom", "local"} and "matchmade" in lifecycles
    assert lifecycles["matchmade"]["value"] == 3
    expected = dict(rows(db, "SELECT game_variant_category, count(*) FROM matches GROUP BY 1"))
    modes = {
        v["value"]: (v["label"], v["count"]) for v in facets["game_variant_category"]["results"]
    }
    assert {code: count for code, (_, count) in modes.items()} == expected
    assert all(isinstance(label, str) and not label.isdigit() for label, _ in modes.values())
    assert modes[6][0] == "Slayer"
    # A value's link filters by its code, as the column facet's did.
    link = urllib.parse.urlparse(lifecycles["matchmade"]["toggle_url"])
    assert ("lifecycle_mode", "3") in urllib.parse.parse_qsl(link.query)
    html = get(ds, "/career/matches").text
    facet_html = html.split('class="facet-results"', 1)[1].split("</table>", 1)[0]
    assert ">matchmade</a>" in facet_html and ">Slayer</a>" in facet_html
    assert not re.search(r">\d+</a>", facet_html.split('class="rows-and-columns"', 1)[0])
    # Asked for, an asset id's facet names the map; the description links it.
    assert 'href="?_facet_named=map_asset_id"' in html
    maps = rows_of(
        ds, "/career/matches.json?_size=0&_extra=facet_results&_facet_named=map_asset_id"
    )
    named = maps["facet_results"]["map_asset_id"]["results"]
    names = dict(rows(db, "SELECT asset_id, public_name FROM assets WHERE asset_kind = 'map'"))
    assert named and all(v["label"] == names[v["value"]] for v in named)
