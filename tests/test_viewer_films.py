"""The films on the viewer's pages (issue 15): kill feed, score timeline, rivals, their .json.

An archive synced from the simulator, whose films are built from each match's
stats (ambiguous pairs planted, some films expired, some in a version the
reader does not know). The pages must say what the tables say: the kill feed
is the ``kills`` table, the rivals are ``player_rivals``, and a match whose
film is missing, gone or unreadable says so.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

import pytest

from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.viewer import films
from grunt_archive.viewer.charts import score_chart_spec
from tests.conftest import copy_archive
from tests.helpers import rows, sync, value, viewer

MATCH_KEYS = {"match_id", "start_time", "duration_seconds", "map", "mode", "playlist", "lifecycle",
              "teams"}  # fmt: skip
FEED_KEYS = {"seq", "time_ms", "time", "killer_id", "killer_gamertag", "killer_team_id",
             "victim_id", "victim_gamertag", "victim_team_id", "ambiguous", "candidates", "note"}  # fmt: skip


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[Simulator, Path]:
    """Two players' matches: films older than a year gone, a tenth in an unknown version."""
    sim = Simulator(
        SimulatorConfig(
            seed=31, players=2, matches=30, film_max_age_days=365, film_unknown_version=0.1
        )
    )
    db = tmp_path_factory.mktemp("viewer-films") / "films.db"
    assert sync(db, sim, *sim.player_ids).outcome == "ok"
    return sim, db


def get(db: Path, path: str):
    return asyncio.run(viewer(db).client.get(path))  # one Datasette a file: many pages


def get_json(db: Path, path: str) -> dict:
    response = get(db, path)
    assert response.status_code == 200, (path, response.text[:300])
    return response.json()


def match_with(db: Path, status: str) -> str:
    found = value(db, "SELECT match_id FROM films WHERE status = ? ORDER BY match_id", status)
    assert found, f"the fixture has no {status} film"
    return found


