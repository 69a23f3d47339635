"""Property tests: normalize and store either archive a mutated document or report it, never crash."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from grunt_archive.db import archive_store
from grunt_archive.errors import MalformedResponseError
from grunt_archive.normalize import match_rows
from grunt_archive.store.matches import write_match_rows
from tests.conftest import FIXTURES, load_json, sample_paths
from tests.mutations import mutations

DOCUMENTS = [load_json(p) for p in sorted(FIXTURES.glob("match_*.json"))]
DOCUMENTS += [load_json(p) for p in sample_paths("*match_stats_ctf.json")]


def _mutated(doc: dict, path: tuple, value: Any) -> dict:
    doc = copy.deepcopy(doc)
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return doc


@pytest.fixture(scope="module")
def connection(tmp_path_factory):
    # A unit each test opens and always rolls back: the archive stays empty between examples.
    path = tmp_path_factory.mktemp("properties") / "halo.db"
    with archive_store(path) as store, store.unit() as connection:
        connection.driver.rollback()
        yield connection


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=st.sampled_from(DOCUMENTS).flatmap(mutations))
# Non-scalar ids once raised TypeError (unhashable) while collecting references.
@example(doc=_mutated(DOCUMENTS[0], ("MatchInfo", "SeasonId"), []))
@example(doc=_mutated(DOCUMENTS[0], ("MatchInfo", "SeasonId"), {"Id": 1}))
@example(doc=_mutated(DOCUMENTS[0], ("MatchInfo", "MapVariant", "AssetId"), ["x"]))
def test_a_mutated_document_is_stored_or_reported(connection, doc):
    before = copy.deepcopy(doc)
    connection.driver.execute("BEGIN")
    try:
        rows = match_rows(doc)
        write_match_rows(connection, rows)
    except MalformedResponseError:
        pass
    finally:
        connection.driver.rollback()
    assert doc == before


def _set(path, value):
    def mutate(doc):
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = value(doc) if callable(value) else value

    return mutate


@pytest.mark.parametrize(
    "mutate",
    [
        _set(("Players", 1, "PlayerId"), lambda d: d["Players"][0]["PlayerId"]),
        _set(("Teams", 0, "TeamId"), None),
        _set(("Teams", 1, "TeamId"), 0),
        _set(("Players", 0, "PlayerTeamStats", 0, "TeamId"), "abc"),
        _set(("Players", 0, "PlayerTeamStats", 0, "Stats", "CoreStats", "Kills"), 2**70),
        _set(
            ("Players", 0, "PlayerTeamStats", 0, "Stats", "CoreStats", "Medals", 0, "NameId"), True
        ),
    ],
    ids=[
        "duplicate-player",
        "null-team",
        "duplicate-team",
        "text-team",
        "huge-number",
        "bool-medal",
    ],
)
def test_documents_that_break_keys_are_reported(connection, mutate):
    doc = copy.deepcopy(DOCUMENTS[1])
    mutate(doc)
    connection.driver.execute("BEGIN")
    try:
        with pytest.raises(MalformedResponseError):
            write_match_rows(connection, match_rows(doc))
    finally:
        connection.driver.rollback()
