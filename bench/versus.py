"""grunt-archive side by side with the SPNKr script (``spnkr_dump.py``), same simulator.

Both talk HTTP to one started simulator (one player, ``Scale.versus_matches``
matches, ``Scale.latency_ms`` a request), each into a fresh file: first at the
default settings (grunt-archive's own; SPNKr's 5 requests a second per
service), then at an unlimited rate for the CPU per match (the whole process's
user + system time, imports included, on both sides; each side's median of
``Scale.versus_cpu_runs`` runs, the two sides in turn). The bytes are the first
unlimited run's files' after a checkpoint: grunt-archive's also hold skill, names, service records.
The last rows set the 1.3x budget against what the archive's rows alone cost
(the same documents parsed, deflated and written by bare ``executemany``: no
requests, no normalizing, no enrichment) and the script's requests alone on
grunt-archive's HTTP client (``requests_alone.py``, run in turn with the
other two): their sum is the floor of any
archive of these tables on this client, so that a miss can be told from a
target no such archive can meet. SPNKr is a bench-only dependency
(``pip install -e '.[bench]'``); without it this section says so and reports
nothing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

from harness import (
    Figure,
    Scale,
    Simulator,
    fresh_db,
    grunt_archive,
    note,
    simulator,
    user_environment,
)
from storage import bare_connection, documents, player, raw_document, saved_statements

from grunt_archive.rawbody import encode
from grunt_archive.simulator.hosts import SERVICES

FLOOR_SEED = 7  # the simulator's seed below: the floor writes the same matches
SCRIPT = Path(__file__).resolve().parent / "spnkr_dump.py"
REQUESTS_ALONE = Path(__file__).resolve().parent / "requests_alone.py"
UNLIMITED = "100000"
DEFAULT_RPS = 5  # the CLI's --rps, each host's
# The simulator counts requests by kind; each kind is one host's (simulator/hosts/).
_HOST_OF = {route.kind: host.HOST for host in SERVICES for route in host.ROUTES}


def _script(sim: Simulator, player: str, db: Path, rps: str | None) -> dict:
    """Run the SPNKr script; return its report with wall and requests."""
    sim.reset_counts()
    argv = [sys.executable, str(SCRIPT), sim.url, player, str(db)]
    began = time.perf_counter()
    argv += ["--rps", rps] if rps else []
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=user_environment()
    )
    out, err = process.communicate(timeout=3600)
    seconds = time.perf_counter() - began
    if process.returncode:
        raise RuntimeError(f"the SPNKr script exited {process.returncode}: {err[-2000:]}")
    report = json.loads(out.strip().splitlines()[-1])
    return report | {"wall": seconds, "requests": sum(sim.counts().values())}


def _ours(sim: Simulator, db: Path, *extra: str) -> dict:
    """Run ``grunt-archive sync``; return its report with wall, CPU and requests."""
    sim.reset_counts()
    # The script fetches no theater films: neither does this side (films are bench/film.py's).
    run = grunt_archive("sync", "--json", "--no-films", *extra, db=db, api_base=sim.url)
    if run.returncode != 0:
        raise RuntimeError(f"sync exited {run.returncode}: {run.stderr.strip()[-2000:]}")
    report = run.json()
    counts = sim.counts()
    requests = sum(counts.values())
    return report | {
        "wall": run.seconds,
        "cpu": run.cpu_seconds,
        "requests": requests,
        "counts": counts,
    }


def _busiest_host(counts: dict[str, int]) -> tuple[str, int]:
    """Return the Halo host that answered the most of ``counts`` (by kind), and how many."""
    by_host: dict[str, int] = {}
    for kind, count in counts.items():
        host = (urlsplit(_HOST_OF.get(kind, "")).hostname or kind).split(".")[0]
        by_host[host] = by_host.get(host, 0) + count
    return max(by_host.items(), key=lambda item: item[1])


def _bytes(db: Path) -> int:
    with closing(sqlite3.connect(db)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db.stat().st_size


def versus_figures(scale: Scale, workdir: Path) -> list[Figure]:
    """Default-settings wall, CPU per match unlimited, bytes per match, requests."""
    if importlib.util.find_spec("spnkr") is None:
        note("versus: SPNKr is not installed (pip install -e '.[bench]'): section skipped")
        return []
    n = scale.versus_matches
    options = ("--players", "1", "--matches", str(n), "--latency-ms", str(scale.latency_ms))
    with simulator(*options, "--seed", str(FLOOR_SEED)) as sim:
        player = sim.state()["players"][0]["player_id"]
        note(f"versus: {n} matches, {scale.latency_ms:g} ms, default settings")
        theirs = _script(sim, player, fresh_db(workdir, "spnkr-default"), None)
        ours = _ours(sim, fresh_db(workdir, "versus-default"))
        note(
            f"versus: unlimited rate, CPU (SPNKr {theirs['wall']:.1f} s, ours {ours['wall']:.1f} s)"
        )
        # Alternating runs, each side's median: the same process's CPU moved by 15% and more
        # from one run to the next on the development machine (a virtual one).
        theirs_runs, ours_runs, alone_runs, files = [], [], [], []
        for run in range(scale.versus_cpu_runs):
            theirs_db, our_db = (
                fresh_db(workdir, f"spnkr-fast-{run}"),
                fresh_db(workdir, f"versus-fast-{run}"),
            )
            theirs_runs.append(
                _timed_script(sim, SCRIPT, player, str(theirs_db), "--rps", UNLIMITED)
            )
            ours_runs.append(_ours(sim, our_db, "--rps", UNLIMITED, "--concurrency", "4"))
            alone_runs.append(_timed_script(sim, REQUESTS_ALONE, player))
            files.append((theirs_db, our_db))
    fast_db, ours_db = files[0]  # the files measured: the first run's
    theirs_cpus = sorted(r["cpu"] / r["matches"] * 1000 for r in theirs_runs)
    ours_cpus = sorted(r["cpu"] / r["matches_added"] * 1000 for r in ours_runs)
    alone_cpus = sorted(r["cpu"] / r["matches"] * 1000 for r in alone_runs)
    cpu_theirs, cpu_ours = statistics.median(theirs_cpus), statistics.median(ours_cpus)
    cpu_alone = statistics.median(alone_cpus)
    theirs_fast, ours_fast = theirs_runs[0], ours_runs[0]
    runs = len(ours_cpus)
    median = f", median of {runs} alternating runs" if runs > 1 else ""

    def spread(cpus: list[float]) -> str:
        return f", {cpus[0]:.1f} to {cpus[-1]:.1f}" if len(cpus) > 1 else ""

    bytes_theirs, bytes_ours = _bytes(fast_db) / n, _bytes(ours_db) / n
    busiest, busiest_requests = _busiest_host(ours["counts"])
    own_bound = busiest_requests / DEFAULT_RPS
    return [
        Figure(
            f"first sync of {n} matches, default settings but films, {scale.latency_ms:g} ms:"
            " against its own bound",
            f"{ours['wall']:.1f} s",
            f"{own_bound:.1f} s ({busiest_requests:,} requests to {busiest} at {DEFAULT_RPS}/s)",
            own_bound / ours["wall"],
            "≥ 0.90",
            own_bound / ours["wall"] >= 0.9,
        ),
        Figure(
            f"versus SPNKr: first sync of {n} matches, default settings but films,"
            f" {scale.latency_ms:g} ms",
            f"{ours['wall']:.1f} s ({ours['requests']:,} requests)",
            f"{theirs['wall']:.1f} s (SPNKr script, 5/s per service, {theirs['requests']:,} req)",
            theirs["wall"] / ours["wall"],
            "≥ 0.91 (within 1.1x)",
            theirs["wall"] / ours["wall"] >= 1 / 1.1,
        ),
        Figure(
            f"versus SPNKr: CPU per archived match, unlimited rate (process user + system{median})",
            f"{cpu_ours:.1f} ms{spread(ours_cpus)}",
            f"{cpu_theirs:.1f} ms (SPNKr script{spread(theirs_cpus)})",
            cpu_theirs / cpu_ours,
            "≥ 0.77 (within 1.3x)",
            cpu_ours <= 1.3 * cpu_theirs,
        ),
        Figure(
            "versus SPNKr: CPU per match of the script's requests alone on grunt-archive's"
            f" HTTP client (httpx on its transport; parsed, nothing stored{median})",
            f"{cpu_alone:.1f} ms{spread(alone_cpus)}",
            f"{cpu_theirs:.1f} ms (SPNKr script: the same requests, and its dump)",
            cpu_theirs / cpu_alone,
            "(reported)",
            True,
        ),
        *_floor_figures(n, workdir, budget=1.3 * cpu_theirs, requests=cpu_alone),
        Figure(
            "versus SPNKr: archive bytes per match (whole file)",
            f"{bytes_ours / 1000:.1f} KB",
            f"{bytes_theirs / 1000:.1f} KB (SPNKr script: match id, stats and skill JSON)",
            bytes_theirs / bytes_ours,
            "≥ 1.0",
            bytes_ours <= bytes_theirs,
        ),
        Figure(
            "versus SPNKr: requests, unlimited run",
            f"{ours_fast['requests']:,}",
            f"{theirs_fast['requests']:,} (SPNKr script)",
            None,
            "(reported)",
            True,
        ),
    ]


def _timed_script(sim: Simulator, script: Path, player: str, *extra: str) -> dict:
    """Run a bench script (SPNKr's, or the requests alone), measuring its CPU like ours'."""
    sim.reset_counts()
    argv = [sys.executable, str(script), sim.url, player, *extra]
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=user_environment()
    )
    out = process.stdout.read() if process.stdout else ""
    err = process.stderr.read() if process.stderr else ""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"{script.name} exited {process.returncode}: {err[-2000:]}")
    report = json.loads(out.strip().splitlines()[-1])
    cpu = usage.ru_utime + usage.ru_stime
    return report | {"cpu": cpu, "requests": sum(sim.counts().values())}


def _floor_figures(count: int, workdir: Path, budget: float, requests: float) -> list[Figure]:
    """The CPU a match of the archive's rows alone costs, and with ``requests``, the budget's.

    The same simulated matches (the server's seed, generated in process) are
    parsed, deflated and written as the bare ``executemany`` of the store
    figure writes them (``bench/storage.py``), one transaction each: what any
    archive of these tables pays before a request, a normalizer or a lookup.
    With the script's requests alone on grunt-archive's client (``requests``,
    ms a match), the floor of any archive of these tables on that client.
    """
    note(f"versus: the rows alone, {count} matches")
    docs = list(documents(count, FLOOR_SEED))
    raws = [raw_document(body, doc) for body, doc in docs]
    tracked = player(count, FLOOR_SEED)
    prepared = saved_statements(docs, raws, tracked, workdir)
    bare = bare_connection(fresh_db(workdir, "versus-floor"))
    bare.execute("INSERT INTO players (player_id, is_bot) VALUES (?, 0)", (tracked,))
    began = time.process_time()
    for (body, _), statements in zip(docs, prepared, strict=True):
        json.loads(body)
        encode(body)
        bare.execute("BEGIN")
        for sql, values in statements:
            bare.executemany(sql, values)
        bare.execute("COMMIT")
    floor = (time.process_time() - began) / count * 1000
    bare.close()
    return [
        Figure(
            "versus SPNKr: CPU per match of the archive's rows alone (parse, deflate, bare"
            " executemany, one transaction each; no request, no normalizing)",
            f"{floor:.1f} ms",
            f"{budget:.1f} ms (1.3x the SPNKr script's CPU per match)",
            floor / budget,
            "(reported: share of the budget)",
            True,
        ),
        Figure(
            "versus SPNKr: the floor of any archive of these tables on grunt-archive's client"
            " (the script's requests alone + the rows alone)",
            f"{requests + floor:.1f} ms ({requests:.1f} + {floor:.1f})",
            f"{budget:.1f} ms (1.3x the SPNKr script's CPU per match)",
            budget / (requests + floor),
            "(reported: under 1.0, no such archive meets 1.3x)",
            True,
        ),
    ]
