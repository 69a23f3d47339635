"""The viewer in a real browser: headless Chromium (Debian's) driven by Playwright.

`grunt-archive serve` runs as a process over a demo-like archive; the browser
opens the front page, a player's page, a match's scoreboard, the matches, a
canned query and the Career dashboard, and the tests assert names instead of
ids, drawn charts, the scoreboard's numbers against the stored document, no
JavaScript error, and that every
request stays on 127.0.0.1 (the dashboards plugin bundles Vega, so the page
works with no internet). Screenshots go to ``test-artifacts/`` for a person
to look at.

Without Chromium (or the ``playwright`` package) the tests skip on a
developer's machine and fail when ``CI=true``: CI installs Chromium (.ci/run).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

from grunt_archive import rawbody
from grunt_archive.serve import load_metadata
from grunt_archive.simulator import Simulator, SimulatorConfig
from tests.conftest import ROOT
from tests.helpers import free_port, sync

pytestmark = pytest.mark.slow

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-")

ARTIFACTS = ROOT / "test-artifacts"
WIDE = {"width": 1400, "height": 1000}  # every test's screen, but where it says otherwise
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Return Debian's Chromium, or skip (fail under CI) when it or Playwright is missing."""
    path = (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    missing = None
    if path is None:
        missing = "Chromium is not installed (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "the playwright package is not installed (pip install -e '.[test]')"
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser test cannot run under CI: {missing}")
        pytest.skip(f"browser test skipped: {missing}")
    return path


@dataclass
class Browser:
    """A page of headless Chromium that records JavaScript errors, warnings and every request."""

    page: object
    base: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def visit(self, path: str) -> str:
        """Open ``path``, wait for the network to settle; return the body text."""
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        return self.page.inner_text("body")

    @contextmanager
    def viewport(self, width: int, height: int) -> Iterator[None]:
        """Show the block's pages at ``width`` x ``height``, then at the wide screen again."""
        self.page.set_viewport_size({"width": width, "height": height})
        try:
            yield
        finally:
            self.page.set_viewport_size(WIDE)

    def screenshot(self, shot: str, full_page: bool = False) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{shot}.png"), full_page=full_page)


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's Chromium, found before any archive is built for it."""
    return chromium_path()


@pytest.fixture(scope="module")
def served(tmp_path_factory, chromium) -> Iterator[tuple[str, str, Path]]:
    """A demo-like archive (a few hundred matches) served by `grunt-archive serve`."""
    sim = Simulator(SimulatorConfig(seed=7, players=2, matches=150))
    db = tmp_path_factory.mktemp("browser") / "demo.db"
    assert sync(db, sim, *sim.player_ids).outcome == "ok"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRUNT_ARCHIVE_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "grunt_archive", "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("Serving"), (line, process.stderr.read())
        yield f"http://127.0.0.1:{port}", sim.gamertag(sim.player_ids[0]), db
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(served, chromium) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    base, _, _ = served
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=WIDE,
        )
        page = context.new_page()
        session = Browser(page, base)
        page.on("pageerror", lambda error: session.errors.append(str(error)))
        page.on("console", lambda m: session.errors.append(m.text) if m.type == "error" else None)
        page.on(
            "console", lambda m: session.warnings.append(m.text) if m.type == "warning" else None
        )
        page.on("request", lambda request: session.requests.append(request.url))
        yield session
        context.close()


def assert_clean(browser: Browser) -> None:
    assert browser.errors == []
    outside = [url for url in browser.requests if not url.startswith("http://127.0.0.1:")]
    assert outside == [], "the page reached beyond 127.0.0.1"


def stale_schema_warnings(browser: Browser) -> list[str]:
    """Vega-Embed's warnings that a spec of ours names another Vega-Lite than the one loaded.

    datasette-dashboards gives every chart a v5 `$schema` unless its display names one:
    metadata.yml names v6 on each, as the player and match pages' specs do.
    """
    return [text for text in browser.warnings if "but the current version" in text]


