"""`grunt-archive demo`: simulator → sync → Datasette, in one process, for a newcomer."""

from __future__ import annotations

from pathlib import Path

from grunt_archive.api import Tokens
from grunt_archive.progress import TerminalProgress
from grunt_archive.runner import ClientSettings, run_sync
from grunt_archive.serve import serve
from grunt_archive.simulator import SimulatorConfig, running_simulator
from grunt_archive.sync import SyncOptions


def run_demo(
    db_path: Path, port: int = 8001, matches: int = 300, open_browser: bool = False
) -> None:
    """Start a simulator, archive its first player's history into ``db_path``, serve it.

    Everything runs in this process (the simulator on a background thread),
    so Ctrl-C ends all of it.
    """
    config = SimulatorConfig(seed=7, players=3, matches=matches)
    with running_simulator(config) as (base_url, _simulator):
        print(f"Simulated Halo services at {base_url}", flush=True)
        settings = ClientSettings(
            tokens=Tokens("v4=demo-token"), api_base=base_url, rps=None, concurrency=8
        )
        report = run_sync(db_path, settings, SyncOptions(), TerminalProgress())
        print(
            f"Archived {report.matches_added} matches of "
            f"{', '.join(report.players)} into {db_path}",
            flush=True,
        )
    base = f"http://127.0.0.1:{port}"
    print(
        f"Career dashboard: {base}/-/dashboards/career\n"
        f"Canned queries (career summary, CSR history, teammates…): {base}/{db_path.stem}",
        flush=True,
    )
    serve(db_path, port=port, open_browser=open_browser)
