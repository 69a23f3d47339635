"""Documentation stays true: every command has help and a README entry; __all__ is complete.

The README is the guide; ``docs/`` holds the reference it links to (the archive's
tables, the viewer, PostgreSQL, the benchmarks' explanations).
"""

from __future__ import annotations

import posixpath
import re
import sqlite3
from pathlib import PurePosixPath

import click
import pytest
import yaml
from click.testing import CliRunner

import grunt_archive
from grunt_archive.cli import cli
from grunt_archive.errors import GruntArchiveError
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
# Every Markdown page, by its path from the repository's root.
PAGES = {
    path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8")
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
}


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


def _anchor(heading: str) -> str:
    """Return the anchor GitHub gives a heading: lower case, punctuation out, spaces as -."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _headings(text: str) -> set[str]:
    """Return the anchors of a page's headings, leaving out `#` lines of code blocks."""
    prose = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    return {_anchor(h) for h in re.findall(r"^#+ (.+)$", prose, re.MULTILINE)}


def test_every_link_between_the_pages_names_a_page_and_one_of_its_headings():
    anchors = {page: _headings(text) for page, text in PAGES.items()}
    assert {"exit-2-bad-usage", "what-a-sync-does"} <= anchors["README.md"]
    assert {"theater-films", "copying", "a-clans-archive"} <= set().union(*anchors.values())
    broken = []
    for page, text in PAGES.items():
        folder = PurePosixPath(page).parent
        for target, anchor in re.findall(r"\]\(([^)#:\s]*)(?:#([^)\s]+))?\)", text):
            path = posixpath.normpath(folder / target) if target else page
            if not (ROOT / path).exists():
                broken.append(f"{page}: {target}")
            elif anchor and anchor not in anchors.get(path, set()):
                broken.append(f"{page}: {target}#{anchor}")
    assert broken == []


def test_the_readme_links_every_page_of_docs():
    pages = {page for page in PAGES if page.startswith("docs/")}
    assert pages and {page for page in pages if f"]({page}" not in README} == set()


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


def command_rows() -> list[tuple[list[str], str]]:
    """Return the command table's rows: each command's words and its whole usage cell."""
    rows = []
    for usage in re.findall(r"^\| `grunt-archive ([^`]+)` \|", README, re.MULTILINE):
        words = []
        for word in usage.split():
            if not re.fullmatch(r"[a-z][a-z-]*", word):
                break
            words.append(word)
        rows.append((words, usage))
    return rows


def test_every_command_has_a_row_of_the_command_table():
    documented = {" ".join(words) for words, _ in command_rows()}
    runnable = {name for name, command in commands(cli) if not isinstance(command, click.Group)}
    assert runnable - {"auth", "db", "film"} <= documented | {"pending"}, runnable - documented
    assert documented <= runnable | {"pending"}, documented - runnable


@pytest.mark.parametrize(
    "words,usage", command_rows(), ids=[" ".join(w) for w, _ in command_rows()]
)
def test_every_flag_of_the_command_table_is_the_commands_own(words, usage):
    """A flag in a row exists; `...` marks exactly the repeatable ones; a default is the real one."""
    command = cli
    for word in words:
        command = command.get_command(click.Context(command), word)
        assert command is not None, words
    options = {opt: p for p in command.params for opt in p.opts if opt.startswith("--")}
    repeatable = set(re.findall(r"\[(--[a-z][a-z0-9-]*)[^\]]*\]\.\.\.", usage))
    for flag in re.findall(r"--[a-z][a-z0-9-]*", usage):
        assert flag in options, f"grunt-archive {' '.join(words)} has no {flag}"
        assert options[flag].multiple == (flag in repeatable), flag
    for flag, default in re.findall(r"\[(--[a-z][a-z0-9-]*) ([0-9][0-9.]*)\]", usage):
        assert str(options[flag].default) == default, flag


def test_every_option_is_named_in_the_readme():
    """Each option of each command is in the README; the simulator's faults are in its --help."""
    fault_options = "[fault options]" in README
    for name, command in commands(cli):
        for param in command.params:
            for flag in (o for o in param.opts if o.startswith("--") and o != "--help"):
                if flag not in README:
                    assert name == "simulate" and fault_options, f"{name} {flag}"


def test_every_setting_the_program_reads_is_in_the_settings_table():
    settings = README.split("\n### Settings\n", 1)[1].split("\nNetwork behaviour", 1)[0]
    package = ROOT / "grunt_archive"
    read = set()
    for module in package.rglob("*.py"):
        read |= set(re.findall(r"GRUNT_ARCHIVE_[A-Z_]+", module.read_text(encoding="utf-8")))
    assert read, "no setting found"
    for variable in sorted(read):
        assert f"`{variable}`" in settings, variable


def archive_section() -> str:
    return PAGES["docs/archive.md"]


@pytest.fixture
def new_archive(tmp_path):
    db = tmp_path / "halo.db"
    assert CliRunner().invoke(cli, ["db", "upgrade", "--db", str(db)]).exit_code == 0
    return db


