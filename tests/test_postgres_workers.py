"""Several `sync` workers on one PostgreSQL archive: claims, shared matches, a killed worker.

Real processes against one simulator process whose players share matches. The archive
they leave must equal, row for row (clock readings, raw copies and runs aside), one
worker's sync of the same world into SQLite. The syncs take no career snapshot
(``--matches-only``): which playlists a player's CSR snapshot covers depends on the
skill lookups stored when it is taken, and with several workers some of those are
another worker's, landing when they land. All of it starts processes: slow.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store.claims import player_key, work_key
from tests.e2e import cli, cli_process, simulator_process
from tests.helpers import clockless_dump, count, rows, sync

pytestmark = pytest.mark.slow

SEED, PLAYERS, MATCHES = 11, 5, 24
# What each run keeps of its own: raw copies (a page or a match fetched twice) and its row.
OWN = ("raw_responses", "sync_runs")


def comparable(db: Path | str) -> dict[str, list[tuple]]:
    return {t: found for t, found in clockless_dump(db).items() if t not in OWN}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """One worker's sync of the world into SQLite."""
    sim = Simulator(SimulatorConfig(seed=SEED, players=PLAYERS, matches=MATCHES))
    db = tmp_path_factory.mktemp("one-worker") / "halo.db"
    assert sync(db, sim, *sim.player_ids, matches_only=True).outcome == "ok"
    shared = rows(db, "SELECT count(*) FROM (SELECT match_id FROM match_players"
                      " WHERE player_id LIKE 'xuid(%' GROUP BY match_id HAVING count(*) > 1) s")  # fmt: skip
    assert shared[0][0] > 0  # the world's players share matches, or the test proves little
    return db


def worker(url: str, api_base: str, players: list[str], *extra: str):
    flags = [flag for player in players for flag in ("--player", player)]
    return cli_process("sync", *flags, "--json", "--concurrency", "4", "--matches-only", *extra,
                       db=url, api_base=api_base)  # fmt: skip


def finish(process) -> tuple[int, dict]:
    stdout, stderr = process.communicate(timeout=300)
    assert "Traceback" not in stderr, stderr
    return process.returncode, json.loads(stdout) if stdout.strip() else {}


def test_workers_share_the_players_and_store_each_match_once(reference, postgres_cluster):
    url = postgres_cluster.new_archive()  # migrated: a copy of the session's template
    args = ("--seed", str(SEED), "--players", str(PLAYERS), "--matches", str(MATCHES))
    with simulator_process(*args, "--latency-ms", "5") as sim:
        players = [player["player_id"] for player in sim.players()]
        workers = [worker(url, sim.url, players) for _ in range(3)]
        results = [finish(process) for process in workers]
        fetched = sim.counts()["stats"]
    for code, summary in results:
        assert code == 0, summary
        assert summary["failures"] == []
    # Each player was synced by some worker; a worker names those it left to the others.
    skipped = [len(summary["claimed_elsewhere"]) for _, summary in results]
    assert sum(skipped) > 0
    assert comparable(url) == comparable(reference)
    assert count(url, "matches") == count(reference, "matches")
    assert rows(url, "SELECT DISTINCT outcome FROM sync_runs") == [("ok",)]
    # A match the players share is fetched by the one worker that holds it; the others
    # wait for it and find it stored (no fault is injected: one request each).
    assert fetched == count(url, "matches")


def test_a_worker_finding_every_player_claimed_exits_5_naming_them(postgres_cluster):
    import psycopg

    url = postgres_cluster.new_archive()  # migrated: a copy of the session's template
    with simulator_process("--seed", "5", "--players", "2", "--matches", "3") as sim:
        players = [player["player_id"] for player in sim.players()]
        with psycopg.connect(url, autocommit=True) as holder:
            for player in players:  # another worker's claims, held by this connection
                holder.execute("SELECT pg_advisory_lock(%s)", (player_key(player),))
            code, summary = finish(worker(url, sim.url, players))
            assert code == 5
            assert summary["outcome"] == "claimed"
            # Named as the archive knows them: ``Gamertag (xuid(…))`` once a gamertag is stored.
            named = summary["claimed_elsewhere"]
            assert len(named) == 2 and all(p in n for p, n in zip(players, named, strict=True))
            holder.execute("SELECT pg_advisory_unlock(%s)", (player_key(players[0]),))
            partly = worker(url, sim.url, players)
            code, summary = finish(partly)
            assert code == 0 and len(summary["claimed_elsewhere"]) == 1
            assert summary["claimed_elsewhere"][0].endswith(f"({players[1]})")
            text = cli("sync", "--player", players[1], db=url, api_base=sim.url)
        assert text.returncode == 5
        assert text.stderr.startswith(
            "Error: every player asked for is being synced by another worker: "
        )
        assert text.stderr.count("\n") == 1 and text.stderr.endswith(f"({players[1]})\n")


