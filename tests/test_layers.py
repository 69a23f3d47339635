"""The layers hold at import time, each checked in a fresh interpreter.

``normalize`` is pure (no HTTP, no SQL, no Datasette), ``api`` speaks HTTP but
no SQL, the package ``grunt_archive`` loads nothing until a name is used, and
the CLI loads a command's machinery only when that command runs. A fresh
interpreter is the only honest place to look: in the test process everything
is already imported. A fresh interpreter is a process, so those tests are
marked ``slow`` (tests/conftest.py fails a test that starts one without it).
"""

from __future__ import annotations

import json
import os
import pkgutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import click
import pytest
from click.testing import CliRunner
from sqlalchemy.exc import OperationalError

import grunt_archive
from grunt_archive import api, normalize, runner
from grunt_archive.cli import cli
from grunt_archive.commands import LAZY_COMMANDS
from grunt_archive.db import make_engine, upgrade_archive
from tests.conftest import ROOT

SQL = ("sqlalchemy", "sqlmodel", "alembic", "sqlite3")
HTTP = ("httpx", "httpcore")
SERVING = ("datasette", "uvicorn", "starlette")
# Modules that define click commands: every command they define must be reachable.
CLI_MODULES = (
    "grunt_archive.cli",
    "grunt_archive.auth_command",
    "grunt_archive.db_command",
    "grunt_archive.film_command",
    "grunt_archive.simulator.command",
    "grunt_archive.untrack_command",
    "grunt_archive.reparse_command",
    "grunt_archive.verify_command",
    "grunt_archive.copy_command",
    "grunt_archive.backup_command",
    "grunt_archive.pending_command",
    "grunt_archive.status_command",
)

# Prints the names of every module loaded after running the given statements.
PROBE = """
import json, sys
{statements}
print(json.dumps(sorted(sys.modules)))
"""


def loaded_after(*statements: str) -> list[str]:
    """Return every module a fresh interpreter has loaded after running ``statements``."""
    script = PROBE.format(statements="\n".join(statements))
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def found(modules: list[str], forbidden: tuple[str, ...]) -> list[str]:
    """Return which of the ``forbidden`` packages were loaded (any module of theirs)."""
    return sorted({m.split(".")[0] for m in modules} & set(forbidden))


