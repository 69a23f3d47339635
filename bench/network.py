"""Sync figures: a backfill against a slow service, a no-op sync, and peak memory.

Every figure comes from a real ``grunt-archive sync`` process talking HTTP to a
started ``grunt-archive simulate`` process, as a user's nightly run would.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from harness import (
    Figure,
    Scale,
    Simulator,
    fresh_db,
    grunt_archive,
    note,
    simulator,
    wall,
)

from grunt_archive.simulator.hosts import HOST_OF_KIND

SEED = "7"
MEMORY_LIMIT_MB = 150.0
NOOP_RUNS = 5
NOOP_WALL_LIMIT = 0.6  # seconds: issue 18's bound on the nightly run that finds nothing
# Issue 18's second backfill: twice the default requests in flight, on the 2 cores.
WIDE_CONCURRENCY = 8
# What `sync` imports: the CLI itself loads its commands' machinery only when they run.
SYNC_IMPORTS = "import grunt_archive.cli, grunt_archive.progress, grunt_archive.runner"


def _sync(
    sim: Simulator, db: Path, scale: Scale, *extra: str, concurrency: int | None = None
) -> tuple[dict, dict[str, int]]:
    """Run one sync from a clean request count; return its JSON report and the requests."""
    sim.reset_counts()
    run = grunt_archive(
        "sync",
        "--json",
        "--rps",
        str(scale.rps),
        "--concurrency",
        str(concurrency or scale.concurrency),
        *extra,
        db=db,
        api_base=sim.url,
    )
    if run.returncode != 0:
        raise RuntimeError(f"sync exited {run.returncode}: {run.stderr.strip()[-2000:]}")
    report = run.json()
    report["process_seconds"] = run.seconds
    report["max_rss_mb"] = run.max_rss_mb
    return report, sim.counts()


def sync_figures(scale: Scale, workdir: Path) -> list[Figure]:
    """Backfill throughput against its bound, then a no-op sync of the same archive."""
    n, latency = scale.backfill_matches, scale.latency_ms / 1000
    options = ("--players", "1", "--matches", str(n), "--latency-ms", str(scale.latency_ms))
    with simulator(*options, "--seed", SEED) as sim:
        db = fresh_db(workdir, "backfill")
        figures = [
            _backfill_figure(sim, db, scale, scale.concurrency),
            _backfill_figure(sim, fresh_db(workdir, "backfill-wide"), scale, WIDE_CONCURRENCY),
        ]

        note("no-op sync of the same archive")
        noop, counts = _sync(sim, db, scale)
        # The nightly run that finds nothing: what a player's timer waits for, start to end.
        walls = [noop["process_seconds"]]
        walls += [_sync(sim, db, scale)[0]["process_seconds"] for _ in range(NOOP_RUNS - 1)]
        process_wall = statistics.median(walls)
        repeats = range(max(1, scale.repeats))
        imports = min(wall([sys.executable, "-c", SYNC_IMPORTS]) for _ in repeats)
        floor = min(wall([sys.executable, "-c", "pass"]) for _ in repeats)
        shown = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"
        figures += [
            Figure(
                "no-op sync: requests",
                shown,
                "history 1",
                None,
                "history 1, no other",
                counts == {"history": 1},
            ),
            Figure(
                "no-op sync: time in the sync",
                f"{noop['seconds']:.3f} s",
                f"{latency:.3f} s (1 request)",
                latency / noop["seconds"] if noop["seconds"] else None,
                "< 0.5 s",
                noop["seconds"] < 0.5 and noop["matches_added"] == 0,
            ),
            Figure(
                f"no-op sync: process wall time, median of {NOOP_RUNS} fresh processes",
                f"{process_wall:.2f} s ({imports:.2f} s of it imports)",
                f"{floor + latency:.3f} s (python -c pass, 1 request)",
                (floor + latency) / process_wall,
                f"≤ {NOOP_WALL_LIMIT:.1f} s",
                process_wall <= NOOP_WALL_LIMIT,
            ),
        ]
    return figures


def _backfill_figure(sim: Simulator, db: Path, scale: Scale, concurrency: int) -> Figure:
    """Backfill the simulator's whole history into ``db``; its seconds against its bound."""
    n, latency = scale.backfill_matches, scale.latency_ms / 1000
    note(f"backfill: {n} matches, {scale.latency_ms:g} ms a request, {concurrency} in flight")
    report, counts = _sync(sim, db, scale, concurrency=concurrency)
    requests, seconds = sum(counts.values()), report["seconds"]
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
    note(f"backfill requests: {kinds}; rates per host at the end: {report.get('rates')}")
    bound, shown = _backfill_bound(counts, latency, scale, concurrency)
    return Figure(
        f"backfill: {report['matches_added']:,} matches, {scale.latency_ms:g} ms latency,"
        f" --concurrency {concurrency} --rps {scale.rps:g} (per host)",
        f"{seconds:.1f} s ({requests / seconds:.0f} req/s)",
        f"{bound:.1f} s ({shown})",
        bound / seconds,
        "≥ 0.80",
        report["matches_added"] == n and bound / seconds >= 0.8,
    )