def readme_sql() -> list[str]:
    """Return the pages' SQL examples: the ```sql blocks' statements, and `query`'s."""
    statements = []
    text = "\n".join(PAGES.values())
    for block in re.findall(r"```sql\n(.+?)```", text, re.DOTALL):
        lines = [line for line in block.splitlines() if not line.startswith("--")]
        statements += [sql.strip() for sql in "\n".join(lines).split(";") if sql.strip()]
    statements += re.findall(r'grunt-archive query "([^"]+)"', text)
    return statements


@pytest.mark.parametrize("sql", readme_sql())
def test_every_sql_example_of_the_readme_runs(new_archive, sql):
    result = CliRunner().invoke(cli, ["query", sql, "--db", str(new_archive)])
    assert result.exit_code == 0, result.output


def test_every_table_the_readme_lists_is_in_a_new_archive_and_the_reverse(new_archive):
    """The tables of docs/archive.md are the archive's tables and views."""
    db = new_archive
    with sqlite3.connect(db) as connection:
        found = {
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
                " AND name NOT LIKE 'sqlite%' AND name NOT LIKE '%fts\\_%' ESCAPE '\\'"
            )
        }
    listed: set[str] = set()  # the tables a row is about
    named: set[str] = set()  # and those its description names (`service_record_medals`)
    for first, rest in re.findall(r"^\| (`[^|]+) \|(.*)$", archive_section(), re.MULTILINE):
        listed |= set(re.findall(r"`([a-z_]+)`", first))
        named |= set(re.findall(r"`([a-z_]+)`", rest))
    blocks = {name for name in listed if name.endswith("_stats") and f"team_{name}" in found}
    for form in ("team_", "service_record_"):
        assert f"`{form}<block>`" in archive_section()
        listed |= {form + block for block in blocks}
    assert listed - found == set()
    # alembic's own table, the one the README need not name.
    assert found - listed - named - {"alembic_version"} == set()


# Packages whose row names every module; the others' rows say what they hold as a whole.
LISTED_PACKAGES = ("api", "store", "viewer", "simulator")


def test_the_module_table_names_every_module_and_only_modules_that_exist():
    section = README.split("\n## Development\n", 1)[1].split("\nThe layers hold", 1)[0]
    rows = re.findall(r"^\| (`.+)$", section, re.MULTILINE)
    package = ROOT / "grunt_archive"
    table = "\n".join(rows)
    for module in sorted(package.rglob("*.py")):
        if module.name in ("__init__.py", "__main__.py"):
            continue
        parts = module.relative_to(package).parts
        if len(parts) == 1:
            assert f"`{module.name}`" in table, module.name
        elif parts[0] in LISTED_PACKAGES and len(parts) == 2:
            (row,) = [row for row in rows if row.startswith(f"`{parts[0]}/`")]
            assert f"`{module.stem}`" in row or f"`{module.name}`" in row, "/".join(parts)
        else:
            assert f"`{parts[0]}/`" in table, "/".join(parts)
    for named in set(re.findall(r"`([a-z_/]+\.py)`", table)):
        assert any(package.rglob(named)), named


def test_the_canned_queries_and_dashboards_of_the_readme_are_the_packaged_ones():
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
    queries = set(metadata["databases"]["halo"]["queries"])
    viewer = PAGES["docs/viewer.md"]
    table = viewer.split("**Canned queries**", 1)[1].split("\n\n", 2)[1]
    listed = set()
    for first in re.findall(r"^\| (`[^|]+) \|", table, re.MULTILINE):
        listed |= set(re.findall(r"`([a-z_]+)`", first))
    assert listed == queries
    dashboards = set(metadata["plugins"]["datasette-dashboards"])
    assert set(re.findall(r"/-/dashboards/([a-z_]+)", viewer)) == dashboards


def test_every_option_says_what_it_is_for():
    """An option with no help showed a bare type and default (`--port INTEGER RANGE`)."""
    for name, command in commands(cli):
        for param in command.params:
            if isinstance(param, click.Option) and "--help" not in param.opts:
                assert param.help, f"{name} {param.opts[0]} has no help"


@pytest.mark.parametrize("name", ["serve", "demo"])
def test_a_command_that_reads_sqlite_alone_offers_no_postgresql_url(name):
    """`serve` and `demo` refuse a PostgreSQL archive (exit 2): their --db help must not offer one."""
    result = CliRunner().invoke(cli, [name, "--db", "postgresql://u@localhost/halo"])
    assert result.exit_code == 2 and "needs a SQLite archive" in result.output
    (db,) = [p for p in cli.get_command(click.Context(cli), name).params if p.name == "db_path"]
    assert "SQLite file" in db.help and "postgresql://" not in db.help


def test_a_repeatable_option_says_so():
    """`--player` of pending and verify took several players, and their help read as one."""
    for name, command in commands(cli):
        for param in command.params:
            if isinstance(param, click.Option) and param.multiple:
                assert "repeatable" in (param.help or "").lower(), f"{name} {param.opts[0]}"


def test_a_value_the_help_names_by_a_letter_is_its_metavar():
    """`sync --limit INTEGER RANGE  Stop after N new matches.` left N to be guessed."""
    for name, command in commands(cli):
        for param in command.params:
            if isinstance(param, click.Option) and param.help:
                for letter in set(re.findall(r"\b[B-Z]\b", param.help)):
                    assert param.metavar == letter, f"{name} {param.opts[0]}: {letter}"