def test_the_kill_feed_is_the_kills_table_with_ambiguous_kills_explained(archive):
    _, db = archive
    archived = [m for (m,) in rows(db, "SELECT match_id FROM films WHERE status = 'read'")]
    assert value(db, "SELECT count(*) FROM kills WHERE ambiguous AND victim_id IS NOT NULL") > 0
    seen = {"ambiguous": 0, "no victim": 0, "settled": 0}
    for match_id in archived:
        page = get_json(db, f"/match/{match_id}.json")
        assert set(page) >= MATCH_KEYS and page["film"]["status"] == "read"
        feed = page["kill_feed"]
        assert [(k["seq"], k["time_ms"], k["killer_id"], k["victim_id"], k["ambiguous"],
                 k["candidates"]) for k in feed] == [
            (s, t, killer, victim, bool(a), c) for s, t, killer, victim, a, c in rows(
                db, "SELECT seq, time_ms, killer_id, victim_id, ambiguous, candidates FROM kills"
                    " WHERE match_id = ? ORDER BY seq", match_id)
        ]  # fmt: skip
        teams: dict[str, set[int]] = {}
        for team in page["teams"]:
            for player in team["players"]:
                teams.setdefault(player["player_id"], set()).add(team["team_id"])
        for kill in feed:
            assert set(kill) == FEED_KEYS
            minutes, seconds = divmod(kill["time_ms"] // 1000, 60)
            assert kill["time"] == f"{minutes:02d}:{seconds:02d}"
            # A player who switched teams counts for the team they ended on.
            assert kill["killer_team_id"] in teams[kill["killer_id"]]
            if not kill["ambiguous"]:
                assert kill["note"] is None and kill["victim_id"] is not None
                seen["settled"] += 1
            elif kill["victim_id"] is None:
                assert "No death of another player falls within ±5 ms" in kill["note"]
                seen["no victim"] += 1
            else:
                assert "±5 ms" in kill["note"] and "closest in time" in kill["note"]
                seen["ambiguous"] += 1
    assert all(seen.values()), seen


def test_the_score_timeline_counts_each_sides_kills_and_mode_events(archive):
    _, db = archive
    for (match_id,) in rows(db, "SELECT match_id FROM films WHERE status = 'read'"):
        page = get_json(db, f"/match/{match_id}.json")
        timeline = page["score_timeline"]
        series = timeline["series"]
        sides = {}
        for team in page["teams"]:
            for player in team["players"]:
                if player["player_id"].startswith("xuid("):
                    sides.setdefault(player["player_id"], set()).add(team["team_id"])
        betrayals = 0
        for kill in page["kill_feed"]:
            victim = kill["victim_id"]
            if victim and kill["victim_team_id"] == kill["killer_team_id"]:
                betrayals += timeline["by"] == "team" or victim == kill["killer_id"]
        assert sum(s["kills"] for s in series) == len(page["kill_feed"]) - betrayals
        assert sum(s["mode_events"] for s in series) == value(
            db, "SELECT count(*) FROM film_events WHERE match_id = ? AND type = 'mode'", match_id
        )
        for side in series:
            first, last = side["points"][0], side["points"][-1]
            assert (first["time_ms"], first["kills"], first["mode_events"]) == (0, 0, 0)
            assert (last["kills"], last["mode_events"]) == (side["kills"], side["mode_events"])
            times = [point["time_ms"] for point in side["points"]]
            assert times == sorted(times)
        if timeline["by"] == "team":
            # A team of bots only is not in the film: no line for it.
            humans = [t for t in page["teams"]
                      if any(p["player_id"].startswith("xuid(") for p in t["players"])]  # fmt: skip
            scores = {str(t["team_id"]): t["score"] for t in humans}
            assert {s["key"]: s["stats_score"] for s in series} == scores
            assert [s["name"] for s in series] == [
                t["name"] for t in sorted(humans, key=lambda t: t["team_id"])
            ]
        else:
            assert {s["key"] for s in series} == set(sides)
        # The chart's x axis: whole minutes, labelled as a clock.
        axis = score_chart_spec(timeline)["encoding"]["x"]["axis"]
        assert axis["tickMinStep"] == 1 and axis["labelExpr"] == "datum.value + ':00'"


def test_a_gone_unreadable_or_missing_film_is_said_plainly(archive, tmp_path):
    _, db = archive
    gone, unreadable = match_with(db, "gone"), match_with(db, "unreadable")
    copy = copy_archive(db, tmp_path / "copy.db")
    missing = match_with(copy, "read")
    with closing(sqlite3.connect(copy)) as connection, connection:
        for table in ("kills", "film_events", "films"):  # as an archive from before films
            connection.execute(f"DELETE FROM {table} WHERE match_id = ?", (missing,))
    expected = {
        gone: ("gone", "had expired"),
        unreadable: ("unreadable", "has no layout for that film version"),
        missing: (None, "No film was fetched for this match"),
    }
    for match_id, (status, words) in expected.items():
        page = get_json(copy, f"/match/{match_id}.json")
        assert page["film"]["status"] == status and words in page["film"]["note"]
        assert page["kill_feed"] == [] and page["score_timeline"] is None
        html = get(copy, f"/match/{match_id}").text
        assert f'data-film-status="{status or "none"}"' in html
        assert words in html.replace("&#39;", "'") and 'id="kill-feed"' not in html
    version = value(db, "SELECT major_version FROM films WHERE match_id = ?", unreadable)
    assert f"version {version}" in get_json(db, f"/match/{unreadable}.json")["film"]["note"]


def test_disagreements_with_the_stats_are_shown(archive, tmp_path):
    _, db = archive
    copy = copy_archive(db, tmp_path / "copy.db")
    match_id = match_with(copy, "read")
    player = value(copy, "SELECT killer_id FROM kills WHERE match_id = ?", match_id)
    with closing(sqlite3.connect(copy)) as connection, connection:
        connection.execute(
            "UPDATE films SET agrees_with_stats = 0, disagreements = ? WHERE match_id = ?",
            (f'[{{"player_id": "{player}", "what": "kills", "film": 3, "stats": 4}}]', match_id),
        )
    gamertag = value(copy, "SELECT gamertag FROM players WHERE player_id = ?", player)
    film = get_json(copy, f"/match/{match_id}.json")["film"]
    assert film["agrees_with_stats"] is False
    assert film["disagreements"] == [
        {"player_id": player, "gamertag": gamertag, "what": "kills", "film": 3, "stats": 4}
    ]
    html = get(copy, f"/match/{match_id}").text
    assert 'id="film-disagreements"' in html and "differ from the match stats" in html
    assert f'{gamertag}</a></td><td class="text">kills' in html  # the name, not the xuid


def test_a_failed_fetchs_reason_is_shown_as_it_was_given(archive, tmp_path):
    # The reason quotes the service (a blob URL): braces in it are text, not a template.
    _, db = archive
    copy = copy_archive(db, tmp_path / "copy.db")
    match_id = match_with(copy, "read")
    reason = "blob not fetched: 'https://x.example/{match}/filmChunk3' {0}"
    with closing(sqlite3.connect(copy)) as connection, connection:
        for table in ("kills", "film_events", "films"):
            connection.execute(f"DELETE FROM {table} WHERE match_id = ?", (match_id,))
        connection.execute(
            "INSERT INTO pending_enrichment (kind, key, reason, attempts, first_seen_at,"
            " last_attempt_at) VALUES ('film_manifest', ?, ?, 1, '2026-01-01', '2026-01-01')",
            (match_id, reason),
        )
    film = get_json(copy, f"/match/{match_id}.json")["film"]
    assert film["status"] is None and film["pending"]["reason"] == reason
    assert f"could not be fetched yet ({reason})" in film["note"]
    assert get(copy, f"/match/{match_id}").status_code == 200


def test_the_match_page_renders_the_feed_with_ambiguous_kills_marked(archive):
    _, db = archive
    match_id = value(
        db, "SELECT match_id FROM kills WHERE ambiguous AND victim_id IS NOT NULL ORDER BY 1"
    )
    html = get(db, f"/match/{match_id}").text
    kills = rows(db, "SELECT killer_id, ambiguous FROM kills WHERE match_id = ? ORDER BY seq",
                 match_id)  # fmt: skip
    assert html.count('<tr class="kill') == len(kills)
    assert html.count('data-ambiguous="1"') == sum(a for _, a in kills)
    assert "the pairing closest in time is shown" in html
    # Each reason once, under the feed, however many kills it explains; each row names it.
    notes = re.findall(r'<li id="kill-note-(\d+)">([^<]*)</li>', html)
    assert notes and len({text for _, text in notes}) == len(notes)
    assert [number for number, _ in notes] == [str(n) for n in range(1, len(notes) + 1)]
    marked = re.findall(r'href="#kill-note-(\d+)">note \1</a>', html)
    assert len(marked) == sum(a for _, a in kills)
    assert {number for number, _ in notes} == set(marked)
    for killer, _ in kills:
        assert f'href="/player/{killer}"' in html
    assert 'id="score-chart"' in html and 'vegaEmbed("#score-chart"' in html


def test_rivals_on_the_player_page_are_player_rivals(archive):
    sim, db = archive
    for player_id in sim.player_ids:
        me = f"xuid({player_id})" if not player_id.startswith("xuid(") else player_id
        gamertag = value(db, "SELECT gamertag FROM players WHERE player_id = ?", me)
        page = get_json(db, f"/player/{gamertag}.json")
        table = rows(db, "SELECT opponent_id, kills_on, deaths_to, net, matches"
                         " FROM player_rivals WHERE player_id = ?", me)  # fmt: skip
        assert table
        nemeses = sorted((r for r in table if r[3] < 0), key=lambda r: (r[3], -r[2], r[0]))
        victims = sorted((r for r in table if r[3] > 0), key=lambda r: (-r[3], -r[1], r[0]))
        for key, expected in (("nemeses", nemeses), ("favourite_victims", victims)):
            got = [(r["player_id"], r["kills_on"], r["deaths_to"], r["net"], r["matches"])
                   for r in page["rivals"][key]]  # fmt: skip
            assert got == expected[: films.RIVALS] and got, key
        html = get(db, f"/player/{gamertag}").text
        assert 'id="rivals"' in html
        for row in page["rivals"]["nemeses"]:
            assert f'href="/player/{row["player_id"]}">{row["gamertag"]}</a>' in html


def test_film_queries_read_by_index(archive):
    _, db = archive
    plans = {
        "film": films._FILM,
        "pending": films._PENDING,
        "feed": films._FEED,
        "mode events": films._MODE_EVENTS,
        "nemeses": films._RIVALS.format(sign="<", order="ASC", then="deaths_to"),
        "victims": films._RIVALS.format(sign=">", order="DESC", then="kills_on"),
    }
    with closing(sqlite3.connect(db)) as connection:
        for name, sql in plans.items():
            sql = re.sub(r":\w+|\?", "'x'", sql)
            plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}")]
            assert not any(step.startswith("SCAN") for step in plan), (name, plan)
            assert "USE TEMP B-TREE FOR ORDER BY" not in plan, (name, plan)
            if name in ("nemeses", "victims"):
                assert any("ix_player_rivals_net" in step for step in plan), plan


