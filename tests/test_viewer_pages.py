"""The viewer's pages (issue 14): home, player and match pages and their .json, from recorded documents.

The archive holds four recorded match documents of one tracked player: a
matchmade CTF match with a team switch and a bot (and the player's skill
result), a 2022-era matchmade Oddball match, a Firefight match (matchmade
PvE) and a custom Oddball game against a bot. Expected numbers are read from
the documents themselves, never typed in.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from contextlib import closing
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from markupsafe import Markup

from grunt_archive import documents
from grunt_archive.db import open_archive
from grunt_archive.store import lookups, matches, open_store, state
from grunt_archive.viewer.charts import csr_chart_spec, csr_series
from grunt_archive.viewer.formats import cell_time
from grunt_archive.viewer.home import table_groups
from grunt_archive.viewer.links import LINK_COLUMNS, cell_link
from grunt_archive.viewer.reading import match_kd, match_kd_of
from tests.conftest import FIXTURES, load_json
from tests.helpers import viewer

ME = "xuid(2533274800000001)"
GAMERTAG = "Chief Mendez"
CTF = "match_2024_ctf_team_switch.json"
ODDBALL_2022 = "match_2022_oddball.json"
FIREFIGHT = "match_2024_firefight.json"
CUSTOM = "match_2024_custom_oddball_bot.json"
DOCS = {name: load_json(FIXTURES / name) for name in (CTF, ODDBALL_2022, FIREFIGHT, CUSTOM)}
SKILL = load_json(FIXTURES / "skill_ctf_team_switch.json")
SCOPE_OF = {CTF: "matchmade_pvp", ODDBALL_2022: "matchmade_pvp", FIREFIGHT: "matchmade_pve",
            CUSTOM: "custom"}  # fmt: skip
SUMMARY_KEYS = {"matches", "wins", "losses", "ties", "left", "kills", "deaths", "assists", "kd",
                "win_rate"}  # fmt: skip
RECENT_KEYS = {"match_id", "start_time", "map", "mode", "playlist", "outcome", "kills", "deaths",
               "assists", "csr_before", "csr_after"}  # fmt: skip
MATCH_KEYS = {"match_id", "start_time", "duration_seconds", "map", "mode", "playlist", "lifecycle",
              "teams"}  # fmt: skip
TEAM_KEYS = {"team_id", "outcome", "score", "players"}
PLAYER_KEYS = {"player_id", "gamertag", "is_bot", "kills", "deaths", "assists", "accuracy",
               "damage_dealt", "personal_score", "medals", "csr_before", "csr_after"}  # fmt: skip
OUTCOMES = {1: "tie", 2: "win", 3: "loss", 4: "left"}


def raw(kind: documents.DocumentKind, key: str, path: str, doc: dict) -> documents.RawDocument:
    return documents.RawDocument(kind.name, key, path, "2026-01-01T00:00:00.000Z", json.dumps(doc))


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("pages") / "pages.db"
    engine = open_archive(db)
    with open_store(engine) as store:
        state.track_player(store, ME, GAMERTAG)
        for doc in DOCS.values():
            match_id = doc["MatchId"]
            matches.save_match(store, raw(documents.MATCH_STATS, match_id, "/stats", doc), doc)
        match_id = DOCS[CTF]["MatchId"]
        lookups.save_match_skill(
            store, raw(documents.MATCH_SKILL, match_id, "/skill", SKILL), SKILL
        )
    engine.dispose()
    # Names the sync would look up: one medal, one map, other players' gamertags.
    with closing(sqlite3.connect(db)) as connection, connection:
        connection.execute("UPDATE medals SET name = 'Killjoy' WHERE medal_id = (SELECT"
                           f" min(medal_id) FROM medal_awards WHERE match_id = '{match_id}')")  # fmt: skip
        connection.execute("UPDATE players SET gamertag = 'Other ' || substr(player_id, 6, 16)"
                           " WHERE gamertag IS NULL AND is_bot = 0")  # fmt: skip
    engine.dispose()
    return db


def get(db: Path, path: str):
    return asyncio.run(viewer(db).client.get(path))  # one Datasette a file: many pages


def get_json(db: Path, path: str) -> dict:
    response = get(db, path)
    assert response.status_code == 200, (path, response.text[:300])
    return response.json()


def my_lines(doc: dict) -> list[dict]:
    """The tracked player's entries of a document: (outcome, core stats) per team."""
    player = next(p for p in doc["Players"] if p["PlayerId"] == ME)
    return [
        {"outcome": player["Outcome"], **e["Stats"]["CoreStats"]} for e in player["PlayerTeamStats"]
    ]