def test_matches_show_names_not_ids(browser, served):
    _, gamertag, _ = served
    browser.visit("/demo/player_matches")
    browser.screenshot("player_matches")
    for column in ("gamertag", "map", "mode", "playlist"):
        cells = browser.page.locator(f"td.col-{column}").all_inner_texts()
        assert len(cells) >= 50, column
        assert not any(UUID.search(cell) or cell.startswith("xuid(") for cell in cells), column
    assert gamertag in browser.page.locator("td.col-gamertag").all_inner_texts()
    # The plain table labels each player id with the gamertag (label_column).
    browser.visit("/demo/match_players?_size=20")
    browser.screenshot("match_players")
    labels = browser.page.locator("td.col-player_id").all_inner_texts()
    assert labels and all(not label.startswith(("xuid(", "bid(")) for label in labels)
    assert_clean(browser)


def test_a_canned_query_renders_with_rows(browser, served):
    _, gamertag, _ = served
    browser.visit(f"/demo/by_map?gamertag={quote(gamertag)}")
    browser.screenshot("canned_query_by_map")
    assert browser.page.locator("table.rows-and-columns tbody tr").count() > 3
    assert gamertag in browser.page.locator("table.rows-and-columns").inner_text()
    assert_clean(browser)


def test_the_career_dashboard_draws_every_chart_offline(browser, served):
    _, gamertag, _ = served
    browser.warnings.clear()
    browser.visit(f"/-/dashboards/career?gamertag={quote(gamertag)}")
    charts = ["csr", "rolling_kd", "win_rate_by_map", "matches_per_day", "medals"]
    for chart in charts:
        drawn = browser.page.locator(f"#chart-{chart} canvas, #chart-{chart} svg")
        drawn.first.wait_for(state="visible", timeout=15_000)
    assert stale_schema_warnings(browser) == []
    for metric in ("matches", "win_rate", "kd"):
        assert browser.page.locator(f"#chart-{metric} p").inner_text().strip()
    browser.page.wait_for_timeout(500)  # let Vega finish painting before the screenshot
    browser.screenshot("career_dashboard", full_page=True)
    scripts = [u for u in browser.requests if u.endswith(".js") or ".js?" in u]
    assert any("vega.min.js" in u for u in scripts) and any("vega-lite" in u for u in scripts)
    assert_clean(browser)


def number(text: str) -> float:
    return float(text.replace(",", "").replace("%", "").strip())


def test_home_shows_a_card_per_tracked_player(browser, served):
    _, gamertag, _ = served
    browser.visit("/")
    browser.screenshot("home", full_page=True)
    cards = browser.page.locator(".card")
    assert cards.count() == 2
    assert gamertag in cards.first.inner_text() or gamertag in cards.nth(1).inner_text()
    for card in cards.all():
        assert re.search(r"\d+\.\d{3}", card.locator(".stat").nth(2).inner_text()), (
            "K/D to 3 decimals"
        )
    assert browser.page.locator("a[href='/demo/player_matches']").count() == 1
    assert_clean(browser)


def test_a_player_page_shows_the_pvp_headline_and_draws_csr(browser, served):
    _, gamertag, _ = served
    browser.warnings.clear()
    browser.visit(f"/player/{quote(gamertag.lower())}")
    browser.page.locator("#csr-chart svg, #csr-chart canvas").first.wait_for(state="visible")
    browser.page.wait_for_timeout(300)  # let Vega finish painting before the screenshot
    assert stale_schema_warnings(browser) == []
    browser.screenshot("player", full_page=True)
    assert browser.page.locator("h1").inner_text().startswith(gamertag)
    assert browser.page.locator(".tabs strong").inner_text() == "Matchmade PvP"
    assert browser.page.locator("#recent tbody tr").count() == 25
    assert browser.page.locator("#by-map tbody tr").count() > 3
    assert_clean(browser)