def test_the_film_tables_link_killers_victims_and_opponents(archive):
    _, db = archive
    match_id, killer, victim = rows(
        db, "SELECT match_id, killer_id, victim_id FROM kills WHERE victim_id IS NOT NULL"
    )[0]
    html = get(db, f"/films/kills?match_id={match_id}").text
    assert f'href="/player/{killer}"' in html and f'href="/player/{victim}"' in html
    gamertag = value(db, "SELECT killer_gamertag FROM kills WHERE killer_id = ?", killer)
    assert f'href="/player/{quote(gamertag, safe="()")}"' in html
    opponent = value(db, "SELECT opponent_id FROM player_rivals ORDER BY 1")
    html = get(db, f"/films/player_rivals?opponent_id={opponent}").text
    assert f'href="/player/{opponent}"' in html


def test_a_film_read_with_an_inferred_layout_says_so(archive, tmp_path):
    _, db = archive
    copy = copy_archive(db, tmp_path / "copy.db")
    inferred, checked = rows(copy, "SELECT match_id FROM films WHERE status = 'read' LIMIT 2")
    with closing(sqlite3.connect(copy)) as connection, connection:
        connection.execute("UPDATE films SET layout_inferred = 1 WHERE match_id = ?", inferred)
    version = value(copy, "SELECT major_version FROM films WHERE match_id = ?", inferred[0])
    words = f"Film version {version} is newer than the layouts this grunt-archive was checked"
    page = get_json(copy, f"/match/{inferred[0]}.json")
    assert page["film"]["layout_inferred"] and words in page["film"]["note"]
    assert page["kill_feed"]
    assert words in get(copy, f"/match/{inferred[0]}").text
    assert words not in get_json(copy, f"/match/{checked[0]}.json")["film"]["note"]


