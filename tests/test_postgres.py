"""PostgreSQL archives: the URL in --db, its password never shown, opening and querying one.

The tests that need a server use the session's private cluster (tests/postgres.py) and
are slow; the rest need no server (a refused connection needs none).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from grunt_archive.cli import cli
from grunt_archive.db import current_revision, default_db_path, head_revision, open_archive
from grunt_archive.errors import ArchiveError, NotAnArchiveError, UsageError
from grunt_archive.location import archive_name, as_location, is_server, redact, server_url
from grunt_archive.lock import writer_lock
from tests import postgres
from tests.helpers import given_setting

SECRET = "s3cret-p@ss:word/x"
ENCODED = "s3cret-p%40ss%3Aword%2Fx"  # as a URL must carry it
URL = f"postgresql://grunt:{ENCODED}@127.0.0.1:1/halo"


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


def assert_hidden(text: str, password: str = SECRET) -> None:
    for form in (password, ENCODED, "s3cret"):
        assert form not in text


@pytest.mark.parametrize(
    ("value", "server"),
    [
        ("postgresql://u:p@h/db", True),
        ("postgres://u:p@h/db", True),
        ("postgresql+psycopg://h/db", True),
        ("POSTGRESQL://h/db", True),
        ("halo.db", False),
        ("/srv/archive/postgresql.db", False),
        ("./postgresql://x", False),  # a relative path, said so
        ("C:/halo.db", False),  # a drive letter is no scheme
    ],
)
def test_a_postgresql_url_is_told_from_a_path(value, server):
    assert is_server(value) is server
    assert isinstance(as_location(value), str if server else Path)
    assert is_server(Path(value)) is False


MISTYPED = [
    "postgress://halo:SECRETPW@db.example/halo",
    "postgresql:/halo:SECRETPW@db.example/halo",
    "postgresql//halo:SECRETPW@db.example/halo",
    " postgresql://halo:SECRETPW@db.example/halo",
    "mysql://halo:SECRETPW@db.example/halo",
    "sqlite:///halo:SECRETPW@x.db",
    "postgre://halo:SECRET@PW@db.example/halo",  # an unencoded @ in the password
]


@pytest.mark.parametrize("value", MISTYPED)
@pytest.mark.parametrize(
    ("command", "how"),
    [
        (("sync",), "option"),
        (("sync",), "environment"),
        (("db", "current"), "option"),
        (("query", "SELECT 1"), "option"),
        (("copy", "--to", "x.db"), "option"),
    ],
)
def test_a_location_that_looks_like_a_url_but_not_postgresql_is_refused_unshown(
    value, command, how, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    env = {"GRUNT_ARCHIVE_SPARTAN_TOKEN": "v4=x"}
    extra, env = given_setting(how, "--db", "GRUNT_ARCHIVE_DB", value, env)
    result = invoke(*command, *extra, env=env)
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1
    assert result.output.startswith("Error: the archive ")
    assert "halo:***@" in result.output
    assert "SECRET" not in result.output and "PW" not in result.output
    assert list(tmp_path.iterdir()) == []  # no directory named after the text


def test_the_url_gets_psycopg_as_its_driver_and_keeps_its_password():
    url = server_url(URL)
    assert url.drivername == "postgresql+psycopg"
    assert url.password == SECRET
    assert (url.host, url.port, url.database, url.username) == ("127.0.0.1", 1, "halo", "grunt")


def test_the_archive_is_named_without_its_password():
    assert archive_name(URL) == "postgresql://grunt:***@127.0.0.1:1/halo"
    assert (
        archive_name("postgresql://grunt@db.example/halo") == "postgresql://grunt@db.example/halo"
    )
    assert archive_name(Path("/srv/halo.db")) == "/srv/halo.db"


def test_redact_hides_the_password_in_any_form_it_was_quoted():
    message = f"could not connect with {SECRET} ({URL})"
    assert_hidden(redact(message, URL))
    assert redact("nothing to hide", URL) == "nothing to hide"
    assert redact(f"{SECRET}", Path("halo.db")) == SECRET  # a path holds no password


def test_a_malformed_url_is_a_usage_error_that_does_not_repeat_it():
    with pytest.raises(UsageError) as caught:
        server_url("postgresql://grunt:s3cret@host:notaport/halo")
    assert "s3cret" not in str(caught.value)
    result = invoke("db", "current", "--db", "postgresql://grunt:s3cret@host:notaport/halo")
    assert result.exit_code == 2, result.output
    assert "s3cret" not in result.output
    assert "malformed" in result.output


@pytest.mark.parametrize(
    "command", [["sync", "--json"], ["status"], ["serve"], ["backup", "--to", "{tmp}/b.db"]]
)
def test_a_password_holding_an_unencoded_at_is_refused_without_any_of_it(command, tmp_path):
    # Cut at its first @, the rest of the password was taken for the host and quoted by
    # "cannot open …: failed to resolve host 'ss@TAIL@127.0.0.1'".
    url = "postgresql://halo:p@ss@SECRETTAIL@127.0.0.1:1/halo"
    with pytest.raises(UsageError, match="percent-encode it as %40"):
        server_url(url)
    assert archive_name(url) == "the PostgreSQL archive (malformed URL)"
    command = [part.format(tmp=tmp_path) for part in command]
    result = invoke(*command, "--db", url, env={"GRUNT_ARCHIVE_SPARTAN_TOKEN": "v4=x"})
    assert result.exit_code == 2, result.output
    assert "SECRETTAIL" not in result.output and "ss@" not in result.output
    assert not (tmp_path / "b.db").exists()


def test_an_unreachable_server_is_one_line_without_the_password():
    result = invoke("db", "current", "--db", URL)
    assert result.exit_code == 6, result.output
    assert result.output.count("\n") == 1
    assert result.output.startswith("Error: cannot open postgresql://grunt:***@127.0.0.1:1/halo:")
    assert_hidden(result.output)


@pytest.mark.parametrize(
    ("password", "driver_said", "shown"),
    [
        # One letter: only where it stands whole. It was hidden in every word holding it,
        # "connection is ***ad: invalid port num***er", which also showed where each b was.
        ("b", 'connection is bad: invalid port number: "99999"', None),
        ("b", 'role "grunt" with password "b" refused', 'role "grunt" with password "***" refused'),
        # A common word: not inside "postgresql" or "postgres_archive".
        (
            "postgres",
            'FATAL: database "postgres_archive" does not exist (postgresql, postgres)',
            'FATAL: database "postgres_archive" does not exist (postgresql, ***)',
        ),
        # Escaped characters: as given, and as a URL or a form carries them.
        ("p@ss w:rd/%", 'bad password "p@ss w:rd/%"', 'bad password "***"'),
        ("p@ss w:rd/%", "at p%40ss%20w%3Ard%2F%25, p%40ss+w%3Ard%2F%25", "at ***, ***"),
        # Where it is the password, whatever it is: a URL's user info, a conninfo setting.
        (
            "b",
            "in postgresql://grunt:b@db/halo and postgresql://grunt:ab@db/halo",
            "in postgresql://grunt:***@db/halo and postgresql://grunt:***@db/halo",
        ),
        ("b", 'in "host=db password=b port=1"', 'in "host=db password=*** port=1"'),
        ("b", "password = 'a b' sslpassword=ab&x", "password = *** sslpassword=***&x"),
    ],
)
def test_redact_hides_the_password_where_it_is_one_and_garbles_no_word(
    password, driver_said, shown
):
    from urllib.parse import quote

    url = f"postgresql://grunt:{quote(password, safe='')}@db.example/halo"
    assert server_url(url).password == password
    assert redact(driver_said, url) == (shown or driver_said)


def test_a_one_letter_password_leaves_the_drivers_words_whole():
    import psycopg

    url = "postgresql://grunt:e@127.0.0.1:1/halo"
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect(url)
    said = " ".join(str(refused.value).split())
    assert "server" in said  # an e in a word: "s***rv***r" before
    result = invoke("query", "--db", url, "SELECT 1")
    assert result.exit_code == 6, result.output
    assert result.output == f"Error: cannot open postgresql://grunt:***@127.0.0.1:1/halo: {said}\n"


def test_a_password_the_driver_echoes_is_hidden():
    # libpq quotes a percent-encoded value it refuses, the password included.
    result = invoke("query", "--db", "postgresql://grunt:se%00cret@127.0.0.1:1/halo", "SELECT 1")
    assert result.exit_code == 6, result.output
    assert result.output == (
        "Error: cannot open postgresql://grunt:***@127.0.0.1:1/halo:"
        ' forbidden value %00 in percent-encoded value: "***"\n'
    )


@pytest.mark.parametrize("port", [0, 65536, 99999])
@pytest.mark.parametrize("command", [("query", "SELECT 1"), ("db", "current"), ("sync",)])
def test_a_port_out_of_range_is_a_malformed_url_before_any_connection(port, command, monkeypatch):
    import psycopg

    def connect(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(psycopg, "connect", connect)
    url = f"postgresql://grunt:b@localhost:{port}/halo"
    result = invoke(*command, "--db", url, env={"GRUNT_ARCHIVE_SPARTAN_TOKEN": "v4=x"})
    assert result.exit_code == 2, result.output
    assert result.output == (
        f"Error: the archive URL is malformed: port {port} is not a number from 1 to 65535\n"
    )
    with pytest.raises(UsageError):
        server_url(url)
    assert server_url(url.replace(f":{port}/", ":65535/")).port == 65535
    assert server_url(url.replace(f":{port}/", ":1/")).port == 1


# libpq takes the password (and the SSL key's passphrase) in the query as well.
QUERY_URLS = [
    f"postgresql://grunt@127.0.0.1:1/halo?password={ENCODED}",
    f"postgresql://grunt@127.0.0.1:1/halo?sslmode=disable&sslpassword={ENCODED}",
    f"postgresql://grunt:{ENCODED}@127.0.0.1:1/halo?PASSWORD={ENCODED}&application_name=g",
]


@pytest.mark.parametrize("url", QUERY_URLS)
def test_a_password_in_the_query_is_hidden_like_the_user_infos(url):
    assert_hidden(archive_name(url))
    assert "=***" in archive_name(url) and archive_name(url).startswith("postgresql://grunt")
    assert_hidden(redact(f"could not connect with {SECRET} ({url})", url))
    mistyped = url.replace("postgresql://", "postgress://")
    assert_hidden(invoke("db", "current", "--db", mistyped).output)
    for command in (("db", "current"), ("query", "SELECT 1"), ("copy", "--to", "x.db")):
        result = invoke(*command, "--db", url)
        assert result.exit_code == 6, result.output
        assert result.output.startswith("Error: cannot open postgresql://grunt")
        assert_hidden(result.output)
    summary = invoke("sync", "--json", "--db", url, env={"GRUNT_ARCHIVE_SPARTAN_TOKEN": "v4=x"})
    assert summary.exit_code == 6 and json.loads(summary.output.splitlines()[0])["exit_code"] == 6
    assert_hidden(summary.output)


def test_the_environment_variable_takes_a_url_too(monkeypatch):
    monkeypatch.setenv("GRUNT_ARCHIVE_DB", URL)
    assert default_db_path() == URL
    result = invoke("db", "current", env={"GRUNT_ARCHIVE_DB": URL})
    assert result.exit_code == 6
    assert_hidden(result.output)


@pytest.mark.parametrize("command", [("serve",), ("demo",)])
@pytest.mark.parametrize("how", ["option", "environment"])
def test_serve_and_demo_need_a_sqlite_archive(command, how):
    if how == "option":
        result = invoke(*command, "--db", URL)
    else:
        result = invoke(*command, env={"GRUNT_ARCHIVE_DB": URL})
    assert result.exit_code == 2, result.output
    assert result.output == (
        f"Error: {command[0]} needs a SQLite archive, and"
        " postgresql://grunt:***@127.0.0.1:1/halo is PostgreSQL:"
        " copy it into a SQLite file first (grunt-archive copy --to FILE)\n"
    )


@pytest.mark.parametrize(
    "command",
    [("sync",), ("verify",), ("reparse",), ("untrack", "--player", "xuid(2533274800000001)")],
)
def test_commands_that_write_reach_for_the_server_and_say_why_not_in_one_line(command):
    result = invoke(*command, "--db", URL, env={"GRUNT_ARCHIVE_SPARTAN_TOKEN": "v4=x"})
    assert result.exit_code == 6, result.output
    assert result.output.count("\n") == 1
    assert result.output.startswith("Error: cannot open postgresql://grunt:***@127.0.0.1:1/halo:")
    assert_hidden(result.output)


def test_the_lock_file_is_for_sqlite_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with writer_lock(URL), writer_lock(URL):  # no file, so nothing to hold twice
        pass
    assert list(tmp_path.iterdir()) == []
    with writer_lock(tmp_path / "halo.db"):
        assert (tmp_path / "halo.db.lock").exists()


# Against the private cluster -------------------------------------------------------------


@pytest.mark.slow
def test_db_upgrade_and_current_on_postgresql(postgres_url, postgres_cluster):
    upgraded = invoke("db", "upgrade", "--db", postgres_url)
    assert upgraded.exit_code == 0, upgraded.output
    current = invoke("db", "current", "--db", postgres_url)
    assert current.exit_code == 0, current.output
    assert current.output == f"{head_revision()} (head: {head_revision()})\n"
    for result in (upgraded, current):
        assert_hidden(result.output, postgres_cluster.password)


@pytest.mark.slow
def test_a_wrong_password_is_refused_without_printing_either(postgres_url, postgres_cluster):
    wrong = make_url(postgres_url).set(password="wr0ng-guess")
    result = invoke("db", "upgrade", "--db", wrong.render_as_string(hide_password=False))
    assert result.exit_code == 6, result.output
    assert "password authentication failed" in result.output
    assert "wr0ng-guess" not in result.output
    assert postgres_cluster.password not in result.output


@pytest.mark.slow
def test_the_password_may_come_from_pgpassword_or_a_pgpass_file(
    postgres_url, postgres_cluster, tmp_path, monkeypatch
):
    url = make_url(postgres_url)
    bare = f"postgresql://{url.username}@{url.host}:{url.port}/{url.database}"
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "nothing"))
    assert invoke("db", "upgrade", "--db", bare).exit_code == 6  # no password anywhere

    monkeypatch.setenv("PGPASSWORD", postgres_cluster.password)
    assert invoke("db", "upgrade", "--db", bare).exit_code == 0
    monkeypatch.delenv("PGPASSWORD")

    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"{url.host}:{url.port}:{url.database}:{url.username}:{url.password}\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    result = invoke("db", "current", "--db", bare)
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_query_reads_postgresql_and_never_writes(postgres_url, postgres_cluster):
    assert invoke("db", "upgrade", "--db", postgres_url).exit_code == 0
    # A sum of BIGINTs is NUMERIC on PostgreSQL: a whole number still, as SQLite's sum is.
    sql = ("select 1 as one, round(2.345, 2) as x, 'a' as t, sum(n) as s"
           " from (values (2::bigint), (3::bigint)) as v(n)")  # fmt: skip
    result = invoke("query", "--db", postgres_url, sql, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [{"one": 1, "x": 2.35, "t": "a", "s": 5}]
    assert invoke("query", "--db", postgres_url, sql).output == "one,x,t,s\n1,2.35,a,5\n"
    header = invoke("query", "--db", postgres_url, "select * from player_careers")
    assert header.exit_code == 0
    assert header.output.startswith("gamertag,matches,wins,")
    write = invoke("query", "--db", postgres_url, "delete from sync_runs")
    assert write.exit_code == 2
    assert write.output == (
        "Error: bad SQL: cannot execute DELETE in a read-only transaction: query only reads\n"
    )
    assert invoke("query", "--db", postgres_url, "selec 1").exit_code == 2
    empty = invoke("query", "--db", postgres_url, "set search_path = public")
    assert empty.exit_code == 2
    assert "query runs one SELECT" in empty.output


@pytest.mark.slow
def test_someone_elses_postgresql_database_is_refused_and_untouched(postgres_url):
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("CREATE TABLE recipes (name TEXT)")
    with pytest.raises(NotAnArchiveError, match="not a grunt-archive archive"):
        open_archive(postgres_url)
    with pytest.raises(ArchiveError, match="no archive at"):
        empty = make_url(postgres_url).set(database="postgres")
        open_archive(empty.render_as_string(hide_password=False), create=False)
    with psycopg.connect(postgres_url) as connection:
        tables = connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    assert tables == [("recipes",)]


@pytest.mark.slow
def test_workers_starting_at_once_upgrade_one_after_the_other(postgres_url):
    # Each waits for the advisory lock, then finds the archive at head or upgrades it.
    with ThreadPoolExecutor(max_workers=4) as pool:
        engines = list(pool.map(lambda _: open_archive(postgres_url), range(4)))
    try:
        for engine in engines:
            assert current_revision(engine) == head_revision()
    finally:
        for engine in engines:
            engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)]
)
def test_without_postgresql_the_tests_skip_except_under_ci(ci, outcome, tmp_path, monkeypatch):
    absent = tmp_path / "pg-cluster"
    absent.write_text("#!/bin/sh\necho 'no PostgreSQL binaries (initdb, pg_ctl)' >&2\nexit 3\n")
    absent.chmod(0o755)
    monkeypatch.setattr(postgres, "PG_CLUSTER", absent)
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="no PostgreSQL binaries"):
        postgres.start_cluster()


@pytest.mark.slow
def test_a_cluster_that_fails_to_start_fails_even_outside_ci(tmp_path, monkeypatch):
    broken = tmp_path / "pg-cluster"
    broken.write_text("#!/bin/sh\necho 'initdb: error: could not create directory' >&2\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setattr(postgres, "PG_CLUSTER", broken)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.fail.Exception, match="did not start: initdb: error"):
        postgres.start_cluster()
