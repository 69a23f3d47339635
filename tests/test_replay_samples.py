"""The real CLI syncs the real responses of ../shared/halo-samples, not the simulator's.

`tests/replay_server.py` serves the stats samples of one player (every one of them has
SPNKr's author, ``PLAYER``, in it) with a history page of those matches, and the other
samples where they agree with those matches; `grunt-archive sync` runs against it in a
subprocess, into SQLite and into PostgreSQL. What the archive must hold is computed here
from the real documents, field by field, by the naming rule of INTERFACE.md: never from
rows the code made. A second sync and a `reparse` follow, and the requests of all three
are checked. Without ../shared every test here skips.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from grunt_archive.models import metadata
from grunt_archive.normalize.match import DURATION_FIELDS, TIMESTAMP_FIELDS
from grunt_archive.normalize.mode_blocks import MODE_BLOCKS, Form
from grunt_archive.normalize.values import duration_seconds, is_duration, snake_case, utc_timestamp
from tests.conftest import load_json, sample_paths
from tests.e2e import cli
from tests.helpers import ENRICHED_TABLES, clockless_dump, raw_bodies, rows
from tests.postgres import BACKENDS
from tests.replay_server import Request, Samples, history_entry, replay_server, skill_is_of

PLAYER = "xuid(2535445291321133)"  # aCurtis X89, SPNKr's author: in every stats sample
Key = tuple[Any, ...]
# Per table, the columns that key a row of a match document.
KEYS = {
    "matches": ("match_id",),
    "match_teams": ("match_id", "team_id"),
    "match_players": ("match_id", "player_id", "team_id"),
    "medal_awards": ("match_id", "player_id", "team_id", "medal_id"),
    "personal_score_awards": ("match_id", "player_id", "team_id", "name_id"),
}
for _block in MODE_BLOCKS:
    KEYS[_block.table(Form.PLAYER)] = KEYS["match_players"]
    KEYS[_block.table(Form.TEAM)] = KEYS["match_teams"]
# Tables a reparse rebuilds from the raw documents, and what is kept beside them.
REBUILT = (*ENRICHED_TABLES, "api_drift", "pending_matches", "asset_stats_snapshots")


@pytest.fixture(scope="module")
def samples() -> Samples:
    found = Samples.load(PLAYER)
    if found is None:
        pytest.skip("../shared/halo-samples is absent")
    return found


# --- what the real documents say, by the naming rule --------------------------------------


def column(name: str, value: Any) -> tuple[str, Any]:
    """Return the column and the stored value of one API field (INTERFACE.md's rule)."""
    if name in TIMESTAMP_FIELDS:
        return snake_case(name), utc_timestamp(value)
    if name in DURATION_FIELDS or is_duration(value):
        return snake_case(name) + "_seconds", duration_seconds(value)
    return snake_case(name), value


def scalars(source: Mapping[str, Any], skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Return every scalar field of ``source`` as columns (lists and objects are elsewhere)."""
    return dict(
        column(name, value)
        for name, value in source.items()
        if name not in skip and not isinstance(value, dict | list)
    )


def expected_rows(doc: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Yield ``(table, key, columns)`` of every row a match document must leave in the archive.

    ``key`` maps the row's key columns to their values; ``columns`` holds only what the
    document sends (the archive may have more columns, null).
    """
    match = doc["MatchId"].lower()
    info = doc["MatchInfo"]
    refs = {"MapVariant": "map", "UgcGameVariant": "game_variant", "Playlist": "playlist",
            "PlaylistMapModePair": "map_mode_pair"}  # fmt: skip
    # A field beside MatchInfo that the code does not know is kept with the match.
    columns = {**scalars(doc), **scalars(info, frozenset(refs))}
    del columns["match_id"]
    for name, prefix in refs.items():
        columns[f"{prefix}_asset_id"] = (info[name] or {}).get("AssetId")
        columns[f"{prefix}_version_id"] = (info[name] or {}).get("VersionId")
    yield "matches", {"match_id": match}, columns
    for team in doc.get("Teams") or []:
        key = {"match_id": match, "team_id": team["TeamId"]}
        stats = team["Stats"]
        columns = {**scalars(team), **scalars(stats["CoreStats"])}
        yield "match_teams", key, {k: v for k, v in columns.items() if k not in key}
        yield from blocks(Form.TEAM, key, stats)
    for player in doc["Players"]:
        person = {**scalars(player, BOT), **scalars(player["ParticipationInfo"])}
        if player.get("BotAttributes"):
            person["bot_difficulty"] = player["BotAttributes"]["Difficulty"]
        del person["player_id"]
        for entry in player["PlayerTeamStats"] or [{"TeamId": player["LastTeamId"]}]:
            key = {"match_id": match, "player_id": player["PlayerId"], "team_id": entry["TeamId"]}
            core = (entry.get("Stats") or {}).get("CoreStats") or {}
            yield "match_players", key, {**person, **scalars(core)}
            for list_name, table, id_column in (
                ("Medals", "medal_awards", "medal_id"),
                ("PersonalScores", "personal_score_awards", "name_id"),
            ):
                yield from awards(table, key, id_column, core.get(list_name) or [])
            yield from blocks(Form.PLAYER, key, entry.get("Stats") or {})


Row = tuple[str, dict[str, Any], dict[str, Any]]
BOT = frozenset({"BotAttributes"})  # an object, or null for a human: its Difficulty is kept


def blocks(form: Form, key: dict[str, Any], stats: Mapping[str, Any]) -> Iterator[Row]:
    """Yield a row per mode block ``stats`` carries (``null`` is a block it does not carry)."""
    for name, block in stats.items():
        if name != "CoreStats" and block is not None:
            yield form.table_name(name), key, scalars(block)


def awards(table: str, key: dict[str, Any], id_column: str, listed: list[dict]) -> Iterator[Row]:
    """Yield an award line per ``NameId``, the counts of one listed twice added up."""
    counts: Counter[int] = Counter()
    scores: Counter[int] = Counter()
    for award in listed:
        counts[award["NameId"]] += award["Count"]
        scores[award["NameId"]] += award["TotalPersonalScoreAwarded"]
    for name_id, total in counts.items():
        columns = {"count": total, "total_personal_score_awarded": scores[name_id]}
        yield table, {**key, id_column: name_id}, columns


def schema_columns(table: str) -> set[str]:
    """Return the columns the archive's schema gives ``table`` (none for a table it lacks)."""
    found = metadata.tables.get(table)
    return set() if found is None else {c.name for c in found.columns}


def expected_drift(docs: list[Mapping[str, Any]]) -> set[tuple[str, str]]:
    """Return the ``(table, field)`` lines `api_drift` must hold for these documents.

    A field the schema has no column for is drift, and a table it lacks (a new mode
    block) is drift as a whole (``*``) and field by field.
    """
    drift = set()
    for doc in docs:
        for table, key, columns in expected_rows(doc):
            known = schema_columns(table)
            drift |= {(table, name) for name in columns if name not in known}
            if not known:  # the writer names every field of such a row, its key too
                drift |= {(table, "*"), *((table, name) for name in key)}
    return drift


# --- one replay per backend: two syncs and a reparse ---------------------------------------


@dataclass
class Replay:
    """What the replay of the samples into one archive did, step by step."""

    db: Path | str
    samples: Samples
    first: dict[str, Any]  # the first sync's --json summary
    first_requests: list[Request]
    second: dict[str, Any]
    second_requests: list[Request]
    before_reparse: dict[str, list[tuple]]
    reparse_code: int
    after_reparse: dict[str, list[tuple]]


@pytest.fixture(scope="module", params=BACKENDS)
def replay(request: pytest.FixtureRequest, samples: Samples, tmp_path_factory) -> Replay:
    if request.param == "sqlite":
        db: Path | str = tmp_path_factory.mktemp("replay") / "halo.db"
    else:  # an empty database: the sync migrates it, as a first sync into a new one does
        db = request.getfixturevalue("postgres_cluster").new_database()
    with replay_server(samples) as (url, service):
        runs = []
        for _ in range(2):
            asked = len(service.requests)
            run = cli("sync", "--player", PLAYER, "--json", db=db, api_base=url)
            assert run.returncode == 0, run.stderr
            runs.append((json.loads(run.stdout), service.requests[asked:]))
    before = clockless_dump(db, REBUILT)
    reparsed = cli("reparse", "--quiet", db=db)
    assert reparsed.stderr == ""
    return Replay(db, samples, *runs[0], *runs[1], before, reparsed.returncode,
                  clockless_dump(db, REBUILT))  # fmt: skip


def archived(db: Path | str, table: str, columns: list[str], matches: set[str]) -> dict[Key, dict]:
    """Return the rows of ``table`` for ``matches`` by key, with ``columns``."""
    keys = list(KEYS[table])
    chosen = keys + [c for c in columns if c not in keys]
    found = {}
    for row in rows(db, f"SELECT {', '.join(chosen)} FROM {table}"):
        if row[0] in matches:
            found[row[: len(keys)]] = dict(zip(chosen, row, strict=True))
    return found


def grouped(docs: list[Mapping[str, Any]]) -> dict[str, dict[Key, dict[str, Any]]]:
    """Return every document's expected rows, by table and key."""
    tables: dict[str, dict[Key, dict[str, Any]]] = {}
    for doc in docs:
        for table, key, columns in expected_rows(doc):
            assert not schema_columns(table) or tuple(key) == KEYS[table], (table, key)
            values = tuple(key.values())
            assert values not in tables.setdefault(table, {}), (table, key)
            tables[table][values] = columns
    return tables


@pytest.mark.slow
def test_a_sync_of_the_real_samples_archives_every_match_they_hold(replay):
    served = set(replay.samples.stats)
    assert len(served) == len(sample_paths("*match_stats*.json")) > 0
    summary = replay.first
    assert summary["outcome"] == "ok" and summary["pending"] == [] and summary["failures"] == []
    assert summary["matches_added"] == len(served)
    assert {m for (m,) in rows(replay.db, "SELECT match_id FROM matches")} == served
    assert rows(replay.db, "SELECT player_id FROM tracked_players") == [(PLAYER,)]
    # Nothing is lost: each raw document is the one the service sent.
    kept = {key: json.loads(body) for key, body in raw_bodies(replay.db, "match_stats").items()}
    assert kept == replay.samples.stats


@pytest.mark.slow
def test_every_row_equals_the_real_documents_field_by_field(replay):
    """Players' K/D/A and score, medals, teams, mode blocks: every field the documents send."""
    docs = list(replay.samples.stats.values())
    drift = expected_drift(docs)
    tables = grouped(docs)
    # The documents have what this test is about: several mode blocks, medals, teams.
    assert {"medal_awards", "match_teams", "pvp_stats", "oddball_stats"} <= set(tables)
    for table, expected in tables.items():
        if not schema_columns(table):
            continue  # a mode block the code does not know: drift as a whole (checked below)
        names = sorted({c for columns in expected.values() for c in columns} - {
            field for t, field in drift if t == table})  # fmt: skip
        found = archived(replay.db, table, names, set(replay.samples.stats))
        assert found.keys() == expected.keys(), table
        for key, columns in expected.items():
            kept = {name: columns[name] for name in names if name in columns}
            assert {name: found[key][name] for name in kept} == kept, (table, key)
    # Every table a mode block has, carried or not: rows only where a document carries it.
    for block in MODE_BLOCKS:
        for form in (Form.PLAYER, Form.TEAM):
            table = block.table(form)
            if table not in tables:
                assert archived(replay.db, table, [], set(replay.samples.stats)) == {}, table


@pytest.mark.slow
def test_what_the_schema_lacks_is_in_api_drift_and_nothing_else(replay):
    expected = expected_drift(list(replay.samples.stats.values()))
    match_tables = set(KEYS) | {table for table, _ in expected}
    found = rows(replay.db, "SELECT table_name, field, example_match_id FROM api_drift")
    assert {(t, f) for t, f, _ in found if t in match_tables} == expected
    assert {m for t, _, m in found if t in match_tables} <= set(replay.samples.stats)


@pytest.mark.slow
def test_assets_are_named_only_by_the_real_document_of_their_own_version(replay):
    samples = {(d["AssetId"], d["VersionId"]): d for by_id in replay.samples.assets.values()
               for d in by_id.values()}  # fmt: skip
    found = rows(replay.db, "SELECT asset_id, version_id, public_name, description FROM assets")
    assert found, "the matches name assets"
    for asset_id, version_id, name, description in found:
        doc = samples.get((asset_id, version_id), {})
        assert (name, description) == (doc.get("PublicName"), doc.get("Description"))
    # The latest versions served are each asset's figures, as the real document counts them.
    latest = [r for r in replay.first_requests
              if r.status == 200 and re.fullmatch(r"/hi/\w+/[\w-]+", r.path)]  # fmt: skip
    assert latest, "some sample asset is the latest version of an asset a match names"
    figures = {a: (v, p, n) for a, v, p, n in rows(replay.db,
               "SELECT asset_id, version_id, plays_all_time, number_of_ratings"
               " FROM asset_stats_snapshots")}  # fmt: skip
    for request in latest:
        segment, asset_id = request.path.split("/")[2:4]
        doc = replay.samples.assets[segment.lower()][asset_id]
        stats = doc["AssetStats"]
        assert figures[asset_id] == (doc["VersionId"], stats["PlaysAllTime"],
                                     stats["NumberOfRatings"])  # fmt: skip


@pytest.mark.slow
def test_a_second_sync_adds_nothing_and_reads_one_history_page(replay):
    assert replay.second["outcome"] == "ok" and replay.second["matches_added"] == 0
    history = [r for r in replay.second_requests if re.search(r"/matches\?", r.path)]
    assert len(history) == 1 and "start=0" in history[0].path
    assert not [r for r in replay.second_requests if r.path.endswith("/stats")]
    # The medals only the service record names were given up on by the first run, which
    # had the metadata already: nothing new arrived, so it is not fetched again.
    assert not [r for r in replay.second_requests if r.path.endswith("/medals/metadata.json")]


@pytest.mark.slow
def test_reparse_gives_back_the_same_rows(replay):
    assert replay.reparse_code == 0
    assert replay.before_reparse["match_players"] and replay.before_reparse["medal_awards"]
    assert replay.after_reparse == replay.before_reparse


@pytest.mark.slow
def test_each_match_is_asked_once_and_skill_only_for_its_humans(replay):
    requests = replay.first_requests + replay.second_requests
    stats = Counter(r.path for r in requests if r.path.endswith("/stats"))
    assert stats == Counter({f"/hi/matches/{m}/stats": 1 for m in replay.samples.stats})
    skill = [r for r in requests if re.search(r"/skill\?", r.path)]
    assert skill, "matchmade matches ask for skill"
    for request in skill:
        match = request.path.split("/")[3]
        asked = sorted(p for v in parse_qs(urlsplit(request.path).query)["players"]
                       for p in v.split(","))  # fmt: skip
        humans = sorted(p["PlayerId"] for p in replay.samples.stats[match]["Players"]
                        if p["PlayerId"].startswith("xuid("))  # fmt: skip
        assert asked == humans and "bid(" not in unquote(request.path)
        assert replay.samples.stats[match]["MatchInfo"]["LifecycleMode"] == 3  # matchmade


# --- the stand-in itself: consistent with the real documents --------------------------------


def test_history_entries_made_from_the_stats_are_those_the_real_page_holds(samples):
    page = load_json(sample_paths("spnkr__get_match_history.json")[0])
    real = [e for e in page["Results"] if e["MatchId"] in samples.stats]
    assert real, "the real page lists some stats samples"
    for entry in real:
        assert history_entry(samples.stats[entry["MatchId"]], PLAYER) == entry
    # Every stats sample of the player is on the page served, newest first.
    assert {e["MatchId"] for e in samples.history} == set(samples.stats)
    starts = [e["MatchInfo"]["StartTime"] for e in samples.history]
    assert starts == sorted(starts, reverse=True)


def test_the_skill_sample_answers_only_for_the_match_its_numbers_are_from(samples):
    skill = load_json(sample_paths("spnkr__get_match_skill.json")[0])
    assert samples.skill == {m: skill for m, d in samples.stats.items() if skill_is_of(skill, d)}
    # The check can succeed: a match whose numbers are the skill's is its match.
    doc = next(iter(samples.stats.values()))
    rated = skill["Value"][0]
    performance = rated["Result"]["StatPerformances"]
    core = {"Kills": performance["Kills"]["Count"], "Deaths": performance["Deaths"]["Count"]}
    player = {"PlayerId": rated["Id"], "PlayerTeamStats": [
        {"TeamId": rated["Result"]["TeamId"], "Stats": {"CoreStats": core}}]}  # fmt: skip
    assert skill_is_of(skill, {**doc, "Players": [player]})
    assert not skill_is_of(skill, {**doc, "Players": []})


def http_get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_the_stand_in_serves_a_sample_only_where_it_is_what_was_asked(samples):
    playlist = load_json(sample_paths("spnkr__get_playlist.json")[0])
    asset, version = playlist["AssetId"], playlist["VersionId"]
    match = next(iter(samples.stats))
    with replay_server(samples) as (url, service):
        assert http_get(f"{url}/hi/playlists/{asset}/versions/{version}") == (
            200, "application/json", json.dumps(playlist).encode())  # fmt: skip
        assert http_get(f"{url}/hi/playlists/{asset}")[0] == 200  # the latest version
        other = "00000000-0000-0000-0000-000000000000"
        assert http_get(f"{url}/hi/playlists/{asset}/versions/{other}") == (
            404, "application/json", b"")  # fmt: skip
        assert http_get(f"{url}/hi/maps/{asset}")[0] == 404  # a playlist's id is no map's
        assert http_get(f"{url}/hi/matches/{other}/stats")[0] == 404
        assert http_get(f"{url}/hi/nothing/here/at/all")[0] == 404
        status, _, body = http_get(f"{url}/hi/matches/{match}/stats")
        assert status == 200 and json.loads(body) == samples.stats[match]
        page = json.loads(http_get(f"{url}/hi/players/{PLAYER}/matches?start=1&count=2")[2])
        assert [e["MatchId"] for e in page["Results"]] == [
            e["MatchId"] for e in samples.history[1:3]]  # fmt: skip
        assert http_get(f"{url}/hi/players/xuid(2533274800000001)/matches")[0] == 404
    assert [r.status for r in service.requests] == [200, 200, 404, 404, 404, 404, 200, 200, 404]


@pytest.mark.slow
def test_verify_says_so_when_the_service_counts_more_than_its_history_lists(samples, tmp_path):
    # The real count document counts every match the player ever played; the samples'
    # history lists a handful. Nothing is missing from the archive: verify must not say
    # "0 matches missing, now pending".
    db = tmp_path / "halo.db"
    with replay_server(samples) as (url, _):
        assert cli("sync", "--player", PLAYER, "--quiet", db=db, api_base=url).returncode == 0
        result = cli("verify", db=db, api_base=url)
    assert result.returncode == 3, result.stderr
    assert "more than its history lists, and none is missing from the archive" in result.stderr
    assert "missing from the archive, now pending" not in result.stderr
    assert rows(db, "SELECT count(*) FROM pending_matches") == [(0,)]