def score_headers(html: str) -> list[str]:
    """Return the text of every column header of the page that names a score."""
    return [h for h in re.findall(r"<th[^>]*>([^<]*)</th>", html) if "score" in h.lower()]


def test_an_infection_match_titles_its_two_scores_apart(archive):
    # Teams off: the film's table is per player, beside the scoreboard's per-player column.
    # They were "Score" (the personal score) and "Final score" (the match stats' Score, the
    # mode's points): two different numbers a reader took for one.
    _, db = archive
    match_id = value(
        db,
        "SELECT m.match_id FROM matches AS m JOIN films AS f USING (match_id)"
        " WHERE f.status = 'read' AND m.game_variant_category = 22 ORDER BY 1",
    )
    assert match_id, "the fixture has no Infection match with a film"
    page = get_json(db, f"/match/{match_id}.json")
    assert page["teams_off"] is True and page["score_timeline"]["by"] == "player"
    html = get(db, f"/match/{match_id}").text
    board = html.split('id="score-totals"', 1)
    assert sorted(set(score_headers(board[0]))) == ["Personal score"]
    assert score_headers(board[1].split("</thead>", 1)[0]) == ["Mode score (match stats)"]
    assert "The personal score need not fall down the list." in html
    # The note under the table names its last column, not a "final score" it doesn't show.
    note = page["score_timeline"]["note"]
    assert "final score" not in note and "last column is the match stats'" in note, note
    # A team match keeps its titles: the film's final score is the team's, as its heading's.
    team_match = value(
        db,
        "SELECT m.match_id FROM matches AS m JOIN films AS f USING (match_id)"
        " WHERE f.status = 'read' AND m.teams_enabled ORDER BY 1",
    )
    html = get(db, f"/match/{team_match}").text
    assert sorted(set(score_headers(html))) == ["Final score (match stats)", "Score"]


def test_kills_per_minute_by_phase_names_the_phases_in_order_without_a_sort_prefix(archive):
    # The phases were "1 early", "2 middle", "3 late": numbered so that they sort, the
    # number shown. The order stays; the column shows the name alone.
    _, db = archive
    answer = get_json(db, "/films/kills_per_minute_by_phase.json?gamertag=&_shape=objects")
    assert answer["columns"] == ["gamertag", "phase", "kills", "kills_per_minute"]
    by_player: dict[str, list[str]] = {}
    for row in answer["rows"]:
        by_player.setdefault(row["gamertag"], []).append(row["phase"])
    assert by_player and list(by_player) == sorted(by_player)
    for phases in by_player.values():
        assert phases == [p for p in ("early", "middle", "late") if p in phases]
    assert "middle" in {p for phases in by_player.values() for p in phases}
    html = get(db, "/films/kills_per_minute_by_phase?gamertag=").text
    cells = re.findall(r'<td class="col-phase[^"]*">([^<]*)</td>', html)
    assert cells and set(cells) <= {"early", "middle", "late"}, cells
