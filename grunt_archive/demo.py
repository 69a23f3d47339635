"""`grunt-archive demo`: simulator → sync → Datasette, in one process, for a newcomer."""

from __future__ import annotations

from pathlib import Path

from grunt_archive.api import Tokens
from grunt_archive.progress import TerminalProgress
from grunt_archive.runner import ClientSettings, run_sync
from grunt_archive.serve import listen, serve
from grunt_archive.simulator import SimulatorConfig, running_simulator
from grunt_archive.sync import SyncOptions
from grunt_archive.wording import counted

HOST = "127.0.0.1"


def _links(base: str, database: str) -> str:
    return (
        f"Career dashboard: {base}/-/dashboards/career\n"
        f"Canned queries (career summary, CSR history, teammates…): {base}/{database}"
    )


def run_demo(
    db_path: Path, port: int = 8001, matches: int = 300, open_browser: bool = False
) -> None:
    """Start a simulator, archive its first player's history into ``db_path``, serve it.

    The port is bound first, so a busy one fails before a minute of simulating.
    Everything runs in this process (the simulator on a background thread), so
    Ctrl-C ends all of it. The simulator's address is never printed: it stops
    once the archive is built.

    Raises:
        UsageError: the port is busy or forbidden.

    """
    sock = listen(HOST, port)
    try:
        config = SimulatorConfig(seed=7, players=3, matches=matches)
        with running_simulator(config) as (base_url, simulator):
            print("Archiving a simulated player's matches…", flush=True)
            settings = ClientSettings(
                tokens=Tokens("v4=demo-token"), api_base=base_url, rps=None, concurrency=8
            )
            report = run_sync(db_path, settings, SyncOptions(), TerminalProgress())
            names = ", ".join(simulator.gamertag(player) for player in report.players)
        archived = counted(report.matches_added, "match")
        print(f"Archived {archived} of {names} into {db_path}", flush=True)
    except BaseException:
        sock.close()
        raise
    # The links are printed once the server accepts connections, never for one that failed.
    serve(db_path, HOST, port, open_browser, sock=sock, banner=_links)