def expected_summary(names: list[str]) -> dict:
    lines = {name: my_lines(DOCS[name]) for name in names}
    kills = sum(line["Kills"] for found in lines.values() for line in found)
    deaths = sum(line["Deaths"] for found in lines.values() for line in found)
    outcomes = [found[0]["outcome"] for found in lines.values()]
    return {
        "matches": len(names),
        "wins": outcomes.count(2),
        "losses": outcomes.count(3),
        "ties": outcomes.count(1),
        "left": outcomes.count(4),
        "kills": kills,
        "deaths": deaths,
        "assists": sum(line["Assists"] for found in lines.values() for line in found),
        "kd": round(kills / max(deaths, 1), 3),
        "win_rate": round(100.0 * outcomes.count(2) / len(names), 1) if names else None,
    }


def test_player_json_has_the_issue_shape_and_every_scope_apart(archive):
    page = get_json(archive, "/player/Chief%20Mendez.json")
    assert {"player_id", "gamertag", "summary", "recent_matches"} <= set(page)
    assert (page["player_id"], page["gamertag"]) == (ME, GAMERTAG)
    assert set(page["summary"]) == {"matchmade_pvp", "matchmade_pve", "custom", "all"}
    for scope, summary in page["summary"].items():
        assert set(summary) == SUMMARY_KEYS, scope
        names = [name for name, of in SCOPE_OF.items() if scope in ("all", of)]
        assert summary == expected_summary(names), scope
    # The Firefight match's 69 kills stay out of the PvP headline.
    assert page["summary"]["matchmade_pvp"]["matches"] == 2
    assert page["summary"]["matchmade_pve"]["kills"] == my_lines(DOCS[FIREFIGHT])[0]["Kills"]


def test_recent_matches_follow_the_scope_newest_first_with_csr(archive):
    recent = get_json(archive, "/player/chief%20mendez.json")["recent_matches"]
    assert [m["match_id"] for m in recent] == [DOCS[CTF]["MatchId"], DOCS[ODDBALL_2022]["MatchId"]]
    assert all(set(m) >= RECENT_KEYS for m in recent)
    ctf = recent[0]
    line = my_lines(DOCS[CTF])[0]
    recap = SKILL["Value"][0]["Result"]["RankRecap"]
    assert (ctf["kills"], ctf["deaths"], ctf["assists"]) == (
        line["Kills"],
        line["Deaths"],
        line["Assists"],
    )
    assert ctf["outcome"] == OUTCOMES[line["outcome"]]
    assert (ctf["csr_before"], ctf["csr_after"]) == (
        recap["PreMatchCsr"]["Value"],
        recap["PostMatchCsr"]["Value"],
    )
    assert ctf["start_time"] < "2024-10-03" and recent[1]["start_time"].startswith("2022-07-20")
    every = get_json(archive, "/player/chief%20mendez.json?scope=all")["recent_matches"]
    assert {m["match_id"] for m in every} == {doc["MatchId"] for doc in DOCS.values()}
    assert sorted(m["scope"] for m in every) == sorted(SCOPE_OF.values())
    assert [m["start_time"] for m in every] == sorted(
        (m["start_time"] for m in every), reverse=True
    )
    pve = get_json(archive, "/player/chief%20mendez.json?scope=matchmade_pve")["recent_matches"]
    assert [m["match_id"] for m in pve] == [DOCS[FIREFIGHT]["MatchId"]]


@pytest.mark.parametrize(
    "who", ["CHIEF%20MENDEZ", "chief%20mendez", "xuid(2533274800000001)", "2533274800000001"]
)
def test_a_player_is_found_by_gamertag_in_any_case_or_by_xuid(archive, who):
    assert get_json(archive, f"/player/{who}.json")["player_id"] == ME


def test_an_unknown_player_is_a_404_page_with_a_search_box(archive):
    response = get(archive, "/player/Nobody%20Here")
    assert response.status_code == 404
    assert 'name="q"' in response.text and "No player named" in response.text
    assert get(archive, "/player/Nobody%20Here.json").status_code == 404
    assert get(archive, "/player?q=chief%20MENDEZ").status_code == 302


