"""The simulator's layout: one module per Halo host, serving every path `api` calls; no cycle."""

from __future__ import annotations

import ast
import asyncio
import inspect
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import pytest

import grunt_archive.simulator as simulator_package
from grunt_archive import api
from grunt_archive.api import live, settings, xbox
from grunt_archive.api.signin import AppRegistration
from grunt_archive.api.xbox import XboxToken
from grunt_archive.simulator import Simulator, SimulatorConfig, hosts
from grunt_archive.simulator.app import SimulatorApp, find_route
from grunt_archive.simulator.hosts.signin import SignInApp
from grunt_archive.simulator.replies import Route

PACKAGE = Path(simulator_package.__file__).parent
PREFIX = "grunt_archive.simulator"
GUID = "0b91d9c9-819e-4ac2-97bd-e537a4b05b5a"
# A value for every parameter name of the api's endpoint methods and sign-in steps; a
# name missing here fails the test, so a new endpoint cannot go unchecked.
SAMPLES: dict[str, Any] = {
    "player": "xuid(2533274800000001)",
    "gamertag": "Grunt Birthday Party",
    "match_id": GUID,
    "players": ["xuid(2533274800000001)", "xuid(2533274800000002)"],
    "playlist_asset_id": GUID,
    "season": "CsrSeason9-1",
    "asset_id": GUID,
    "version_id": GUID,
    "xuids": ["2533274800000001"],
    "filters": {"isranked": "true", "seasonid": "Seasons/Season9.json"},
    "app": AppRegistration("client-id", "secret", "https://localhost/done"),
    "code": "M.C1_SIM.demo-code",
    "refresh_token": "refresh",
    "access_token": "access",
    "user": XboxToken(token="user-token", user_hash="123"),
    "relying_party": xbox.HALO_RELYING_PARTY,
    "halo_xsts_token": "xsts",
    "spartan": "v4=spartan",
    "url": f"{api.blobs.HOST}/ugcstorage/film/{GUID}/{GUID}/filmChunk0",
    "manifest": {
        "BlobStoragePathPrefix": f"{api.blobs.HOST}/ugcstorage/film/{GUID}/{GUID}/",
        "CustomData": {"Chunks": [{"Index": 0, "FileRelativePath": "/filmChunk0", "ChunkType": 3}]},
    },
    "index": 0,
}
# Parameters whose every value names a different path.
VARIANTS: dict[str, tuple[Any, ...]] = {
    "kind": tuple(api.discovery.PATHS),
    "lifecycle": api.stats.LIFECYCLES,
}


def module_names() -> list[str]:
    """Return every module of the simulator package, packages by their own name."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join((PREFIX, *parts)))
    return names


def source_of(name: str) -> str:
    relative = Path(*name.split(".")[2:])
    path = PACKAGE / relative / "__init__.py"
    return (path if path.exists() else (PACKAGE / relative).with_suffix(".py")).read_text()


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Return the imports that run: everywhere but inside ``if TYPE_CHECKING:``."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph(sources: dict[str, str], is_package: set[str]) -> dict[str, set[str]]:
    """Return, for each module, the modules of `sources` it imports when it runs.

    ``from a import b`` counts as importing ``a.b`` when that is a module, else ``a``;
    relative imports are resolved against the importing module.
    """
    graph: dict[str, set[str]] = {}
    for name, source in sources.items():
        edges = graph.setdefault(name, set())
        here = name if name in is_package else name.rsplit(".", 1)[0]
        for node in _runtime_imports(ast.parse(source)):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = here.rsplit(".", node.level - 1)[0] if node.level > 1 else here
                    base = f"{anchor}.{base}" if base else anchor
                targets = [f"{base}.{alias.name}" for alias in node.names]
                targets = [t if t in sources else base for t in targets]
            edges.update(t for t in targets if t in sources and t != name)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one cycle of the graph as a list of nodes (first repeated last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def simulator_graph() -> dict[str, set[str]]:
    names = module_names()
    packages = {n for n in names if (PACKAGE / Path(*n.split(".")[2:]) / "__init__.py").exists()}
    return import_graph({name: source_of(name) for name in names}, packages)


def test_the_cycle_check_sees_cycles_and_ignores_type_checking_imports():
    sources = {
        "p.a": "from p import b\n",
        "p.b": "def f():\n    import p.c\n",
        "p.c": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from p.a import X\n",
    }
    assert import_graph(sources, set()) == {"p.a": {"p.b"}, "p.b": {"p.c"}, "p.c": set()}
    assert find_cycle(import_graph(sources, set())) is None
    sources["p.c"] += "from .a import Y\n"
    assert find_cycle(import_graph(sources, set())) == ["p.a", "p.b", "p.c", "p.a"]


def test_the_simulator_imports_form_no_cycle():
    graph = simulator_graph()
    assert f"{PREFIX}.app" in graph[f"{PREFIX}.core"]  # the walk sees the imports
    assert f"{PREFIX}.hosts.stats" in graph[f"{PREFIX}.hosts"]
    assert find_cycle(graph) is None


def test_data_modules_import_no_route_or_app():
    """The world and its documents stand apart from the hosts that serve them."""
    graph = simulator_graph()
    data = [name for name in graph if name.startswith(f"{PREFIX}.data")]
    assert len(data) > 10
    for name in data:
        assert all(target.startswith(f"{PREFIX}.data") for target in graph[name]), name


@pytest.mark.slow
def test_every_simulator_module_imports_first_in_a_fresh_interpreter():
    """Each module imported before any other simulator module: no order-dependent import."""
    script = (
        "import importlib, sys\n"
        f"for name in {module_names()!r}:\n"
        "    for loaded in [m for m in sys.modules if m.startswith('grunt_archive.simulator')]:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module(name)\n"
        "    print(name)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == module_names()


def test_each_services_host_module_exports_its_routes():
    files = {p.stem for p in (PACKAGE / "hosts").glob("*.py")} - {"__init__", "signin"}
    assert {host.__name__.rsplit(".", 1)[-1] for host in hosts.SERVICES} == files
    for host in hosts.SERVICES:
        api_module = getattr(api, host.__name__.rsplit(".", 1)[-1])
        assert host.HOST == api_module.HOST, host.__name__
        assert host.ROUTES and all(isinstance(route, Route) for route in host.ROUTES)
        for route in host.ROUTES:
            re.compile(route.pattern)
            assert route.handler.__module__ == host.__name__, route
    assert tuple(r for host in hosts.SERVICES for r in host.ROUTES) == hosts.ROUTES


class _Recorded(Exception):
    """Stops a sign-in step once its request is recorded (its answer is not needed)."""


class Recorder:
    """Stands in for `HaloClient` and `SignInHttp`: keeps (method, host, path) of each call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    async def get(self, service: str, host: str, path: str, *args: Any, **kwargs: Any) -> Any:
        self.calls.append(("GET", host, path))
        return api.Document(path=path, body="{}", data={}, fetched_at="")

    async def call(self, step: str, method: str, host: str, path: str, **kwargs: Any) -> None:
        self.calls.append((method, host, path))
        raise _Recorded