def test_teammates_and_opponents_show_every_column_on_a_laptop(browser, served):
    # Three to a row at 1280 px, their box cut off the day last played behind a scrollbar.
    _, gamertag, _ = served
    with browser.viewport(1280, 900):
        browser.visit(f"/player/{quote(gamertag)}")
        for key in ("teammates", "opponents"):
            box = browser.page.locator(f".scroll:has(#{key})")
            assert box.evaluate("box => box.scrollWidth <= box.clientWidth"), key


def test_a_match_page_shows_the_stored_documents_numbers(browser, served):
    _, gamertag, db = served
    browser.visit(f"/player/{quote(gamertag)}")
    href = browser.page.locator("#recent tbody tr a").first.get_attribute("href")
    match_id = href.rsplit("/", 1)[1]
    browser.visit(href)
    browser.screenshot("match", full_page=True)
    with sqlite3.connect(db) as connection:
        rawbody.register(connection)
        (body,) = connection.execute(
            "SELECT raw_body(body, encoding) FROM raw_responses WHERE kind = 'match_stats' AND key = ?",
            (match_id,),
        ).fetchone()
    doc = json.loads(body)
    rows = 0
    for player in doc["Players"]:
        for entry in player["PlayerTeamStats"]:
            core = entry["Stats"]["CoreStats"]
            row = browser.page.locator(
                f".team[data-team-id='{entry['TeamId']}'] tr[data-player-id='{player['PlayerId']}']"
            )
            assert row.count() == 1, player["PlayerId"]
            shown = {cell: row.locator(f"td.{cell}").inner_text() for cell in
                     ("kills", "deaths", "assists", "personal-score", "accuracy", "damage")}  # fmt: skip
            assert int(shown["kills"]) == core["Kills"]
            assert int(shown["deaths"]) == core["Deaths"]
            assert int(shown["assists"]) == core["Assists"]
            assert number(shown["personal-score"]) == core["PersonalScore"]
            assert number(shown["damage"]) == core["DamageDealt"]
            assert number(shown["accuracy"]) == pytest.approx(float(core["Accuracy"]), abs=0.05)
            rows += 1
    assert browser.page.locator("tr.player").count() == rows
    for team in doc["Teams"]:
        score = browser.page.locator(f".team[data-team-id='{team['TeamId']}'] .team-score")
        assert number(score.inner_text()) == team["Stats"]["CoreStats"]["Score"]
    assert_clean(browser)


def test_a_match_page_draws_the_films_score_and_kill_feed(browser, served):
    _, _, db = served
    with sqlite3.connect(db) as connection:
        match_id, kills, ambiguous = connection.execute(
            "SELECT match_id, count(*), sum(ambiguous) FROM kills WHERE match_id IN"
            " (SELECT match_id FROM kills WHERE ambiguous AND victim_id IS NOT NULL)"
            " GROUP BY match_id ORDER BY match_id LIMIT 1"
        ).fetchone()
    browser.warnings.clear()
    browser.visit(f"/match/{match_id}")
    browser.page.locator("#score-chart svg, #score-chart canvas").first.wait_for(state="visible")
    browser.page.wait_for_timeout(300)  # let Vega finish painting before the screenshot
    assert stale_schema_warnings(browser) == []
    browser.screenshot("match_film", full_page=True)
    assert browser.page.locator("#kill-feed tbody tr").count() == kills
    marked = browser.page.locator("#kill-feed tr[data-ambiguous] .ambiguous")
    assert marked.count() == ambiguous and marked.first.is_visible()
    assert "±5 ms" in marked.first.get_attribute("title")
    assert_clean(browser)


def test_a_phone_reads_the_kill_feed_without_scrolling_sideways(browser, served):
    # Killer, arrow and victim on one line each pushed the victim past a 375 px box.
    _, _, db = served
    with sqlite3.connect(db) as connection:
        (match_id,) = connection.execute(
            "SELECT match_id FROM kills GROUP BY match_id"
            " ORDER BY max(length(killer_id)) DESC, match_id LIMIT 1"
        ).fetchone()
    with browser.viewport(375, 800):
        browser.visit(f"/match/{match_id}")
        feed = browser.page.locator(".feed:has(#kill-feed)")
        assert feed.evaluate("box => box.scrollWidth <= box.clientWidth")
        victims = browser.page.locator("#kill-feed td.victim").all()[:20]
        right = feed.bounding_box()["x"] + feed.bounding_box()["width"]
        assert victims and all(v.bounding_box()["x"] + v.bounding_box()["width"] <= right + 1
                               for v in victims)  # fmt: skip