def every_module_of(package: ModuleType) -> list[str]:
    """Return ``import`` statements for the package and every module in it."""
    names = [package.__name__]
    names += [m.name for m in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")]
    return [f"import {name}" for name in names]


@pytest.mark.slow
def test_the_probe_sees_a_layer_that_loads_sql() -> None:
    # The boundary tests below pass on an empty list; this one shows the probe can fill it.
    modules = loaded_after("import grunt_archive.store.copy")  # copies through SQLAlchemy
    assert "sqlalchemy" in found(modules, SQL)
    assert "grunt_archive.store.copy" in modules


@pytest.mark.slow
def test_normalize_loads_no_http_no_sql_and_no_datasette() -> None:
    modules = loaded_after(*every_module_of(normalize))
    assert "grunt_archive.normalize.match" in modules
    assert found(modules, (*HTTP, *SQL, *SERVING)) == []


@pytest.mark.slow
def test_api_loads_no_sql_and_no_datasette() -> None:
    modules = loaded_after(*every_module_of(api))
    assert "grunt_archive.api.signin" in modules and "httpx" in modules
    assert found(modules, (*SQL, *SERVING)) == []


@pytest.mark.slow
def test_the_package_alone_loads_none_of_its_modules() -> None:
    modules = loaded_after("import grunt_archive")
    assert [m for m in modules if m.startswith("grunt_archive.")] == []
    assert found(modules, (*HTTP, *SQL, *SERVING, "click", "tenacity", "platformdirs")) == []


@pytest.mark.slow
def test_every_public_name_of_the_package_resolves_on_first_use() -> None:
    assert grunt_archive.__all__ == sorted(grunt_archive.__all__)
    names = ", ".join(grunt_archive.__all__)
    modules = loaded_after(f"from grunt_archive import {names}")
    assert "grunt_archive.runner" in modules  # the names really were imported
    for name in grunt_archive.__all__:
        assert getattr(grunt_archive, name).__module__.startswith("grunt_archive."), name
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        grunt_archive.nothing_here  # noqa: B018


@pytest.mark.slow
def test_the_cli_loads_no_sql_http_or_server_at_import() -> None:
    modules = loaded_after("import grunt_archive.cli")
    assert found(modules, (*HTTP, *SQL, *SERVING)) == []


def help_of(*args: str) -> str:
    """Return probe statements that print the CLI's help for ``args`` and insist it worked."""
    return (
        "from grunt_archive.cli import cli\n"
        "try:\n"
        f"    cli({[*args, '--help']!r}, prog_name='grunt-archive')\n"
        "except SystemExit as exit:\n"
        "    assert exit.code in (0, None), exit.code"
    )


@pytest.mark.slow
def test_help_imports_no_command_machinery() -> None:
    modules = loaded_after(help_of())
    ours = [m for m in modules if m.startswith("grunt_archive.")]
    # usage.py is the group's base class (one-line usage errors): click and sys alone;
    # param_types.py the options' types: click, math and pathlib; commands.py a dict.
    assert ours == ["grunt_archive.cli", "grunt_archive.commands", "grunt_archive.errors",
                    "grunt_archive.param_types", "grunt_archive.usage"]  # fmt: skip
    assert found(modules, (*HTTP, *SQL, *SERVING)) == []


@pytest.mark.slow
@pytest.mark.parametrize(
    "args", [("sync",), ("verify",), ("reparse",), ("query",), ("serve",), ("demo",),
             ("db", "upgrade"), ("auth",), ("auth", "login")], ids=" ".join,
)  # fmt: skip
def test_a_command_s_help_imports_no_sql_or_http(args: tuple[str, ...]) -> None:
    modules = loaded_after(help_of(*args))
    assert found(modules, (*HTTP, *SQL, *SERVING)) == []


def defined_commands() -> dict[str, click.Command]:
    """Return every top-level command the CLI modules define, by name.

    Found by looking at the modules' click objects, not at the CLI's own
    lists, so a command left out of `LAZY_COMMANDS` is still found.
    """
    objects: list[click.Command] = []
    for name in CLI_MODULES:
        module = __import__(name, fromlist=["_"])
        objects += [v for v in vars(module).values() if isinstance(v, click.Command)]
    groups = [g for g in objects if isinstance(g, click.Group) and g is not cli]
    nested = {id(c) for g in groups for c in g.commands.values()}
    return {c.name: c for c in objects if c is not cli and id(c) not in nested}


def listed_commands(help_text: str) -> list[str]:
    """Return the command names of a group's ``--help``."""
    section = help_text.split("\nCommands:\n", 1)[1]
    return [line.split()[0] for line in section.splitlines() if line.startswith("  ")]


@pytest.mark.slow
def test_help_lists_every_command_the_cli_defines() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "grunt_archive", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "80"},  # click formats for 80 - 2 columns
    )
    assert result.returncode == 0, result.stderr
    defined = defined_commands()
    assert {"sync", "auth", "simulate", "db"} <= set(defined)
    assert listed_commands(result.stdout) == sorted(defined)
    # Once every lazy command is loaded, the listing is the same: the short help kept in
    # cli.py says what each command's own help says.
    context = click.Context(cli)
    for name in LAZY_COMMANDS:
        assert cli.get_command(context, name) is defined[name]
    loaded = CliRunner().invoke(cli, ["--help"], prog_name="grunt-archive", terminal_width=78)
    assert loaded.output == result.stdout


@pytest.mark.parametrize("name", sorted(LAZY_COMMANDS))
def test_the_kept_short_help_is_the_command_s_own(name: str) -> None:
    target, short = LAZY_COMMANDS[name]
    module, attribute = target.split(":")
    command = getattr(__import__(module, fromlist=["_"]), attribute)
    assert command.name == name
    for limit in (30, 45, 60, 200):
        kept = click.Command(name, help=short).get_short_help_str(limit)
        assert kept == command.get_short_help_str(limit)


