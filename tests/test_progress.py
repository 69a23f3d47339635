"""What a sync shows while it runs: players by name, rate and time left, an honest end."""

from __future__ import annotations

import asyncio
import io

import pytest

from grunt_archive.progress import TerminalProgress
from grunt_archive.runner import run_sync
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.sync import SyncOptions
from grunt_archive.wording import counted
from tests.helpers import rows, settings


class Recording:
    """A progress display that remembers what it was told."""

    def __init__(self, cancel_after: int | None = None) -> None:
        self.started: list[tuple[str, int | None]] = []
        self.named: list[tuple[str, int]] = []  # the new name, and the matches done then
        self.notes: list[str] = []
        self.done = 0
        self.cancel_after = cancel_after
        self.main: asyncio.Task | None = None

    def start(self, player: str, total: int | None) -> None:
        self.main = self.main or asyncio.current_task()
        self.started.append((player, total))

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self.cancel_after is not None and self.done == self.cancel_after and self.main:
            self.main.cancel()  # what Ctrl-C does to `asyncio.run`'s task

    def finish(self) -> None:
        pass

    def note(self, text: str) -> None:
        self.notes.append(text)

    def name(self, player: str) -> None:
        self.named.append((player, self.done))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_names_players_by_gamertag_and_a_resumed_run_shows_its_total(tmp_path):
    sim = Simulator(SimulatorConfig(seed=4, players=1, matches=40))
    db, player = tmp_path / "halo.db", sim.player_ids[0]
    run_sync(db, settings(sim.app), SyncOptions((player,), limit=10, matches_only=True))
    shown = Recording()
    run_sync(db, settings(sim.app), SyncOptions((player,), matches_only=True), shown)
    ((label, total),) = shown.started
    assert label == f"{sim.gamertag(player)} ({player})"
    assert total == 30 and shown.done == 30
    # After the last match the display says what the run still does.
    assert any("names" in note for note in shown.notes)


def test_a_first_sync_by_xuid_names_the_player_as_soon_as_their_gamertag_is_stored(tmp_path):
    sim = Simulator(SimulatorConfig(seed=4, players=1, matches=40))
    db, player = tmp_path / "halo.db", sim.player_ids[0]
    shown = Recording()
    run_sync(db, settings(sim.app), SyncOptions((player,), matches_only=True), shown)
    # Nothing is known of the player at the start; the walk goes on under their name.
    ((label, total),) = shown.started
    assert label == player and total == 40
    ((name, done),) = shown.named
    assert name == f"{sim.gamertag(player)} ({player})"
    assert 0 < done < 40, done


def test_the_bar_takes_a_new_name_and_draws_it_at_once():
    stream = Terminal()
    bar = TerminalProgress(stream)
    bar.start("xuid(2533274800000001)", 100)
    bar.name("Grunt (xuid(2533274800000001))")
    assert stream.getvalue().rsplit("\r", 1)[-1].startswith("Grunt (xuid(2533274800000001)) [")


def test_the_bar_shows_rate_and_time_left():
    stream = Terminal()
    bar = TerminalProgress(stream)
    bar.start("Grunt (xuid(2533274800000001))", 100)
    bar.done = 25
    line = bar.line(now=bar._began + 10)
    assert "Grunt (xuid(2533274800000001))" in line and "25/100 matches" in line
    assert "2.5/s" in line and "30s left" in line


def test_a_bar_counts_what_its_command_counts():
    # A copy's bar counts rows; a sync's and a rebuild's, matches.
    stream = Terminal()
    bar = TerminalProgress(stream, unit="rows")
    bar.start("halo.db → club.db", 20_000)
    bar.done = 5_000
    assert "5000/20000 rows" in bar.line(now=bar._began + 1)
    assert "halo.db → club.db 7 matches" in _unsized_line()


def _unsized_line() -> str:
    bar = TerminalProgress(Terminal())
    bar.start("halo.db → club.db", None)
    bar.done = 7
    return bar.line(now=bar._began)


def test_an_interrupted_run_is_recorded_as_interrupted_with_what_it_saved(tmp_path):
    sim = Simulator(SimulatorConfig(seed=4, players=1, matches=40))
    db, player = tmp_path / "halo.db", sim.player_ids[0]
    shown = Recording(cancel_after=5)
    with pytest.raises(asyncio.CancelledError):
        run_sync(db, settings(sim.app), SyncOptions((player,), matches_only=True), shown)
    ((outcome, error),) = rows(db, "SELECT outcome, error FROM sync_runs")
    saved = rows(db, "SELECT count(*) FROM matches")[0][0]
    assert outcome == "interrupted"
    assert f"{counted(saved, 'new match')} saved" in error and "CancelledError" not in error