def test_a_wide_scoreboard_scrolls_in_its_box_and_the_page_fits_a_phone(browser, served):
    _, gamertag, db = served
    with sqlite3.connect(db) as connection:  # a mode with columns of its own: the widest boards
        (match_id,) = connection.execute(
            "SELECT match_id FROM matches WHERE game_variant_category IN (11, 13, 14, 39)"
            " AND teams_enabled ORDER BY match_id LIMIT 1"
        ).fetchone()
    with browser.viewport(375, 800):
        browser.visit(f"/match/{match_id}")
        browser.screenshot("match_375px")
        width = browser.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, "the page scrolls sideways on a phone"
        boards = browser.page.locator(".team .scroll")
        assert boards.count() >= 2
        assert boards.first.evaluate("box => box.scrollWidth > box.clientWidth")
        for head in browser.page.locator(".team-head h2").all():  # one line, not a letter a line
            box = head.bounding_box()
            assert box["width"] > box["height"], head.inner_text()
        # The medals, last in a row, keep it one line: the first ones and "+N" for the rest.
        rows = browser.page.locator(".team tr.player").all()
        heights = {round(row.bounding_box()["height"]) for row in rows}
        assert len(heights) == 1, f"rows of uneven heights: {heights}"
        cell = browser.page.locator("td.medals:has(label.more)").first
        more, rest = cell.locator("label.more"), cell.locator(".rest")
        assert more.is_visible() and not rest.is_visible()
        more.click()  # the rest, in place
        assert rest.is_visible() and not more.is_visible()
        phone = cell.inner_text()
        for page in ("/", f"/player/{quote(gamertag)}"):  # long map and mode names too
            browser.visit(page)
            assert browser.page.evaluate("document.documentElement.scrollWidth") <= 375, page
        browser.page.set_viewport_size(WIDE)
        browser.visit(f"/match/{match_id}")
        medals = browser.page.locator("td.medals").first.bounding_box()
        assert medals["width"] >= 200, "the medals squeezed to a word a line"
        assert browser.page.locator("td.medals label.more").first.is_hidden()
        assert cell.inner_text() == phone, "a wide screen lists every medal, as the phone's"
    assert_clean(browser)


def test_the_dashboards_count_axes_never_print_a_number_twice(browser, served):
    _, gamertag, db = served
    with sqlite3.connect(db) as connection:
        (last,) = connection.execute(
            "SELECT max(day) FROM player_matches WHERE gamertag = ?", (gamertag,)
        ).fetchone()
    since = f"{int(last[:4]) - 1}{last[4:]}"  # a year: a few matches a week, and FFA places
    browser.visit(f"/-/dashboards/career?gamertag={quote(gamertag)}&scope=all&date_from={since}")
    axes = {"matches_per_day": "Y", "ffa_places": "Y", "medals": "X"}
    for chart, axis in axes.items():
        labels = browser.page.locator(f"#chart-{chart} svg g[aria-label^='{axis}-axis'] text")
        labels.first.wait_for(state="attached", timeout=15_000)
        # Ticks between whole numbers, printed as whole numbers, read "0 1 1 2 2".
        numbers = [t.replace(",", "") for t in labels.all_text_contents()]
        numbers = [int(t) for t in numbers if t.isdigit()]
        assert len(numbers) >= 2 and len(set(numbers)) == len(numbers), (chart, numbers)
    assert_clean(browser)


# A time axis's label of a day or longer (Vega's: "Wed 02", "Jun 09", "December", "2025").
DAY_LABEL = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d|[A-Z][a-z]{2} \d\d|[A-Z][a-z]+|\d{4}")