def _backfill_bound(
    counts: dict[str, int], latency: float, scale: Scale, concurrency: int
) -> tuple[float, str]:
    """Return the service's limit on a backfill's seconds, and how it was reached.

    Every request waits `latency` in one of `concurrency` slots shared by all hosts, and
    each host starts at most `rps` a second: the busiest host's requests ÷ `rps`.
    """
    requests = sum(counts.values())
    by_host: dict[str, int] = {}
    for kind, n in counts.items():
        host = HOST_OF_KIND.get(kind, kind)
        by_host[host] = by_host.get(host, 0) + n
    busiest, most = max(by_host.items(), key=lambda item: item[1])
    slots = requests * latency / concurrency
    paced = most / scale.rps
    if paced > slots:
        return paced, f"{most:,} req on {busiest} / {scale.rps:g} per s"
    return slots, f"{requests:,} req x {scale.latency_ms:g} ms / {concurrency}"


def memory_figures(scale: Scale, workdir: Path) -> list[Figure]:
    """Peak RSS of a whole backfill of growing histories, each in a fresh process."""
    peaks: dict[int, float] = {}
    floor = 0.0
    for n in scale.memory_sizes:
        options = ("--players", "1", "--matches", str(n), "--latency-ms", "0")
        with simulator(*options, "--seed", SEED) as sim:
            db = fresh_db(workdir, f"memory-{n}")
            note(f"memory: backfill of {n} matches")
            report, _ = _sync(sim, db, scale)
            if report["matches_added"] != n:
                raise RuntimeError(f"memory run archived {report['matches_added']} of {n}")
            peaks[n] = report["max_rss_mb"]
            if not floor:
                # The floor: the same process with nothing to do (interpreter, imports, one page).
                noop, _ = _sync(sim, db, scale)
                floor = noop["max_rss_mb"]
    figures = [
        Figure(
            f"memory: peak RSS, backfill of {n:,} matches",
            f"{peak:.0f} MB",
            f"{floor:.0f} MB (no-op sync)",
            floor / peak,
            f"< {MEMORY_LIMIT_MB:.0f} MB",
            peak < MEMORY_LIMIT_MB,
        )
        for n, peak in peaks.items()
    ]
    smallest, largest = min(peaks), max(peaks)
    growth = peaks[largest] - peaks[smallest]
    figures.append(
        Figure(
            f"memory: growth from {smallest:,} to {largest:,} matches",
            f"{growth:+.1f} MB",
            f"{peaks[smallest]:.0f} MB (at {smallest:,})",
            peaks[smallest] / peaks[largest],
            "≥ 0.90 (flat)",
            peaks[smallest] / peaks[largest] >= 0.9,
        )
    )
    return figures
