"""The front page's line on the syncs: the latest run, how it ended, and the last that worked."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest

from grunt_archive.db import open_archive
from grunt_archive.errors import ServiceUnavailableError
from grunt_archive.serve import datasette_for
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store import open_store, state
from grunt_archive.viewer.sync_status import age
from tests import helpers

PLAYER = "xuid(2533274800000001)"


def status_line(db: Path) -> str:
    """Return the front page's sync line as a reader sees it (tags dropped, spaces joined)."""
    response = asyncio.run(datasette_for(db).client.get("/"))
    assert response.status_code == 200
    found = re.search(r'<p class="sync-status[^"]*"[^>]*>(.*?)</p>', response.text, re.S)
    assert found, "no sync line on the front page"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def warned(db: Path) -> bool:
    html = asyncio.run(datasette_for(db).client.get("/")).text
    return 'class="sync-status warn"' in html


@pytest.fixture
def sim() -> Simulator:
    return Simulator(SimulatorConfig(seed=5, players=1, matches=6))


def test_a_run_that_worked_says_so_with_the_matches_it_added(db_path, sim):
    report = helpers.sync(db_path, sim, sim.player_ids[0])
    assert report.matches_added == 6
    line = status_line(db_path)
    assert re.fullmatch(
        r"Last sync \d{4}-\d\d-\d\d \d\d:\d\d UTC \(less than a minute ago\): "
        r"ok, 6 matches added\. Every run",
        line,
    ), line
    assert not warned(db_path)


def test_a_failed_run_names_its_error_and_the_last_run_that_worked(db_path, sim):
    helpers.sync(db_path, sim, sim.player_ids[0])
    down = helpers.failing(sim.app, r".*")
    for _ in range(2):
        with pytest.raises(ServiceUnavailableError):
            helpers.sync(db_path, sim, sim.player_ids[0], app=down)
    line = status_line(db_path)
    assert line.startswith("Last sync "), line
    assert ": failed, 0 matches added: " in line and "503" in line, line
    assert re.search(
        r"The last sync that worked: \S+ \S+ UTC \(less than a minute ago\), 2 runs failed since\.",
        line,
    ), line
    assert warned(db_path)
    helpers.sync(db_path, sim, sim.player_ids[0])  # the service is back
    assert "ok, 0 matches added." in status_line(db_path)
    assert not warned(db_path)


def test_a_pending_match_makes_the_run_partial_and_is_counted(db_path, sim):
    pattern = rf"/hi/matches/{sim.history(sim.player_ids[0])[0]}/stats"
    report = helpers.sync(
        db_path, sim, sim.player_ids[0], app=helpers.failing(sim.app, pattern, 404)
    )
    assert report.pending
    line = status_line(db_path)
    assert f"partial, {report.matches_added} matches added, {len(report.pending)} pending" in line
    assert not warned(db_path)  # partial is a run that worked: the next one fetches the rest


def test_an_archive_no_sync_ran_on_says_so(db_path):
    open_archive(db_path).dispose()
    html = asyncio.run(datasette_for(db_path).client.get("/")).text
    assert "No sync has run on this archive yet" in html


def test_an_old_last_run_asks_whether_the_timer_is_still_on(db_path, engine):
    with open_store(engine) as store:
        run_id = state.start_run(store, [PLAYER])
        state.finish_run(
            store, run_id, outcome="ok", requests=1, matches_added=0, pending=0, failures=[]
        )
    helpers.execute(
        db_path,
        "UPDATE sync_runs SET started_at = '2020-01-01T03:00:00.000Z',"
        " finished_at = '2020-01-01T03:00:05.000Z'",
    )
    line = status_line(db_path)
    assert "Last sync 2020-01-01 03:00 UTC" in line and "ok, 0 matches added." in line
    assert re.search(r"No sync has run for \d+ days: is the timer still on\?", line), line
    assert warned(db_path)


def test_a_run_still_open_is_running_or_was_killed(db_path, engine):
    with open_store(engine) as store:
        state.start_run(store, [PLAYER])
    line = status_line(db_path)
    assert "has not finished: it is still running, or it was killed" in line
    assert "No sync has worked yet." in line


def test_an_error_is_shown_as_text_never_as_markup(db_path, engine):
    with open_store(engine) as store:
        run_id = state.start_run(store, [PLAYER])
        state.finish_run(store, run_id, outcome="failed", requests=0, matches_added=0, pending=0,
                         failures=[], error="<script>alert(1)</script> broke")  # fmt: skip
    html = asyncio.run(datasette_for(db_path).client.get("/")).text
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; broke" in html


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(0, "less than a minute"), (59, "less than a minute"), (60, "1 minute"),
     (3599, "59 minutes"), (3600, "1 hour"), (86399, "23 hours"), (86400, "1 day"),
     (86400 * 40, "40 days"), (-30, "less than a minute")],
)  # fmt: skip
def test_ages_read_as_a_person_says_them(seconds, expected):
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    then = datetime.fromtimestamp(now.timestamp() - seconds, UTC)
    assert age(then.strftime("%Y-%m-%dT%H:%M:%S.000Z"), now) == expected
