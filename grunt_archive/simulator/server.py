"""Serve a `Simulator` over real HTTP with uvicorn, blocking or in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import uvicorn

from grunt_archive.errors import GruntArchiveError
from grunt_archive.simulator.config import SimulatorConfig
from grunt_archive.simulator.core import Simulator
from grunt_archive.wording import quoted

READY_LINE = "grunt-archive simulator listening on {url}"


class _Server(uvicorn.Server):
    """A uvicorn server that calls `on_ready` once it accepts connections."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start listening, then report readiness."""
        await super().startup(sockets=sockets)
        if self.started:
            self._on_ready()


def _bind(host: str, port: int) -> tuple[socket.socket, str]:
    """Bind a listening socket (port 0 picks a free one); return it and its base URL."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Name the protocol: asyncio turns Nagle off only on sockets whose proto is
    # IPPROTO_TCP, and with Nagle on every keep-alive response waits ~40 ms for
    # the client's delayed ACK, doubling a 50 ms latency.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise GruntArchiveError(f"cannot listen on {host}:{port}: {error.strerror}") from error
    except (UnicodeError, TypeError, ValueError):  # "encoding of hostname failed"
        sock.close()
        raise GruntArchiveError(f"cannot listen on {quoted(host)}: not a host name") from None
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    return sock, f"http://{shown}:{sock.getsockname()[1]}"


def _server(simulator: Simulator, on_ready: Callable[[], None]) -> _Server:
    config = uvicorn.Config(
        simulator.app,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=2,
    )
    return _Server(config, on_ready)


def serve(simulator: Simulator, host: str = "127.0.0.1", port: int = 8002) -> None:
    """Serve until interrupted, printing one line with the URL once listening.

    Args:
        simulator: What to serve.
        host: Interface to listen on.
        port: Port to listen on; 0 picks a free one (the printed line tells which).

    Raises:
        GruntArchiveError: The address cannot be bound.

    """
    sock, url = _bind(host, port)

    def announce() -> None:
        print(READY_LINE.format(url=url), flush=True)

    try:
        _server(simulator, announce).run(sockets=[sock])
    finally:
        sock.close()


@contextmanager
def running_simulator(
    config_or_simulator: SimulatorConfig | Simulator | None = None,
    host: str = "127.0.0.1",
    timeout: float = 10.0,
) -> Iterator[tuple[str, Simulator]]:
    """Run a simulator on a free port in a daemon thread for the length of a ``with``.

    Example:
        >>> with running_simulator(SimulatorConfig(matches=10)) as (base_url, sim):
        ...     httpx.get(f"{base_url}/_simulator/state").status_code
        200

    Args:
        config_or_simulator: A config to build a simulator from, or one to serve.
        host: Interface to listen on.
        timeout: Seconds to wait for the server to start, and to stop.

    Yields:
        ``(base_url, simulator)``, once the server answers requests.

    Raises:
        GruntArchiveError: The server did not answer within `timeout`.

    """
    simulator = (
        config_or_simulator
        if isinstance(config_or_simulator, Simulator)
        else Simulator(config_or_simulator)
    )
    sock, url = _bind(host, 0)
    ready = threading.Event()
    server = _server(simulator, ready.set)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="grunt-archive-simulator", daemon=True
    )
    thread.start()
    try:
        _wait_until_answering(url, ready, thread, time.monotonic() + timeout)
        yield url, simulator
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()


def _wait_until_answering(
    url: str, ready: threading.Event, thread: threading.Thread, deadline: float
) -> None:
    """Poll until the server thread is listening and answers its admin route."""
    while time.monotonic() < deadline and thread.is_alive():
        if ready.wait(0.05):
            try:
                if httpx.get(f"{url}/_simulator/state", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.02)
    raise GruntArchiveError(f"the simulator at {url} did not start")