def running(url: str) -> int:
    return rows(url, "SELECT count(*) FROM sync_runs WHERE outcome = 'running'")[0][0]


def test_a_killed_workers_claim_lapses_and_another_finishes_its_player(reference, postgres_cluster):
    url = postgres_cluster.new_archive()  # migrated: a copy of the session's template
    args = ("--seed", str(SEED), "--players", str(PLAYERS), "--matches", str(MATCHES))
    with simulator_process(*args, "--latency-ms", "20") as sim:
        players = [player["player_id"] for player in sim.players()]
        victim = worker(url, sim.url, players)
        others = [worker(url, sim.url, list(reversed(players))) for _ in range(2)]
        deadline = time.monotonic() + 120
        # Mid-sync: some matches stored, most not, and every worker's run begun (on a busy
        # machine the others may store five matches before the victim has begun its run).
        while count(url, "matches") < 5 or running(url) < 3:
            assert victim.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        for process in others:
            code, summary = finish(process)
            assert code in (0, 5), summary
        code, summary = finish(worker(url, sim.url, players))
    assert code == 0, summary
    assert summary["claimed_elsewhere"] == []  # the killed worker's claim lapsed with it
    got, want = comparable(url), comparable(reference)
    # A match the killed worker stored but whose film it had not fetched yet keeps no film,
    # nor a note that its film had expired: a plain sync asks for the films of new matches
    # only (`--films-backfill` asks for the rest), on SQLite as here. Every other table is
    # exact, and every film (or expiry) stored is.
    films = ("films", "kills", "film_events", "expired_films", "player_rivals")
    assert {table for table in want if table not in films and got[table] != want[table]} == set()
    for table in films[:4]:
        assert set(got[table]) <= set(want[table]), table
    outcomes = sorted(outcome for (outcome,) in rows(url, "SELECT outcome FROM sync_runs"))
    assert outcomes.count("interrupted") == 1 and "running" not in outcomes
    # The other workers saved matches while it ran: each run counted its own as it stored
    # them, so the killed one's count is what it saved (NULL, unknown, for none, as an
    # older grunt-archive's killed runs), and the counts add up to every match document
    # stored (one per save, a match two workers both stored counted twice).
    dead = "SELECT matches_added FROM sync_runs WHERE outcome = 'interrupted'"
    [(killed,)] = rows(url, dead)
    assert killed is None or killed > 0
    added = rows(url, "SELECT sum(matches_added) FROM sync_runs")[0][0]
    stored = "SELECT count(*) FROM raw_responses WHERE kind = 'match_stats'"
    assert added == rows(url, stored)[0][0] >= count(url, "matches")


def pending_world(url: str, players: int, matches: int) -> list[str]:
    """Sync a world into ``url`` while every stats request fails: all its matches go pending."""
    sim = Simulator(SimulatorConfig(seed=SEED, players=players, matches=matches, stats_404=9))
    report = sync(url, sim, *sim.player_ids, matches_only=True)
    assert report.outcome == "partial" and count(url, "matches") == 0
    assert sorted(report.pending) == sorted({m for p in sim.player_ids for m in sim.history(p)})
    return sorted(report.pending)


def test_a_worker_leaves_the_pending_matches_another_worker_holds(postgres_cluster):
    import psycopg

    url = postgres_cluster.new_database()
    pending = pending_world(url, 1, 8)
    held = pending[:3]
    attempts = "SELECT match_id, attempts FROM pending_matches ORDER BY match_id"
    before = rows(url, attempts)
    with simulator_process("--seed", str(SEED), "--players", "1", "--matches", "8") as sim:
        with psycopg.connect(url, autocommit=True) as holder:
            for match_id in held:  # another worker trying these again right now
                holder.execute("SELECT pg_advisory_lock(%s)", (work_key("match_stats", match_id),))
            code, summary = finish(worker(url, sim.url, []))
        # The others were fetched once each; the held ones not at all, nor by the walk.
        assert sim.counts()["stats"] == len(pending) - len(held)
    assert code == 3 and sorted(summary["pending"]) == held
    assert {m for (m,) in rows(url, "SELECT match_id FROM matches")} == set(pending) - set(held)
    assert rows(url, attempts) == [row for row in before if row[0] in held]  # untouched


def test_a_worker_waits_for_a_new_match_another_holds_and_takes_it_when_the_claim_lapses(
    postgres_cluster,
):
    import psycopg

    url = postgres_cluster.new_archive()  # migrated: a copy of the session's template
    world = ("--seed", str(SEED), "--players", "1", "--matches", "6")
    sim = Simulator(SimulatorConfig(seed=SEED, players=1, matches=6))
    held = sorted(sim.history(sim.player_ids[0]))[0]
    with simulator_process(*world) as process_sim:
        holder = psycopg.connect(url, autocommit=True)  # another worker fetching it right now
        holder.execute("SELECT pg_advisory_lock(%s)", (work_key("match_stats", held),))
        process = worker(url, process_sim.url, sim.player_ids)
        deadline = time.monotonic() + 120
        while count(url, "matches") < 5:
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        # Every other match stored; the held one neither fetched nor skipped: the worker waits.
        assert process.poll() is None and process_sim.counts()["stats"] == 5
        assert rows(url, "SELECT count(*) FROM matches WHERE match_id = ?", held) == [(0,)]
        holder.close()  # the holder is gone, its claim with it: the waiting worker takes over
        code, summary = finish(process)
        assert process_sim.counts()["stats"] == 6
    assert code == 0 and summary["matches_added"] == 6, summary
    assert rows(url, "SELECT count(*) FROM matches WHERE match_id = ?", held) == [(1,)]


