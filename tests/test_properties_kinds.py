"""Property tests for every kind of document: a mutated answer is archived or reported, never a crash.

`test_properties` mutates match stats; this does the same to one real-shaped
document of every kind the registry normalizes (taken from a sync against the
simulator), through the kind's normalizer and the store writer its module
registers, on an archive that already holds the original: the path a newer
copy of a document takes. Only `MalformedResponseError` may come out, and the
document is never changed by reading it. The writer refuses a value that is not
a scalar; rows written by a function of their own must hold scalars already.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

# The store modules register their kinds' writers when imported.
import grunt_archive.store.career_snapshots
import grunt_archive.store.lookups
import grunt_archive.store.matches  # noqa: F401
from grunt_archive.db import archive_store
from grunt_archive.documents import KINDS, RawDocument
from grunt_archive.errors import MalformedResponseError
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store.raw import writer_of
from tests.helpers import raw_bodies, sync
from tests.mutations import mutations

NORMALIZED = sorted(name for name, kind in KINDS.items() if kind.normalize is not None)
# Written by a function of their own rather than a registered writer (`save_gamertags`
# also takes the ids that were asked about): their rows are checked, not written.
ROWS_ONLY = {"profile_users"}
BINDABLE = (str, int, float, bytes, type(None))


@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> Path:
    """An archive holding a document of every kind, with a clearance (CSR, assets)."""
    sim = Simulator(SimulatorConfig(seed=5, players=1, matches=12))
    db = tmp_path_factory.mktemp("kinds") / "halo.db"
    assert sync(db, sim, *sim.player_ids, clearance="given").outcome == "ok"
    return db


@pytest.fixture(scope="module")
def originals(synced) -> dict[str, tuple[str, Any]]:
    """One stored document of each normalized kind: its key and its parsed body."""
    found = {}
    for name in NORMALIZED:
        bodies = raw_bodies(synced, name)
        assert bodies, f"the sync stored no {name} document"
        key = sorted(bodies)[0]
        found[name] = (key, json.loads(bodies[key]))
    return found


@pytest.fixture(scope="module")
def connection(synced):
    # A unit each example opens and rolls back: the archive keeps the originals only.
    with archive_store(synced) as store, store.unit() as connection:
        connection.driver.rollback()
        yield connection


def _bindable(rows: Any) -> None:
    for table, table_rows in rows.items():
        for row in table_rows:
            for column, value in row.items():
                assert isinstance(value, BINDABLE), f"{table}.{column} = {value!r}"


def test_every_kind_has_an_original(originals):
    assert set(originals) == set(NORMALIZED)


@pytest.mark.parametrize("name", NORMALIZED)
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_mutated_document_of_every_kind_is_stored_or_reported(name, originals, connection, data):
    key, original = originals[name]
    document = data.draw(mutations(original))
    before = copy.deepcopy(document)
    event("stored" if _store_or_report(name, key, document, connection) else "reported")
    assert document == before


def test_the_originals_are_stored_as_they_are(originals, connection):
    """The unmutated documents pass: the properties here do not pass by refusing everything."""
    for name in NORMALIZED:
        key, document = originals[name]
        assert any(KINDS[name].rows(document, key).values()), f"{name} made no row"
        assert _store_or_report(name, key, document, connection), name


# What a field may turn into: every JSON type, the empty ones, and the edges of numbers.
STRANGE = [None, True, 0, -1, 2**63 - 1, 1.5, "", "x", [], {}, [{}], {"x": 1}]


def _first_paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value, taking only the first item of each list (one of each shape)."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _first_paths(value, (*prefix, key))
    elif isinstance(node, list) and node:
        found += _first_paths(node[0], (*prefix, 0))
    return found


def _store_or_report(name: str, key: str, document: Any, connection: Any) -> bool:
    """Normalize and write ``document`` in a unit rolled back; return whether it was stored."""
    kind = KINDS[name]
    raw = RawDocument(name, key, f"/{name}", "2025-01-01T00:00:00.000Z", json.dumps(document))
    connection.driver.execute("BEGIN")
    try:
        rows = kind.rows(document, key)
        if name in ROWS_ONLY:
            _bindable(rows)
        else:
            writer_of(kind)(connection, rows, raw)
        return True
    except MalformedResponseError:
        return False
    finally:
        connection.driver.rollback()


@pytest.mark.parametrize("name", NORMALIZED)
def test_every_field_of_every_kind_may_be_anything_or_missing(name, originals, connection):
    """Each field (of the first item of each list) deleted, then set to each strange value."""
    key, original = originals[name]
    # A fresh copy a case, parsed from the text: a JSON document's deepcopy is the same
    # value, at ten times the cost (most of this test's time on a match's stats).
    text = json.dumps(original)
    outcomes = []
    for path in _first_paths(original)[1:]:
        for value in [_DELETED, *STRANGE]:
            document = json.loads(text)
            parent = document
            for step in path[:-1]:
                parent = parent[step]
            if value is _DELETED:
                del parent[path[-1]]
            else:
                parent[path[-1]] = copy.deepcopy(value)
            try:
                outcomes.append(_store_or_report(name, key, document, connection))
            except Exception as error:  # the test names what escaped, and where
                raise AssertionError(f"{name} {path} = {value!r}: {error!r}") from error
    assert True in outcomes and False in outcomes, "both stored and refused documents"


_DELETED = object()