@pytest.mark.parametrize(
    ("scope", "shown"),
    [("matchmade_pvp", True), ("all", True), ("matchmade_pve", False), ("custom", False)],
)
def test_the_csr_shows_on_the_ranked_tabs_only(archive, scope, shown):
    # Ranked play is matchmade PvP: a Firefight or custom tab drew the PvP CSR chart.
    assert get_json(archive, "/player/Chief%20Mendez.json")["csr_history"]["points"]
    html = get(archive, f"/player/Chief%20Mendez?scope={scope}").text
    assert ("CSR over time" in html) == shown
    assert ('vegaEmbed("#csr-chart"' in html) == shown


def test_a_search_lists_the_tracked_player_first_and_says_when_there_are_more(archive, tmp_path):
    # Twelve others named "Chief …" sort before "Chief Mendez": the tracked one still shows.
    db = tmp_path / "search.db"
    db.write_bytes(archive.read_bytes())
    with closing(sqlite3.connect(db)) as connection, connection:
        connection.executemany(
            "INSERT INTO players (player_id, gamertag, is_bot) VALUES (?, ?, 0)",
            [(f"xuid({2533274900000000 + n})", f"Chief {chr(65 + n)}") for n in range(12)],
        )
    found = viewer(db)
    answer = asyncio.run(found.client.get("/player/Chief.json"))
    assert answer.status_code == 404
    assert answer.json()["suggestions"] == [GAMERTAG, *(f"Chief {c}" for c in "ABCDEFGHI")]
    assert answer.json()["more"] is True
    html = asyncio.run(found.client.get("/player?q=chief")).text
    assert f'{GAMERTAG}</a> <span class="muted">tracked</span>' in html
    assert "And more: type more of the gamertag" in html
    html = asyncio.run(found.client.get("/player?q=" + "A" * 3000)).text
    assert f"<h1>No player named “{'A' * 39}…”</h1>" in html


def test_the_player_page_shows_the_pvp_headline_and_links_its_matches(archive):
    html = get(archive, "/player/Chief%20Mendez").text
    summary = expected_summary([CTF, ODDBALL_2022])
    assert f"<b>{summary['kd']:.3f}</b><span>K/D</span>" in html
    assert f'href="/match/{DOCS[CTF]["MatchId"]}"' in html
    assert "?scope=matchmade_pve" in html and "?scope=custom" in html and "?scope=all" in html


@pytest.mark.parametrize("scope", ["bogus", "matchmade", "<i>pvp</i>"])
def test_an_unknown_scope_is_named_on_the_page_not_silently_replaced(archive, scope):
    response = get(archive, f"/player/Chief%20Mendez?scope={quote(scope)}")
    assert response.status_code == 200
    html = response.text
    shown = scope.replace("<", "&lt;").replace(">", "&gt;")
    assert (
        f'<p class="note" id="unknown-scope">There is no scope “{shown}”: this is Matchmade PvP.'
        in html
    )
    assert all(f'href="?scope={key}"' in html for key in ("matchmade_pvp", "matchmade_pve", "all"))
    summary = expected_summary([CTF, ODDBALL_2022])
    assert f"<b>{summary['kd']:.3f}</b><span>K/D</span>" in html  # the default scope's numbers
    # A script asking for the .json gets an error naming the scopes, not PvP's numbers.
    answer = get(archive, f"/player/Chief%20Mendez.json?scope={quote(scope)}")
    assert answer.status_code == 400
    assert answer.json() == {
        "error": f"unknown scope “{scope}”; the scopes are matchmade_pvp, matchmade_pve, custom, all",
        "scopes": ["matchmade_pvp", "matchmade_pve", "custom", "all"],
    }


def test_a_known_or_empty_scope_has_no_notice(archive):
    for scope in ("", "matchmade_pvp", "matchmade_pve", "custom", "all"):
        html = get(archive, f"/player/Chief%20Mendez?scope={scope}").text
        assert 'id="unknown-scope"' not in html, scope
        assert get(archive, f"/player/Chief%20Mendez.json?scope={scope}").status_code == 200