def test_sqlite_refusing_a_statement_is_still_one_line_and_exit_6(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The CLI no longer imports SQLAlchemy to catch its OperationalError; it must still catch it.
    def locked(path: object, progress: object = None) -> None:
        raise OperationalError("INSERT …", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(runner, "run_reparse", locked)
    result = CliRunner().invoke(cli, ["reparse", "--db", str(tmp_path / "halo.db")])
    assert result.exit_code == 6
    assert result.output == "Error: the archive cannot be used: database is locked\n"

    def gone(path: object, progress: object = None) -> None:
        # libpq's words when the server dies mid-statement (a migration, say): three lines.
        reason = "server closed the connection unexpectedly\n\tThis probably means the server"
        raise OperationalError("ALTER …", {}, sqlite3.OperationalError(reason + "\n\tdied.\n"))

    monkeypatch.setattr(runner, "run_reparse", gone)
    result = CliRunner().invoke(cli, ["reparse", "--db", str(tmp_path / "halo.db")])
    assert result.exit_code == 6 and result.output.count("\n") == 1, result.output

    def broken(path: object, progress: object = None) -> None:
        raise ValueError("not ours")

    monkeypatch.setattr(runner, "run_reparse", broken)
    result = CliRunner().invoke(cli, ["reparse", "--db", str(tmp_path / "halo.db")])
    assert isinstance(result.exception, ValueError)  # anything else is not swallowed


@pytest.mark.slow
def test_the_viewer_reads_sql_and_imports_nothing_of_the_api_or_the_store() -> None:
    import grunt_archive.viewer

    modules = loaded_after(*every_module_of(grunt_archive.viewer))
    assert "grunt_archive.viewer.plugin" in modules
    ours = [m for m in modules if m.startswith("grunt_archive.")]
    assert [m for m in ours if m.startswith(("grunt_archive.api", "grunt_archive.store"))] == []


@pytest.mark.slow
def test_a_sync_loads_sqlalchemy_only_to_migrate_an_archive(tmp_path) -> None:
    # The nightly run that finds nothing new: its floor is what it imports, and SQLAlchemy
    # was a third of that. Only migrating an archive (and PostgreSQL) loads it.
    path = tmp_path / "halo.db"
    world = (
        "import httpx",
        "from grunt_archive.api import Tokens",
        "from grunt_archive.runner import ClientSettings, run_sync",
        "from grunt_archive.simulator import Simulator, SimulatorConfig",
        "from grunt_archive.sync import SyncOptions",
        "sim = Simulator(SimulatorConfig(seed=5, players=1, matches=3))",
        "settings = ClientSettings(Tokens('v4=t', None), 'http://simulator', None,"
        " transport=httpx.ASGITransport(app=sim.app))",
    )
    first = loaded_after(
        *world,
        f"report = run_sync({str(path)!r}, settings, SyncOptions(sim.player_ids))",
        "assert report.matches_added == 3, report",
    )
    # A new archive gets its tables from schema_file, through sqlite3 alone.
    assert "grunt_archive.sync" in first and "sqlite3" in first
    assert found(first, ("sqlalchemy", "sqlmodel", "alembic")) == []
    # An archive at an older revision is migrated: alembic and SQLAlchemy load for that.
    older = tmp_path / "older.db"
    engine = make_engine(older)
    upgrade_archive(engine, "0018", migrate=True)
    engine.dispose()
    migrated = loaded_after(
        *world,
        f"report = run_sync({str(older)!r}, settings, SyncOptions(sim.player_ids))",
        "assert report.matches_added == 3, report",
    )
    assert "sqlalchemy" in found(migrated, SQL) and "alembic" in migrated
    again = loaded_after(
        *world,
        f"report = run_sync({str(path)!r}, settings, SyncOptions())",
        "assert report.matches_added == 0 and report.requests == 1, report",
    )
    assert "grunt_archive.sync" in again and "sqlite3" in again
    assert found(again, ("sqlalchemy", "sqlmodel", "alembic")) == []
    assert "grunt_archive.models" not in again
