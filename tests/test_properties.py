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

DOCUMENTS = [load_json(p) for p in sorted(FIXTURES.glob("match_*.json"))]
DOCUMENTS += [load_json(p) for p in sample_paths("*match_stats_ctf.json")]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=True)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


@st.composite
def mutated_documents(draw):
    doc = copy.deepcopy(draw(st.sampled_from(DOCUMENTS)))
    for _ in range(draw(st.integers(1, 4))):
        targets = [p for p in paths(doc) if p]
        path = draw(st.sampled_from(targets))
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "add", "copy"]))
        if action == "copy":
            # Copy a value from elsewhere in the document: duplicate keys, wrong shapes.
            source = draw(st.sampled_from(targets))
            value = doc
            for step in source:
                value = value[step]
            parent[path[-1]] = copy.deepcopy(value)
        elif action == "replace":
            parent[path[-1]] = draw(json_values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = draw(json_values)
    return doc


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
@given(doc=mutated_documents())
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
