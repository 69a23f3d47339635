"""Workers figure: 4 ``sync`` workers into PostgreSQL against 1 into SQLite.

Twenty players whose histories share matches, one simulator with latency: one
worker syncs them all into a SQLite file, then four workers, each given all
twenty, sync them into one PostgreSQL database of a throwaway cluster
(``.ci/pg-cluster``). Each worker is held to `Scale.worker_rps` requests a second
to each host (the CLI's default of 5; more in the smoke run, whose figures are not
read), as the service holds each token (a community's workers each have their own
sign-in): that limit, not the CPU, is what several workers multiply.
The figure is the four workers' wall time against the one worker's (a ratio
above 1 is a speedup), their requests, and whether every match is stored
exactly once and the two archives hold the same matches.
Without PostgreSQL's binaries the section reports that and measures nothing.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness import (
    ROOT,
    Figure,
    Finished,
    Scale,
    Simulator,
    fresh_db,
    grunt_archive,
    note,
    simulator,
)

PLAYERS = 20
WORKERS = 4
SEED = "23"
NO_BINARIES = 3  # .ci/pg-cluster's exit status without PostgreSQL


def workers_figures(scale: Scale, workdir: Path) -> list[Figure]:
    """Return the workers figure (or one saying PostgreSQL is missing)."""
    cluster = Path(tempfile.mkdtemp(prefix="grunt-archive-bench-pg-"))
    started = subprocess.run(
        [str(ROOT / ".ci" / "pg-cluster"), "start", str(cluster)], capture_output=True, text=True
    )
    try:
        if started.returncode == NO_BINARIES:
            note("workers: no PostgreSQL binaries, section skipped")
            return [_missing()]
        if started.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start: {started.stderr[-2000:]}")
        return [_measure(scale, workdir, started.stdout.strip().splitlines()[-1])]
    finally:
        subprocess.run([str(ROOT / ".ci" / "pg-cluster"), "stop", str(cluster)], check=False)
        shutil.rmtree(cluster, ignore_errors=True)


def _missing() -> Figure:
    return Figure(f"workers: {WORKERS} into PostgreSQL vs 1 into SQLite", "not run (no PostgreSQL)",
                  "1 worker into SQLite", None, "≥ 1.50, every match once", False)  # fmt: skip


def _sync(sim: Simulator, db: Path | str, scale: Scale, players: list[str]) -> Finished:
    flags = [flag for player in players for flag in ("--player", player)]
    return grunt_archive(
        "sync", "--json", "--matches-only", "--no-films", "--rps", f"{scale.worker_rps:g}",
        "--concurrency", str(scale.concurrency), *flags, db=db, api_base=sim.url,  # type: ignore[arg-type]
    )  # fmt: skip


def _measure(scale: Scale, workdir: Path, url: str) -> Figure:
    matches = max(4, scale.backfill_matches // 40)
    options = ("--players", str(PLAYERS), "--matches", str(matches), "--seed", SEED)
    with simulator(*options, "--latency-ms", str(scale.latency_ms)) as sim:
        players = [player["player_id"] for player in sim.state()["players"]]
        note(f"workers: {PLAYERS} players, {matches} matches each, 1 worker into SQLite")
        sim.reset_counts()
        db = fresh_db(workdir, "workers")
        one = _sync(sim, db, scale, players)
        if one.returncode != 0:
            raise RuntimeError(f"sync exited {one.returncode}: {one.stderr[-2000:]}")
        one_requests = sum(sim.counts().values())
        note(f"workers: {WORKERS} workers into PostgreSQL")
        prepared = grunt_archive("db", "upgrade", db=url, api_base=sim.url)  # type: ignore[arg-type]
        if prepared.returncode != 0:
            raise RuntimeError(f"db upgrade exited {prepared.returncode}: {prepared.stderr}")
        sim.reset_counts()
        began = time.perf_counter()
        with ThreadPoolExecutor(WORKERS) as pool:
            runs = list(pool.map(lambda _: _sync(sim, url, scale, players), range(WORKERS)))
        wall = time.perf_counter() - began
        many_requests = sum(sim.counts().values())
    failed = [run.stderr.strip()[-300:] for run in runs if run.returncode != 0]
    stored, distinct, same = _matches(db, url)
    once = not failed and stored == distinct and same
    note(f"workers: {stored} matches stored ({distinct} distinct), same set as SQLite: {same}")
    return Figure(
        f"workers: {WORKERS} into PostgreSQL vs 1 into SQLite, {PLAYERS} players sharing"
        f" {distinct:,} matches, {scale.latency_ms:g} ms latency,"
        f" --rps {scale.worker_rps:g} a worker (matches only)",
        f"{wall:.1f} s, {many_requests:,} requests, {'every match once' if once else 'NOT once'}",
        f"{one.seconds:.1f} s, {one_requests:,} requests (1 worker, SQLite)",
        one.seconds / wall,
        "≥ 1.50, every match once",
        once and one.seconds / wall >= 1.5,
    )


def _matches(db: Path, url: str) -> tuple[int, int, bool]:
    """Return the PostgreSQL archive's match rows, its distinct ids, and whether SQLite's equal."""
    import psycopg

    with psycopg.connect(url) as connection:
        ids = [row[0] for row in connection.execute("SELECT match_id FROM matches")]
    with sqlite3.connect(db) as connection:
        reference = {row[0] for row in connection.execute("SELECT match_id FROM matches")}
    return len(ids), len(set(ids)), set(ids) == reference
