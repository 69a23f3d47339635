"""What every benchmark section shares: the result rows, the table, and processes.

A figure is measured next to its bound, and both come from the same run on the
same machine: a ratio (bound ÷ measured for times, measured ÷ bound for rates)
says how close grunt-archive gets to what the service or SQLite allows.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Archives built once and kept between runs ($GRUNT_ARCHIVE_BENCH_CACHE moves them).
CACHE = Path(os.environ.get("GRUNT_ARCHIVE_BENCH_CACHE") or ROOT / "bench" / ".cache")
TOKEN = "v4=bench-spartan-token"
# A sign-in file that never exists: the bench uses its own token, never a real sign-in.
NO_SIGN_IN = Path(tempfile.gettempdir()) / "grunt-archive-bench-never-signed-in" / "auth.json"


def user_environment() -> dict[str, str]:
    """Return this environment as a user's runs see it: Python keeps its bytecode caches.

    A development shell may set ``PYTHONDONTWRITEBYTECODE``; an installed
    grunt-archive has its ``.pyc`` files, and every start-up figure (and the
    SPNKr script's) is measured as a user starts it. The first run writes them.
    """
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


@dataclass
class Figure:
    """One row of the table.

    ``ratio`` is how far the figure reaches towards its bound (1.0 = the bound);
    ``passed`` is whether it meets its target.
    """

    name: str
    measured: str
    bound: str
    ratio: float | None
    target: str
    passed: bool


@dataclass(frozen=True)
class Scale:
    """How big each section runs: the full bench, ``--quick``, or ``--smoke`` (the test)."""

    name: str
    backfill_matches: int
    latency_ms: float
    concurrency: int
    rps: float
    store_matches: int
    reparse_matches: int
    memory_sizes: tuple[int, ...]
    memory_latency_ms: float
    query_matches: int
    repeats: int
    versus_matches: int = 100  # the side by side with SPNKr (`versus`)
    versus_cpu_runs: int = 3  # alternating unlimited runs of each side, for their medians
    clan_members: int = 300  # players tracked in the clan's copy of the query archive (`clan`)
    # Requests a second to each host, per worker (`workers`): the CLI's default, which the
    # service's limit per token stands for. The smoke run (a test) only needs the table.
    worker_rps: float = 5


SCALES = {
    "full": Scale("full", 2000, 50, 4, 1000, 2000, 10_000, (1000, 5000, 10_000), 0, 50_000, 3, 507),
    "quick": Scale("quick", 500, 50, 4, 1000, 1000, 2000, (250, 500, 1000), 0, 10_000, 3, 100),
    # Smoke: one unlimited run a side in `versus` (the 1), 20 clan members.
    "smoke": Scale("smoke", 40, 10, 4, 1000, 40, 60, (20, 40), 0, 150, 1, 20, 1, 20, worker_rps=50),
}


def ratio_text(ratio: float | None) -> str:
    """Return a ratio as printed in the table."""
    return "" if ratio is None else f"{ratio:.2f}"


def table(figures: list[Figure]) -> str:
    """Return the figures as a Markdown table (it reads as well in a terminal)."""
    header = ("figure", "measured", "bound", "ratio", "target", "result")
    rows = [
        (f.name, f.measured, f.bound, ratio_text(f.ratio), f.target, "PASS" if f.passed else "FAIL")
        for f in figures
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def note(text: str) -> None:
    """Say what the bench is doing (stderr, so stdout is the table alone)."""
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def wall(command: list[str]) -> float:
    """Return the wall time of one fresh run of ``command``, in seconds, as a user starts it."""
    began = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True, cwd=ROOT, env=user_environment())
    return time.perf_counter() - began


def best_of(repeats: int, run: Callable[[], object]) -> float:
    """Return the shortest of ``repeats`` timings of ``run`` in seconds (noise only adds)."""
    times = []
    for _ in range(max(1, repeats)):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return min(times)


# --- processes ---------------------------------------------------------------


@dataclass
class Simulator:
    """A started `grunt-archive simulate` process and its base URL."""

    process: subprocess.Popen
    url: str

    def state(self) -> dict:
        with urllib.request.urlopen(f"{self.url}/_simulator/state", timeout=30) as response:
            return json.load(response)

    def reset_counts(self) -> None:
        request = urllib.request.Request(
            f"{self.url}/_simulator/reset-counts", method="POST", data=b""
        )
        with urllib.request.urlopen(request, timeout=30):
            pass

    def counts(self) -> dict[str, int]:
        """Requests the simulator answered since the last reset, by kind (no fault counters)."""
        counts = self.state()["counts"]
        return {k: v for k, v in counts.items() if k != "faults" and not k.startswith("fault_")}


@contextmanager
def simulator(*options: str) -> Iterator[Simulator]:
    """Start a simulator process on a free port; stop it afterwards."""
    process = subprocess.Popen(
        [sys.executable, "-m", "grunt_archive", "simulate", "--port", "0", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if "listening on " not in line:
            error = process.stderr.read() if process.stderr else ""
            raise RuntimeError(f"the simulator did not start: {line!r} {error}")
        yield Simulator(process, line.rsplit(" ", 1)[-1].strip())
    finally:
        process.terminate()
        process.wait(timeout=30)


@dataclass
class Finished:
    """A finished CLI process: exit status, output, wall time and peak memory."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_mb: float
    cpu_seconds: float = 0.0  # user + system, the whole process (imports included)

    def json(self) -> dict:
        return json.loads(self.stdout.strip().splitlines()[-1])


def grunt_archive(*args: str, db: Path, api_base: str, timeout: float = 1800) -> Finished:
    """Run ``python -m grunt_archive ARGS`` to its end; measure its wall time and peak RSS.

    The peak RSS is this one process's own, never the simulator's.
    """
    environment = {
        k: v for k, v in user_environment().items() if not k.startswith("GRUNT_ARCHIVE_")
    }
    environment |= {
        "GRUNT_ARCHIVE_DB": str(db),
        "GRUNT_ARCHIVE_API_BASE": api_base,
        "GRUNT_ARCHIVE_SPARTAN_TOKEN": TOKEN,
        "GRUNT_ARCHIVE_AUTH_FILE": str(NO_SIGN_IN),
    }
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        began = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "grunt_archive", *args],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env=environment,
            cwd=ROOT,
            text=True,
        )
        deadline = began + timeout
        peak_kb = 0
        while True:
            peak_kb = max(peak_kb, _peak_rss_kb(process.pid))
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.005)
        seconds = time.perf_counter() - began
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return Finished(process.returncode, out.read(), err.read(), seconds, peak_kb / 1024, cpu)


def _peak_rss_kb(pid: int) -> int:
    """Return the process's peak RSS so far (``VmHWM``), 0 once it has exited.

    Not ``wait4``'s ``ru_maxrss``: that counts the fork's copy of this (large)
    process before the child's ``exec``.
    """
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def fresh_db(directory: Path, name: str) -> Path:
    """Return a path for a new archive, removing any earlier file of that name."""
    path = directory / f"{name}.db"
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def cached_build(directory: Path, build: Callable[[Path], object]) -> Path:
    """Return ``directory/halo.db``, built once by ``build(path)`` and kept between runs.

    It is built under another name and renamed when complete, its write-ahead log
    folded in first, so an interrupted build is never taken for a cached archive.
    """
    path = directory / "halo.db"
    if path.exists():
        return path
    directory.mkdir(parents=True, exist_ok=True)
    building = fresh_db(directory, "building")
    build(building)
    with closing(sqlite3.connect(building)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    building.rename(path)
    Path(f"{building}.lock").unlink(missing_ok=True)
    return path