def test_workers_started_together_retry_each_pending_match_once(postgres_cluster):
    url = postgres_cluster.new_database()
    pending = pending_world(url, 2, 30)
    # Latency, and one request at a time, so that one worker alone would take seconds (~10,
    # against the half second between the workers' starts): the workers' retries overlap,
    # where each worker used to retry every pending match. `later` below checks they did.
    args = ("--seed", str(SEED), "--players", "2", "--matches", "30", "--latency-ms", "100")
    with simulator_process(*args) as sim:
        workers = [worker(url, sim.url, [], "--concurrency", "1") for _ in range(3)]
        results = [finish(process) for process in workers]
        counts = sim.counts()
    for code, summary in results:  # 5: both players were another worker's by then
        assert code in (0, 5), summary
    assert count(url, "matches") == len(pending) and count(url, "pending_matches") == 0
    # The last worker began while matches were still pending: it saw them, and left them.
    last_start = rows(url, "SELECT max(started_at) FROM sync_runs WHERE id > 1")[0][0]
    later = rows(url, "SELECT count(*) FROM raw_responses WHERE kind = 'match_stats'"
                      " AND fetched_at > ?", last_start)[0][0]  # fmt: skip
    assert later > 0, "the workers did not run at once: the test would prove nothing"
    assert counts["stats"] == len(pending)
    assert sum(summary["matches_added"] for _, summary in results) == len(pending)
    # What the matches name was looked up once too, by whichever worker came to it first.
    assert count(url, "pending_enrichment") == 0
    looked_up = {
        "discovery": "SELECT count(*) FROM assets WHERE fetched_at IS NOT NULL",
        "skill": "SELECT count(DISTINCT match_id) FROM match_skill",
        "film": "SELECT count(*) FROM films",
    }
    assert {kind: counts.get(kind, 0) for kind in looked_up} == {
        kind: rows(url, sql)[0][0] for kind, sql in looked_up.items()
    }


def test_a_player_untracked_by_another_process_mid_run_is_left_alone(postgres_cluster):
    """The worker reaching a player `untrack` removed since its run began skips them, no crash."""
    from grunt_archive.runner import run_sync, run_untrack
    from grunt_archive.sync import SyncOptions
    from tests.helpers import settings

    url = postgres_cluster.new_archive()
    sim = Simulator(SimulatorConfig(seed=SEED, players=2, matches=6))
    first, second = sim.player_ids
    asked: list[str] = []

    async def app(scope, receive, send):  # untracks the second player at the first stats request
        if scope["type"] == "http" and "/stats" in scope["path"] and not asked:
            asked.append(scope["path"])
            run_untrack(url, second)  # another process, while this run walks the first
        await sim.app(scope, receive, send)

    options = SyncOptions((first, second), matches_only=True, films=False)
    report = run_sync(url, settings(app, "clearance-id"), options)
    assert asked and report.outcome == "ok" and report.failures == []
    assert rows(url, "SELECT player_id FROM tracked_players") == [(first,)]
    assert {m for (m,) in rows(url, "SELECT match_id FROM matches")} == set(sim.history(first))
    assert rows(url, "SELECT outcome FROM sync_runs") == [("ok",)]


def test_a_stopped_worker_says_what_its_own_run_saved_not_the_newest_runs(postgres_cluster):
    # It read the archive's newest run: another worker's, begun after it (0 saved, or none).
    url = postgres_cluster.new_archive()
    args = ("--seed", str(SEED), "--players", "2", "--matches", "40", "--latency-ms", "20")
    with simulator_process(*args) as sim:
        first, second = (player["player_id"] for player in sim.players())
        stopped = worker(url, sim.url, [first], "--concurrency", "1")
        deadline = time.monotonic() + 120
        while count(url, "matches") < 3:
            assert stopped.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        newer = worker(url, sim.url, [second], "--concurrency", "1")
        while running(url) < 2:
            assert newer.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        stopped.send_signal(signal.SIGTERM)
        code, summary = finish(stopped)
        newer.send_signal(signal.SIGTERM)
        finish(newer)
    assert code == 143, summary
    [(saved,)] = rows(url, "SELECT matches_added FROM sync_runs WHERE id = 1")
    assert saved >= 3
    assert summary["error"] == f"Terminated: {saved} new matches saved; the next sync resumes."
