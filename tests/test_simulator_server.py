"""The simulator as a real server: a started process, a background thread, the CLI."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from grunt_archive.simulator import Simulator, SimulatorConfig, running_simulator
from grunt_archive.simulator.command import simulate
from tests.simulator_fixtures import AUTH

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r"grunt-archive simulator listening on (http://127\.0\.0\.1:\d+)\n")


def _first_line(process: subprocess.Popen, timeout: float = 15) -> str:
    """Read the first stdout line, or fail after `timeout` seconds."""
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not lines:
        process.kill()
        pytest.fail(f"no line from the simulator within {timeout} s")
    return lines[0]


@pytest.mark.slow
def test_started_process_prints_its_url_serves_and_stops_cleanly_on_ctrl_c():
    process = subprocess.Popen(
        [sys.executable, "-m", "grunt_archive.simulator", "--port", "0", "--matches", "30"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        found = LINE.fullmatch(_first_line(process))
        assert found, "expected exactly the listening line"
        url = found[1]
        me = httpx.get(f"{url}/users/me", headers=AUTH, timeout=5)
        assert me.status_code == 200 and me.headers["content-type"] == "application/json"
        player = f"xuid({me.json()['xuid']})"
        page = httpx.get(f"{url}/hi/players/{player}/matches", headers=AUTH, timeout=5).json()
        assert page["ResultCount"] == 25
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "Traceback" not in err and out == ""


def test_running_simulator_serves_in_a_thread_and_shuts_down():
    sim = Simulator(SimulatorConfig(seed=3, players=1, matches=12))
    with running_simulator(sim) as (base_url, served):
        assert served is sim
        response = httpx.get(f"{base_url}/hi/players/{sim.player_ids[0]}/matches", headers=AUTH)
        assert response.status_code == 200 and response.json()["ResultCount"] == 12
        sim.play(sim.player_ids[0], 1)  # from this thread, while the server thread serves
        state = httpx.get(f"{base_url}/_simulator/state").json()
        assert state["players"][0]["match_count"] == 13 and state["counts"]["history"] == 1
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{base_url}/_simulator/state", timeout=1)
    with running_simulator(SimulatorConfig(matches=3)) as (other_url, other):
        assert other_url != base_url and len(other.history(other.player_ids[0])) == 3


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--fail-429", "1.5"], "--fail-429"),
        (["--fail-429", "0.7", "--fail-5xx", "0.7"], "add up to more than 1"),
        (["--players", "0"], "--players"),
        (["--port", "70000"], "--port"),
        (["--fail-429", "0.5", "--fail-429-host", "blobs"], "no simulated host is called 'blobs'"),
    ],
)
def test_bad_options_are_one_line_usage_errors(arguments, message):
    result = CliRunner().invoke(simulate, arguments)
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output


def test_help_documents_every_option():
    result = CliRunner().invoke(simulate, ["--help"])
    assert result.exit_code == 0 and "Example:" in result.output
    for option in (
        "--host", "--port", "--seed", "--players", "--matches", "--latency-ms", "--fail-429",
        "--fail-429-host", "--retry-after", "--no-retry-after", "--fail-5xx", "--stats-404", "--token-requests",
        "--malformed-matches", "--arrivals",
    ):  # fmt: skip
        assert option in result.output


def test_fail_429_host_help_names_every_simulated_host():
    """blobs-infiniteugc (film chunks) answered 429s on request but its --help left it out."""
    from grunt_archive.simulator.hosts import HOST_OF_KIND

    (option,) = [p for p in simulate.params if p.name == "fail_429_hosts"]
    named = set(re.findall(r"[a-z][a-z-]*", option.help.split("(")[1].split(")")[0]))
    assert named == set(HOST_OF_KIND.values())
