"""Startup figure: the wall time of ``grunt-archive --help`` against a bare interpreter.

Listing the commands must not import any command's machinery (SQLAlchemy,
httpx, Datasette, the simulator), so it costs little more than Python and
click starting. Each time is a fresh process; the median of several runs
keeps one slow start on a shared machine from deciding the figure.
"""

from __future__ import annotations

import statistics
import sys

from harness import Figure, Scale, note, wall

HELP_LIMIT = 0.3  # seconds: issue 12's bound on `grunt-archive --help`


def help_figure(scale: Scale) -> Figure:
    """``python -m grunt_archive --help`` against ``python -c pass``, medians of fresh runs."""
    runs = 5 if scale.name == "smoke" else 15
    note(f"startup: grunt-archive --help, {runs} runs")
    floors, times = [], []
    wall([sys.executable, "-m", "grunt_archive", "--help"])  # the bytecode caches, as installed
    for _ in range(runs):
        # Alternating, both medians see the same load on the machine.
        floors.append(wall([sys.executable, "-c", "pass"]))
        times.append(wall([sys.executable, "-m", "grunt_archive", "--help"]))
    floor, seconds = statistics.median(floors), statistics.median(times)
    return Figure(
        "startup: grunt-archive --help, wall time of a fresh process",
        f"{seconds:.3f} s (median of {runs})",
        f"{floor:.3f} s (python -c pass)",
        floor / seconds,
        f"≤ {HELP_LIMIT:.1f} s",
        seconds <= HELP_LIMIT,
    )
