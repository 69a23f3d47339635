"""grunt-archive's benchmark: every performance figure of issue 7 next to its bound.

Usage::

    .venv/bin/python bench/run.py            # the full bench (about 10 minutes)
    .venv/bin/python bench/run.py --quick    # smaller sizes (about 2 minutes)
    .venv/bin/python bench/run.py --smoke    # the smallest sizes, for tests/test_bench.py

Prints one Markdown table (figure, measured, bound, ratio, target, result) on
stdout, progress on stderr, and exits 1 when any figure misses its target. The
archives the query and reparse figures read are built once and cached in
``bench/.cache/`` (one per schema revision).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from clan import clan_figures
from film import film_figures, film_request_figures
from harness import SCALES, Figure, note, table
from network import memory_figures, sync_figures
from queries import query_figures
from startup import help_figure
from storage import disk_figure, reparse_figure, store_figure
from versus import versus_figures
from workers import workers_figures

SECTIONS = (
    "startup",
    "sync",
    "store",
    "disk",
    "reparse",
    "memory",
    "queries",
    "clan",
    "film",
    "versus",
    "workers",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="smaller sizes (about 2 minutes)")
    size.add_argument("--smoke", action="store_true", help="the smallest sizes (seconds)")
    parser.add_argument(
        "--only", choices=SECTIONS, action="append", help="run only this section (repeatable)"
    )
    args = parser.parse_args(argv)
    scale = SCALES["smoke" if args.smoke else "quick" if args.quick else "full"]
    sections = args.only or list(SECTIONS)
    began = time.perf_counter()
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="grunt-archive-bench-") as directory:
        workdir = Path(directory)
        if "startup" in sections:
            figures.append(help_figure(scale))
        if "sync" in sections:
            figures += sync_figures(scale, workdir)
        if "store" in sections:
            figures.append(store_figure(scale, workdir))
        if "disk" in sections:
            figures.append(disk_figure(scale, workdir))
        if "reparse" in sections:
            figures.append(reparse_figure(scale, workdir))
        if "memory" in sections:
            figures += memory_figures(scale, workdir)
        if "queries" in sections:
            figures += query_figures(scale, workdir)
        if "clan" in sections:
            figures += clan_figures(scale, workdir)
        if "film" in sections:
            figures += film_request_figures(scale, workdir)
            figures += film_figures(scale)
        if "versus" in sections:
            figures += versus_figures(scale, workdir)
        if "workers" in sections:
            figures += workers_figures(scale, workdir)
    print(table(figures))
    failed = [f.name for f in figures if not f.passed]
    note(
        f"{scale.name} bench: {len(figures)} figures, {len(failed)} missed their target,"
        f" {time.perf_counter() - began:.0f} s"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