def test_a_player_pages_table_links_lead_to_their_rows(archive):
    # The dashboard and player_matches hold tracked players only: another player's page
    # links to match_players, where their lines are.
    other = "xuid(2533274800000002)"
    for who, table, dashboard in ((ME, "player_matches", True), (other, "match_players", False)):
        html = get(archive, f"/player/{quote(who)}").text
        link = f'href="/pages/{table}?player_id={quote(who)}"'
        assert link in html, who
        assert ("/-/dashboards/career?gamertag=" in html) is dashboard, who
        listed = get_json(archive, f"/pages/{table}.json?player_id={quote(who)}&_shape=array")
        assert listed and {row["player_id"] for row in listed} == {who}
    assert "/pages/player_matches?" not in get(archive, f"/player/{quote(other)}").text


def test_match_json_has_the_issue_shape_and_the_document_numbers(archive):
    doc = DOCS[CTF]
    match = get_json(archive, f"/match/{doc['MatchId']}.json")
    assert set(match) >= MATCH_KEYS
    assert (match["match_id"], match["lifecycle"]) == (doc["MatchId"], "matchmade")
    assert match["start_time"].startswith(doc["MatchInfo"]["StartTime"][:19])
    teams = {team["team_id"]: team for team in match["teams"]}
    assert set(teams) == {team["TeamId"] for team in doc["Teams"]}
    for team in doc["Teams"]:
        shown = teams[team["TeamId"]]
        assert set(shown) >= TEAM_KEYS
        assert (shown["score"], shown["outcome"]) == (
            team["Stats"]["CoreStats"]["Score"],
            OUTCOMES[team["Outcome"]],
        )
    for player in doc["Players"]:
        for entry in player["PlayerTeamStats"]:
            core = entry["Stats"]["CoreStats"]
            shown = next(
                p for p in teams[entry["TeamId"]]["players"] if p["player_id"] == player["PlayerId"]
            )
            assert set(shown) >= PLAYER_KEYS
            assert (shown["kills"], shown["deaths"], shown["assists"]) == (
                core["Kills"],
                core["Deaths"],
                core["Assists"],
            )
            assert (shown["personal_score"], shown["damage_dealt"]) == (
                core["PersonalScore"],
                core["DamageDealt"],
            )
            assert shown["accuracy"] == pytest.approx(float(core["Accuracy"]))
            assert shown["is_bot"] is (player["PlayerType"] == 2)
            assert {m["medal_id"]: m["count"] for m in shown["medals"]} == {
                m["NameId"]: m["Count"] for m in core["Medals"]
            }
            assert shown["switched_teams"] is (len(player["PlayerTeamStats"]) > 1)


def test_a_team_switch_shows_under_both_teams_and_a_bot_is_marked(archive):
    match = get_json(archive, f"/match/{DOCS[CTF]['MatchId']}.json")
    switcher = "xuid(2533274800000002)"
    under = [
        team["team_id"]
        for team in match["teams"]
        for p in team["players"]
        if p["player_id"] == switcher
    ]
    assert sorted(under) == [0, 1]
    bot = next(
        p for team in match["teams"] for p in team["players"] if p["player_id"].startswith("bid(")
    )
    assert bot["is_bot"] is True and bot["bot_difficulty"] == "Recruit"
    me = next(p for team in match["teams"] for p in team["players"] if p["player_id"] == ME)
    recap = SKILL["Value"][0]["Result"]["RankRecap"]
    assert (me["csr_before"], me["csr_after"]) == (
        recap["PreMatchCsr"]["Value"],
        recap["PostMatchCsr"]["Value"],
    )
    assert any(
        m["name"] == "Killjoy"
        for team in match["teams"]
        for p in team["players"]
        for m in p["medals"]
    )
    html = get(archive, f"/match/{DOCS[CTF]['MatchId']}").text
    assert html.count("switched teams</span>") == 2 and 'class="bot"' in html
    assert html.count("<th>CSR</th>") == 2  # a column under both teams, as the player has a CSR
    assert f'<td class="csr">{recap["PreMatchCsr"]["Value"]}' in html
    assert f'href="/match/{DOCS[CTF]["MatchId"]}/raw"' in html