def time_charts() -> dict[str, list[str]]:
    """Each dashboard's vega-lite charts whose x axis is time."""
    dashboards = load_metadata()["plugins"]["datasette-dashboards"]
    return {name: [chart for chart, spec in dashboard["charts"].items()
                   if spec["library"] == "vega-lite" and '"type": "temporal"' in json.dumps(
                       [layer.get("encoding", {}).get("x") for layer in spec["display"]["layer"]])]
            for name, dashboard in dashboards.items()}  # fmt: skip


def test_a_time_axis_of_a_single_match_or_snapshot_labels_days(browser, served):
    _, gamertag, db = served
    with sqlite3.connect(db) as connection:
        (day,) = connection.execute(  # a day of one ranked match: CSR, K/D and matches one point
            "SELECT day FROM player_matches WHERE gamertag = ? AND post_match_csr IS NOT NULL"
            " GROUP BY day HAVING count(*) = 1 ORDER BY day LIMIT 1",
            (gamertag,),
        ).fetchone()
        (snapshots,) = connection.execute(
            "SELECT count(DISTINCT s.taken_at) FROM service_record_snapshots AS s"
            " JOIN players AS p USING (player_id) WHERE p.gamertag = ? AND s.scope = 'matchmade'",
            (gamertag,),
        ).fetchone()
    # One sync: K/D over time is a single instant (matches completed: one per scope, a
    # few milliseconds apart).
    assert snapshots == 1
    charts = time_charts()
    # csr_by_playlist too, but the simulator's players are unranked (no current CSR).
    picked = {"career": f"date_from={day}&date_to={day}", "career_over_time": ""}
    checked = []
    for dashboard, names in charts.items():
        browser.visit(f"/-/dashboards/{dashboard}?gamertag={quote(gamertag)}&{picked[dashboard]}")
        for chart in [name for name in names if name != "csr_by_playlist"]:
            labels = browser.page.locator(f"#chart-{chart} svg .role-axis-label")
            labels.first.wait_for(state="attached", timeout=15_000)
            x = browser.page.locator(
                f"#chart-{chart} svg g[aria-label^='X-axis'] .role-axis-label text"
            )
            texts = [text for text in x.all_text_contents() if text]
            # A week around the point, a label a day: not ".982", the milliseconds of it.
            assert len(texts) >= 3 and all(DAY_LABEL.fullmatch(t) for t in texts), (chart, texts)
            checked.append(chart)
        browser.screenshot(f"{dashboard}_single_instant", full_page=True)
    assert sorted(checked) == sorted(
        ["csr", "rolling_kd", "matches_per_day", "career_matches", "career_kd"]
    )
    assert_clean(browser)


# What a chart draws that a person sees: text and rules not made transparent.
SEEN = """svg => [...svg.querySelectorAll('text, line, .role-legend-symbol path')].filter(e => {
  for (let n = e; n !== svg; n = n.parentNode) {
    const style = getComputedStyle(n);
    if (style.opacity === '0' || style.display === 'none') return false;
  }
  const style = getComputedStyle(e);
  if (e.tagName === 'text') return style.fillOpacity !== '0' && e.textContent.trim() !== '';
  return e.tagName === 'line' ? style.strokeOpacity !== '0' : true;
}).map(e => e.tagName === 'text' ? e.textContent : e.tagName)"""


def picked_charts() -> dict[str, list[str]]:
    """Each dashboard's vega-lite charts that read its filters (not the community's figures)."""
    dashboards = load_metadata()["plugins"]["datasette-dashboards"]
    return {name: [chart for chart, spec in dashboard["charts"].items()
                   if spec["library"] == "vega-lite" and ":" in spec["query"]]
            for name, dashboard in dashboards.items()}  # fmt: skip


