"""The benchmark harness (bench/run.py) runs end to end at its smallest size.

Only that the table comes out is checked, never the timings: they belong to the
machine, and the real figures come from ``bench/run.py`` itself.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def test_the_smallest_bench_prints_every_figure_with_its_bound(tmp_path: Path) -> None:
    # Its own cache, so the archives it reads are built by this very run.
    environment = {**os.environ, "GRUNT_ARCHIVE_BENCH_CACHE": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--smoke"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=environment,
    )
    assert result.returncode in (0, 1), result.stderr[-3000:]  # 1: some target missed
    lines = result.stdout.strip().splitlines()
    header = [cell.strip() for cell in lines[0].split("|")[1:-1]]
    assert header == ["figure", "measured", "bound", "ratio", "target", "result"]
    names = [line.split("|")[1].strip() for line in lines[2:]]
    for expected in (
        "startup: grunt-archive --help",
        "backfill:",
        "no-op sync: requests",
        "no-op sync: time",
        "store:",
        "disk: archive bytes per match",
        "reparse:",
        "memory: peak RSS",
        "memory: growth",
        "query",
        # A clan's copy of the query archive: a member's pages, each query for nobody and one.
        "clan (20 players, 150 matches): home /",
        "clan (20 players, 150 matches): player page /player/{gamertag}",
        "clan (20 players, 150 matches): canned query by_mode [all]",
        "clan (20 players, 150 matches): canned query csr_history [player]",
        "clan (20 players, 150 matches): dashboard career: chart rolling_kd [all]",
        "films: requests a sync adds per match",
        "films: requests of the whole sync",
        "film reader:",
    ):
        assert any(name.startswith(expected) for name in names), (expected, names)
    # The side by side needs SPNKr, a bench-only extra: present exactly when it is installed.
    has_spnkr = importlib.util.find_spec("spnkr") is not None
    assert any(name.startswith("versus SPNKr:") for name in names) == has_spnkr
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.split("|")[1:-1]]
        assert len(cells) == 6 and cells[5] in ("PASS", "FAIL"), line
        assert cells[1] and cells[2], line  # every figure is measured next to its bound