def test_a_team_board_lists_players_by_rank_and_shows_it(archive):
    # The services' Rank is the game's scoreboard order over the lobby (winners first, then
    # the mode's score); the Score column is the personal score, which need not follow it.
    doc = DOCS[CTF]
    rank = {p["PlayerId"]: p["Rank"] for p in doc["Players"]}
    html = get(archive, f"/match/{doc['MatchId']}").text
    assert 'id="order-note"' in html
    listed_scores = []
    for team in doc["Teams"]:
        board = html.split(f'<div class="team" data-team-id="{team["TeamId"]}">')[1]
        board = board.split('<div class="team"')[0]
        shown = re.findall(r'data-player-id="([^"]+)">\s*<td class="rank">(\d+)</td>', board)
        lines = [(p["PlayerId"], e["Stats"]["CoreStats"]["PersonalScore"]) for p in doc["Players"]
                 for e in p["PlayerTeamStats"] if e["TeamId"] == team["TeamId"]]  # fmt: skip
        lines.sort(key=lambda line: (rank[line[0]], -line[1]))  # an equal Rank: by score
        assert shown == [(player_id, str(rank[player_id])) for player_id, _ in lines]
        listed_scores.append([score for _, score in lines])
    # The case the column is for: a lower personal score listed above a higher one.
    assert any(scores != sorted(scores, reverse=True) for scores in listed_scores)
    # Firefight: every player shares Rank 1, so a column of 1s would say nothing.
    html = get(archive, f"/match/{DOCS[FIREFIGHT]['MatchId']}").text
    assert 'class="rank"' not in html and 'id="order-note"' not in html


def test_firefight_and_custom_matches_say_what_they_are(archive):
    firefight = get_json(archive, f"/match/{DOCS[FIREFIGHT]['MatchId']}.json")
    assert (firefight["lifecycle"], firefight["scope"]) == ("matchmade", "matchmade_pve")
    ai = next(team for team in firefight["teams"] if team["team_id"] == 1)
    assert ai["players"] == [] and ai["outcome"] == "left"
    me = next(p for team in firefight["teams"] for p in team["players"] if p["player_id"] == ME)
    assert (
        me["mode_stats"]["pve_stats.kills"]
        == DOCS[FIREFIGHT]["Players"][0]["PlayerTeamStats"][0]["Stats"]["PveStats"]["Kills"]
    )
    custom = get_json(archive, f"/match/{DOCS[CUSTOM]['MatchId']}.json")
    assert (custom["lifecycle"], custom["scope"], custom["playlist"]) == ("custom", "custom", None)
    for doc in (FIREFIGHT, CUSTOM):  # no CSR anywhere: no column of empty cells
        html = get(archive, f"/match/{DOCS[doc]['MatchId']}").text
        assert "<th>Medals" in html.replace(' class="text"', "") and "<th>CSR</th>" not in html
    assert [p["is_bot"] for team in custom["teams"] for p in team["players"]].count(True) == 1


def test_the_raw_document_is_served_as_stored(archive):
    doc = DOCS[FIREFIGHT]
    assert get_json(archive, f"/match/{doc['MatchId']}/raw") == doc
    assert get(archive, "/match/00000000-0000-0000-0000-000000000000.json").status_code == 404