@pytest.mark.parametrize("width", [1280, 375])
def test_a_chart_with_nothing_picked_says_so_instead_of_bare_axes(browser, served, width):
    _, gamertag, _ = served
    charts = picked_charts()
    assert len(charts["career"]) >= 6 and len(charts["career_over_time"]) >= 3
    with browser.viewport(width, 900):
        for dashboard, names in charts.items():
            # Before the archive's first match: nothing in what is picked, in any chart.
            path = f"/-/dashboards/{dashboard}?gamertag={quote(gamertag)}&date_to=2000-01-01"
            browser.visit(f"{path}&scope=all")
            for chart in names:
                note = browser.page.locator(f"#chart-{chart} .layer_1_marks text").last
                note.wait_for(state="attached", timeout=15_000)
                seen = browser.page.locator(f"#chart-{chart} svg.marks").evaluate(SEEN)
                # One note, no bare axis, lone "0", legend or frame around it.
                assert seen == [note.text_content()], (chart, seen)
                assert "nothing to chart" in seen[0], chart
                box, card = note.bounding_box(), browser.page.locator(f"#chart-{chart}")
                card = card.bounding_box()
                assert (
                    card["x"] <= box["x"] and box["x"] + box["width"] <= card["x"] + card["width"]
                )
            browser.screenshot(f"{dashboard}_nothing_picked_{width}px", full_page=True)
            # With something to chart (every player: one has no CSR), marks, axes, no note.
            browser.visit(f"/-/dashboards/{dashboard}?scope=all")
            for chart in names:
                note = browser.page.locator(f"#chart-{chart} .layer_1_marks text").last
                note.wait_for(state="attached", timeout=15_000)
                seen = browser.page.locator(f"#chart-{chart} svg.marks").evaluate(SEEN)
                assert note.text_content() not in seen and "line" in seen, (chart, seen)
                assert any(re.fullmatch(r"[\d.,]+", text) for text in seen), (chart, seen)
                marks = browser.page.locator(f"#chart-{chart} [class*='layer_0'] path")
                assert marks.count() >= 1, chart
    assert_clean(browser)


def test_datasettes_own_query_and_database_pages_fit_a_phone(browser, served):
    _, gamertag, _ = served
    queries = load_metadata()["databases"]["halo"]["queries"]
    pages = [f"/demo/{name}?" + ("q=" if name == "search" else "gamertag=") + quote(gamertag)
             for name in sorted(queries)]  # fmt: skip
    with browser.viewport(375, 800):
        for page in [*pages, "/demo", "/demo?sql=select+1"]:
            browser.visit(page)
            width = browser.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, (page, width)
        browser.visit(f"/demo/by_mode?gamertag={quote(gamertag)}")
        browser.screenshot("canned_query_375px", full_page=True)
        # A canned query hides its SQL (hide_sql) until asked.
        assert browser.page.locator("pre#sql-query").count() == 0
        browser.visit(f"/demo/by_mode?gamertag={quote(gamertag)}&_show_sql=1")
        sql = browser.page.locator("pre#sql-query")  # its long lines scroll in its own box
        assert sql.evaluate("box => box.scrollWidth > box.clientWidth")
        for row in browser.page.locator("form.sql p:has(label)").all():  # a name before its box
            label, box = row.locator("label").bounding_box(), row.locator("input").bounding_box()
            assert label["x"] + label["width"] <= box["x"] or label["y"] < box["y"], (
                row.inner_text()
            )
            assert row.locator("label").evaluate("label => label.scrollWidth <= label.clientWidth")
    assert_clean(browser)


def test_the_career_dashboards_scope_options_read_as_names(browser, served):
    _, gamertag, _ = served
    browser.visit(f"/-/dashboards/career?gamertag={quote(gamertag)}&scope=custom")
    options = browser.page.locator("select#scope option")
    shown = dict(zip(options.evaluate_all("os => os.map(o => o.value)"),
                     options.all_inner_texts(), strict=True))  # fmt: skip
    assert shown == {"": "", "matchmade_pvp": "Matchmade PvP",
                     "matchmade_pve": "Matchmade PvE (Firefight)", "custom": "Custom games",
                     "all": "All matches"}  # fmt: skip
    assert browser.page.locator("select#scope").input_value() == "custom"
    assert_clean(browser)
