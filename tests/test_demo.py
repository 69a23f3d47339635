"""`grunt-archive demo` and `serve`: a real process, pages that render, a clean Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest

from tests.helpers import free_port

pytestmark = pytest.mark.slow


def test_demo_archives_serves_and_stops_cleanly_on_ctrl_c(tmp_path):
    port = free_port()
    db = tmp_path / "demo.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRUNT_ARCHIVE_")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "grunt_archive",
            "demo",
            "--db",
            str(db),
            "--port",
            str(port),
            "--matches",
            "60",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines = []
        for line in process.stdout:  # the demo prints its progress, then the URL it serves
            lines.append(line)
            if line.startswith("Serving"):
                break
        (archived,) = [line for line in lines if "Archived 60 matches" in line]
        assert "xuid(" not in archived, archived  # the player by gamertag, as people read
        url = f"http://127.0.0.1:{port}/"
        assert url in lines[-1]
        # Only the server that is up is named: never the simulator, stopped by now.
        assert not any("http://" in line for line in lines[:-1]), lines
        links = [process.stdout.readline(), process.stdout.readline()]
        assert links[0].startswith(f"Career dashboard: {url}-/dashboards/career"), links
        assert f"{url}demo" in links[1], links
        with urllib.request.urlopen(
            f"{url}demo/matches.json?_shape=array&_size=100", timeout=30
        ) as response:
            matches = json.load(response)
        assert len(matches) == 60
        with urllib.request.urlopen(f"{url}demo/match_players.csv?_size=5", timeout=30) as response:
            csv_lines = response.read().decode().splitlines()
        assert "match_id" in csv_lines[0].split(",") and len(csv_lines) == 6
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "Traceback" not in process.stderr.read()
    # Nothing is left listening on the port.
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0