def test_home_shows_a_card_per_tracked_player_and_the_tables(archive):
    html = get(archive, "/").text
    assert 'href="/player/Chief%20Mendez"' in html
    assert f"<b>{expected_summary([CTF, ODDBALL_2022])['kd']:.3f}</b><span>K/D</span>" in html
    assert 'href="/pages/player_matches"' in html and "/-/dashboards/career" in html
    # The tables in their families, by name in each; the internal ones are left to /pages.
    listed = html.split('id="tables"')[1].split("</dl>")[0]
    families = {
        label: re.findall(r'href="/pages/(\w+)">\1</a>', tables)
        for label, tables in re.findall(r"<dt>([^<]+)</dt><dd>(.*?)</dd>", listed)
    }
    assert "matches_named" in families.pop("Views")
    assert all(names == sorted(names) for names in families.values())
    assert {"matches", "match_players", "medal_awards"} <= set(families["Matches"])
    assert {"players", "medals"} <= set(families["Names"])
    listed_names = [name for names in families.values() for name in names]
    assert "raw_responses" not in listed_names
    with closing(sqlite3.connect(archive)) as connection:
        hidden = {"raw_responses", "sync_runs", "tracked_players"}
        tables = {
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    assert hidden <= tables  # ...which the page leaves out, with the FTS5 tables
    assert len(listed_names) == len(set(listed_names)) and set(listed_names) < tables - hidden
    # Every table of today's archive has a family: a new one must be placed, not left in Other.
    assert "Other" not in families


def test_table_groups_places_each_table_once_and_keeps_an_unknown_one():
    groups = table_groups(
        [
            "zones_stats",
            "matches",
            "player_totals",
            "new_thing",
            "kills",
            "service_record_medals",
            "team_pvp_stats",
            "assets",
            "medal_awards",
        ]
    )
    assert groups == [
        ("Matches", ["matches", "medal_awards"]),
        ("Service records and CSR", ["service_record_medals"]),
        ("Each mode's stats", ["team_pvp_stats", "zones_stats"]),
        ("Careers and totals", ["player_totals"]),
        ("Films", ["kills"]),
        ("Names", ["assets"]),
        ("Other", ["new_thing"]),
    ]
    assert table_groups([]) == []


def test_gamertags_and_match_ids_link_to_their_pages_in_tables_and_queries(archive):
    table = get(archive, "/pages/player_matches").text
    assert 'href="/player/Chief%20Mendez"' in table
    assert f'href="/match/{DOCS[CTF]["MatchId"]}"' in table
    labelled = get(archive, "/pages/match_players?_labels=on").text
    assert f'href="/player/{ME}">{GAMERTAG}</a>' in labelled
    query = get(archive, "/pages/recent_form?gamertag=Chief+Mendez").text
    assert f'href="/match/{DOCS[CTF]["MatchId"]}"' in query


def test_times_in_tables_and_queries_read_as_the_pages_write_them(archive):
    start = DOCS[CTF]["MatchInfo"]["StartTime"]
    stored = get_json(archive, "/pages/matches.json?_shape=array&match_id=" + DOCS[CTF]["MatchId"])
    moment = stored[0]["start_time"]
    assert moment.startswith(start[:19])  # JSON (and CSV) keep the value as stored
    shown = f"{moment[:10]} {moment[11:16]} UTC"
    cell = f'<time datetime="{moment}" title="{moment}">{shown}</time>'
    assert cell in get(archive, "/pages/matches").text
    assert cell in get(archive, "/pages/recent_form?gamertag=Chief+Mendez").text
    assert moment not in get(archive, "/pages/recent_form?gamertag=Chief+Mendez").text.replace(
        cell, ""
    )


def test_only_a_timestamp_cell_is_written_as_a_time():
    assert str(cell_time("2025-01-29T04:20:31.512Z")) == (
        '<time datetime="2025-01-29T04:20:31.512Z" title="2025-01-29T04:20:31.512Z">'
        "2025-01-29 04:20 UTC</time>"
    )
    assert "2023-11-02 23:59 UTC" in str(cell_time("2023-11-02T23:59:59Z"))
    # A day, a month 13, a time without its zone, text around one, or no text: left be.
    for value in ("2025-01-29", "2025-13-29T04:20:31.512Z", "2025-01-29T04:20:31.512",
                  "at 2025-01-29T04:20:31.512Z", "2025-01-29T04:20:31.512Z<b>", 20250129, None,
                  b"2025-01-29T04:20:31.512Z"):  # fmt: skip
        assert cell_time(value) is None


def test_a_cell_links_as_markups_own_format_would_escape_it():
    def formatted(href: str, text: str, after: str = "") -> Markup:
        return Markup('<a href="{}">{}</a>{}').format(href, text, Markup(after))

    hostile = "A<b>&\"'x"
    match_id = DOCS[CTF]["MatchId"]
    cells = [
        ("gamertag", hostile, formatted("/player/A%3Cb%3E%26%22%27x", hostile)),
        ("name", "Chief Mendez", formatted("/player/Chief%20Mendez", "Chief Mendez")),
        ("player_id", ME, formatted(f"/player/{ME}", ME)),
        ("match_id", match_id, formatted(f"/match/{match_id}", match_id)),
        ("player_id", {"value": ME, "label": hostile},
         formatted(f"/player/{ME}", hostile, f" <em>{ME}</em>")),
    ]  # fmt: skip
    for column, value, expected in cells:
        assert column in LINK_COLUMNS
        got = cell_link({"kind": "player"}, value, column, lambda p: "/base" + p)
        assert isinstance(got, Markup) and str(got) == str(expected).replace('="/', '="/base/')
    assert cell_link({"kind": "map"}, "Chief Mendez", "name") is None
    assert all(cell_link({}, "x", column) is None for column in ("map", "playlist", "kills"))


def test_text_reads_as_stored_and_bytes_that_are_not_utf8_are_an_error(archive):
    # The viewer's connections decode text with sqlite3's own UTF-8 decoder (plugin.py).
    text = "Ünïcødé 🎮 “q”"
    found = get_json(archive, "/pages.json?_shape=array&sql=" + quote(f"select '{text}' as t"))
    assert found == [{"t": text}]
    broken = get(archive, "/pages.json?sql=" + quote("select cast(x'ff' as text) as t"))
    assert broken.status_code == 400 and "Could not decode to UTF-8 column 't'" in broken.text


def test_csr_series_buckets_long_spans_and_breaks_lines_over_gaps():
    def point(day: str, csr: int) -> dict:
        return {"start_time": f"{day}T12:00:00.000Z", "playlist": "Ranked Arena", "csr": csr,
                "tier": "Gold", "match_id": day}  # fmt: skip

    short = csr_series([point("2024-01-01", 1000), point("2024-01-02", 1010),
                        point("2024-02-01", 1020)])  # fmt: skip
    assert short["bucket"] == "match" and short["x_title"] == "Match"
    assert [p["csr"] for p in short["points"]] == [1000, 1010, None, 1020]  # 30 days: a gap
    weekly = csr_series([point("2024-01-01", 1000), point("2024-01-03", 1005),
                         point("2024-01-08", 1010), point("2024-06-03", 1100)])  # fmt: skip
    assert weekly["bucket"] == "week" and weekly["y_title"] == "CSR after the week's last match"
    assert [(p["csr"], p["matches"]) for p in weekly["points"]] == [
        (1005, 2),
        (1010, 1),
        (None, 0),
        (1100, 1),
    ]
    monthly = csr_series(
        [point("2020-01-05", 900), point("2020-02-05", 950), point("2024-01-05", 1200)]
    )
    assert monthly["bucket"] == "month"
    assert [p["csr"] for p in monthly["points"]] == [900, 950, None, 1200]
    # One ranked match: a week's axis around it, a tick a day (it was one millisecond
    # long, labelled ".000"); a series spanning a week or more keeps Vega-Lite's domain.
    lone = csr_chart_spec(csr_series([point("2024-01-10", 1000)]))["encoding"]["x"]
    noon = 1_704_888_000_000  # 2024-01-10T12:00:00Z in epoch milliseconds
    assert lone["scale"]["domain"] == [noon - 302_400_000, noon + 302_400_000]
    assert lone["axis"]["tickMinStep"] == 86_400_000
    for long in (short, weekly, monthly):
        assert "scale" not in csr_chart_spec(long)["encoding"]["x"]


def test_a_tracked_player_who_switched_teams_counts_the_match_once(tmp_path):
    switcher, doc = "xuid(2533274800000002)", DOCS[CTF]
    engine = open_archive(tmp_path / "switch.db")
    with open_store(engine) as store:
        state.track_player(store, switcher, "Switcher")
        matches.save_match(store, raw(documents.MATCH_STATS, doc["MatchId"], "/stats", doc), doc)
    engine.dispose()
    player = next(p for p in doc["Players"] if p["PlayerId"] == switcher)
    kills = sum(e["Stats"]["CoreStats"]["Kills"] for e in player["PlayerTeamStats"])
    assert len(player["PlayerTeamStats"]) == 2
    page = get_json(tmp_path / "switch.db", "/player/switcher.json")
    summary = page["summary"]["matchmade_pvp"]
    assert (summary["matches"], summary["wins"], summary["kills"]) == (1, 1, kills)
    assert page["summary"]["all"] == summary
    assert [(m["match_id"], m["kills"]) for m in page["recent_matches"]] == [
        (doc["MatchId"], kills)
    ]


def half_up(kills: int, deaths: int) -> float:
    """Return kills ÷ deaths (kills when there were none) to two decimals, the half up."""
    exact = Decimal(kills) / Decimal(max(deaths, 1))
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _row(html: str, opening: str) -> str:
    """Return the table row of ``html`` that ``opening`` (a tag or link in it) is in."""
    at = html.index(opening)
    return html[html.rindex("<tr", 0, at) : html.index("</tr>", at)]


@pytest.mark.parametrize("mine,theirs", [((7, 3), (1, 8)), ((5, 8), (3, 40)), ((2, 0), (10, 6))])
def test_a_matchs_kd_is_the_same_on_every_page_as_in_player_matches(tmp_path, mine, theirs):
    # 7/3 and 10/6 have long decimals; 1/8, 5/8 and 3/40 end in a 5 that Python's round()
    # takes down where SQLite (player_matches.kd) takes it up.
    doc, other = json.loads(json.dumps(DOCS[ODDBALL_2022])), "xuid(2533274800000003)"
    for player in doc["Players"]:
        core = player["PlayerTeamStats"][0]["Stats"]["CoreStats"]
        core["Kills"], core["Deaths"] = mine if player["PlayerId"] == ME else theirs
    db, match_id = tmp_path / "kd.db", doc["MatchId"]
    engine = open_archive(db)
    with open_store(engine) as store:
        state.track_player(store, ME, GAMERTAG)
        matches.save_match(store, raw(documents.MATCH_STATS, match_id, "/stats", doc), doc)
    engine.dispose()
    with closing(sqlite3.connect(db)) as connection:
        (stored,) = connection.execute(
            "SELECT kd FROM player_matches WHERE match_id = ? AND player_id = ?", (match_id, ME)
        ).fetchone()
    assert stored == half_up(*mine)
    kds = {ME: stored, other: half_up(*theirs)}
    scoreboard = get(db, f"/match/{match_id}").text
    shown = get_json(db, f"/match/{match_id}.json")["teams"]
    for who, kd in kds.items():
        assert f'<td class="kd">{kd:.2f}</td>' in _row(scoreboard, f'data-player-id="{who}"')
        assert [p["kd"] for team in shown for p in team["players"] if p["player_id"] == who] == [kd]
        page = get(db, f"/player/{quote(who)}?scope=all").text
        assert f'<td class="kd">{kd:.2f}</td>' in _row(page, f'href="/match/{match_id}"'), who
        recent = get_json(db, f"/player/{quote(who)}.json?scope=all")["recent_matches"]
        assert [m["kd"] for m in recent] == [kd], who
    form = get_json(db, "/kd/recent_form.json?gamertag=Chief+Mendez&scope=all&_shape=array")
    assert [row["kd"] for row in form] == [stored]


def test_a_team_switchs_kd_is_rounded_as_player_matches_rounds():
    # A team switch's lines added up have no row of their own: Python rounds them alike.
    with closing(sqlite3.connect(":memory:")) as connection:
        for kills, deaths in ((k, d) for k in range(0, 81) for d in range(0, 81)):
            (expected,) = connection.execute(
                f"SELECT {match_kd_of('mp')} FROM (SELECT ? AS kills, ? AS deaths) AS mp",
                (kills, deaths),
            ).fetchone()
            assert match_kd(kills, deaths) == expected, (kills, deaths)


def test_a_bots_page_says_it_is_a_bot_and_explains_an_empty_scope(archive):
    # The custom game's bot: its page opens on matchmade PvP, where it has no match. It
    # read "0.000" K/D beside a dash for win rate, two bare table headings, "No matchmade pvp in
    # the archive." and "grunt-archive sync --player tracks them" (no sync tracks a bot).
    bot = next(p for p in DOCS[CUSTOM]["Players"] if p["PlayerType"] == 2)["PlayerId"]
    page = get_json(archive, f"/player/{quote(bot, safe='()')}.json")
    pvp = page["summary"]["matchmade_pvp"]
    assert pvp["matches"] == 0 and pvp["kd"] is None and pvp["win_rate"] is None
    assert page["summary"]["custom"]["kd"] is not None
    html = get(archive, f"/player/{quote(bot, safe='()')}").text
    assert "0.000" not in html and "sync --player" not in html and "A bot, which no sync" in html
    assert 'id="by-map-none"' in html and 'id="by-mode-none"' in html
    assert "No matches in Matchmade PvP" in html and "pvp in the archive" not in html
    custom = get(archive, f"/player/{quote(bot, safe='()')}?scope=custom").text
    assert 'id="by-map"' in custom and 'id="no-matches"' not in custom


def test_a_csr_read_from_a_match_not_a_snapshot_is_dated(archive):
    # With no CSR snapshot (an opponent's page always), the CSR is the one after the newest
    # ranked match in the archive, perhaps years old: "Ranked Arena: 1147" read as current.
    played = DOCS[CTF]["MatchInfo"]["StartTime"][:10]
    page = get_json(archive, f"/player/{quote(GAMERTAG)}.json")
    (csr,) = page["current_csr"]
    assert csr["from_match"] is True and csr["as_of"].startswith(played)
    html = get(archive, f"/player/{quote(GAMERTAG)}").text
    assert f"(after their match of {played})" in html