def _arguments(function: Any) -> list[dict[str, Any]]:
    """Return the keyword arguments to call `function` with, one set per path variant."""
    calls: list[dict[str, Any]] = [{}]
    for name, parameter in inspect.signature(function).parameters.items():
        if name in ("self", "http"):
            continue
        if name in VARIANTS:
            calls = [call | {name: value} for call in calls for value in VARIANTS[name]]
        elif name in SAMPLES:
            calls = [call | {name: SAMPLES[name]} for call in calls]
        else:
            assert parameter.default is not inspect.Parameter.empty, f"no sample for {name}"
    return calls


async def _record_services() -> list[tuple[str, str, str]]:
    """Call every endpoint method of every api service class; return the requests."""
    recorder = Recorder()
    services = [getattr(api, name) for name in api.__all__ if name.endswith("Service")]
    assert len(services) == 8
    for service in services:
        instance = service(recorder)
        for name, method in inspect.getmembers(instance, inspect.iscoroutinefunction):
            if name.startswith("_"):
                continue
            for kwargs in _arguments(method):
                before = len(recorder.calls)
                await method(**kwargs)
                assert len(recorder.calls) == before + 1, (service, name)
    return recorder.calls


async def _record_signin() -> list[tuple[str, str, str]]:
    """Call every step of the sign-in chain (`live`, `xbox`, `settings`); return the requests."""
    recorder = Recorder()
    for module in (live, xbox, settings):
        steps = [
            function
            for _, function in inspect.getmembers(module, inspect.iscoroutinefunction)
            if function.__module__ == module.__name__
            and next(iter(inspect.signature(function).parameters), "") == "http"
        ]
        assert steps, module
        for step in steps:
            for kwargs in _arguments(step):
                with pytest.raises(_Recorded):
                    await step(recorder, **kwargs)
    url = urlsplit(live.authorize_url(SAMPLES["app"]))
    return [*recorder.calls, ("GET", f"{url.scheme}://{url.netloc}", url.path)]


def _host_module(host: str) -> ModuleType:
    return next(module for module in hosts.SERVICES if host == module.HOST)


def _matching(path: str) -> list[Route]:
    return [r for r in hosts.ROUTES if re.fullmatch(f"{r.pattern}/?", path, re.IGNORECASE)]


def test_every_path_the_api_calls_is_served_by_its_host_module():
    calls = asyncio.run(_record_services())
    assert len(calls) >= 18
    for method, host, path in calls:
        routes = _matching(path)
        assert method == "GET"
        assert len(routes) == 1, (host, path, routes)  # one route, so their order cannot matter
        assert routes[0] in _host_module(host).ROUTES, (host, path)
        assert find_route(path) is not None and find_route(path)[1] == routes[0]


def test_every_sign_in_path_the_api_calls_is_served():
    sim = Simulator(SimulatorConfig(players=1, matches=1))
    signin = SignInApp(SimulatorApp(sim), sim)
    calls = asyncio.run(_record_signin())
    hosts_called = {host for _, host, _ in calls}
    assert hosts_called == {live.HOST, xbox.USER_HOST, xbox.XSTS_HOST, settings.HOST}
    for method, host, path in calls:
        if (method, path) in signin.routes:
            continue
        # The clearance: the settings host's services route, asked by the sign-in chain too.
        routes = _matching(path)
        assert method == "GET" and len(routes) == 1, (method, host, path)
        assert routes[0] in _host_module(host).ROUTES, (host, path)
