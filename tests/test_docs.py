"""Documentation stays true: every command has help and a README entry; __all__ is complete."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

import grunt_archive
from grunt_archive.cli import cli
from grunt_archive.errors import GruntArchiveError
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    context = click.Context(group)
    # list_commands/get_command, not .commands: the lazy commands are loaded here.
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        found.append((prefix + name, command))
        if isinstance(command, click.Group):
            found += commands(command, f"{prefix}{name} ")
    return found


@pytest.mark.parametrize(
    "name,command", commands(cli), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_command_has_help_with_an_example_and_is_in_the_readme(name, command):
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0
    assert command.help and "Example:" in command.help
    assert f"grunt-archive {name}" in README or f"`{name.split()[-1]}" in README


def test_every_exit_code_is_documented():
    codes = {cls.exit_code for cls in _subclasses(GruntArchiveError)} | {0, 130, 143}
    for code in codes:
        assert re.search(rf"^\| {code} \|", README, re.MULTILINE), code


def _subclasses(cls):
    yield cls
    for sub in cls.__subclasses__():
        yield from _subclasses(sub)


def test_all_is_sorted_and_complete():
    assert grunt_archive.__all__ == sorted(grunt_archive.__all__)
    for name in grunt_archive.__all__:
        assert getattr(grunt_archive, name) is not None


def test_readme_opens_with_the_two_setup_commands():
    blocks = re.findall(r"```sh\n(.+?)\n```", README, re.DOTALL)
    assert "grunt-archive demo" in blocks[0]
    assert "pytest" in blocks[1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install -q -e '.[test]'" in ci and ".venv/bin/pytest" in ci
