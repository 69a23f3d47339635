"""A match's share of the per-player totals, taken back out when a changed copy replaces it.

A sync stores a match it holds again when the service answers another stats
document for it. Each totals row the match counts in (an encounter, a medal, a
``*_totals`` row) held its old share; until this module they were counted again
from every match of the tracked players in it (6 to 7 s for a match of 20
tracked players in a clan's archive). Now the old copy's share (`Aggregate.share`,
read before its rows go) is taken out of each row (`take_out`), and the new
copy's is added as a new match's is: the cost is the two copies' rows.

Counts and sums come out exactly by subtraction. Two things do not, and only
the rows where they bite are counted again from every match (`take_out`
returns them): a sum left at 0, which a rebuild leaves NULL when every match
left counts NULL (SUM of NULLs), unless the new copy adds a number; and a
latest (or earliest) value the old copy held, which the other matches may not
reach, unless the new copy holds it too. Values are only tested for equality
here, never ordered: the database's collation orders text, so the new copy's
value is combined with the row's by the same upsert that adds a new match.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from grunt_archive.store.session import Unit
from grunt_archive.store.writer import execute, query

# How a column of a totals row combines its matches' values.
NAME = "name"  # the same for every match (the names of its ids): nothing to take out
COUNT = "count"  # never NULL: subtracted
SUM = "sum"  # SUM, NULL only when every match's value is
LATEST = "latest"  # max or min: only equality is tested
DERIVED = "derived"  # computed from the row's other columns (`Aggregate.refresh`)

Key = tuple[Any, ...]
Share = dict[str, dict[Key, dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Aggregate:
    """A totals table: its key, how each column combines, one match's share (SELECT).

    ``select`` takes the match id and returns key columns then ``kinds`` in order;
    ``count`` names the column that counts what a row adds up (none left: no row);
    ``refresh`` is the SET clause computing the `DERIVED` columns from the rest.
    """

    table: str
    key: tuple[str, ...]
    kinds: Mapping[str, str]
    count: str
    select: str
    refresh: str = ""

    def share(self, connection: Unit, match_id: str) -> dict[Key, dict[str, Any]]:
        """Return, by key, the row the match's lines alone add up to."""
        found = {}
        width = len(self.key)
        for row in query(connection, self.select, (match_id,)):
            found[tuple(row[:width])] = dict(zip(self.kinds, row[width:], strict=True))
        return found


def shares(connection: Unit, aggregates: Sequence[Aggregate], match_id: str) -> Share:
    """Return the match's share of each of ``aggregates``, by table and key."""
    return {a.table: a.share(connection, match_id) for a in aggregates}


def take_out(
    connection: Unit, aggregates: Sequence[Aggregate], old: Share, new: Share
) -> dict[str, set[Key]]:
    """Take the ``old`` copy's share out of every row it counts in, before ``new``'s is added.

    A row left with nothing goes. Returns, by table, the keys whose rows cannot
    be told by subtraction (the module's docstring says which); the caller
    counts them again from every match once the new copy's share is added.
    """
    again: dict[str, set[Key]] = {}
    for aggregate in aggregates:
        again[aggregate.table] = _take_out(
            connection, aggregate, old.get(aggregate.table, {}), new.get(aggregate.table, {})
        )
    return again


def _take_out(
    connection: Unit, aggregate: Aggregate, old: dict[Key, dict], new: dict[Key, dict]
) -> set[Key]:
    table, key_columns = aggregate.table, aggregate.key
    where = " AND ".join(f"{c} = ?" for c in key_columns)
    columns = list(aggregate.kinds)
    read = f"SELECT {', '.join(columns)} FROM {table} WHERE {where}"
    changed = [c for c in columns if aggregate.kinds[c] in (COUNT, SUM)]
    update = f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in changed)} WHERE {where}"
    again: set[Key] = set()
    gone: list[Key] = []
    updates: list[tuple[Any, ...]] = []
    for key, share in old.items():
        found = query(connection, read, key)
        if not found:  # a row the archive lacks: count it as a rebuild would
            again.add(key)
            continue
        row = dict(zip(columns, found[0], strict=True))
        left = row[aggregate.count] - share[aggregate.count]
        if left < 0:  # more taken out than the row holds: not as stored, count it again
            again.add(key)
            continue
        if left == 0:  # the old copy was all it counted
            gone.append(key)
            continue
        values = _rest(aggregate, row, share, new.get(key))
        if values is None:
            again.add(key)
        else:
            updates.append((*(values[c] for c in changed), *key))
    execute(connection, f"DELETE FROM {table} WHERE {where}", gone)
    execute(connection, update, updates)
    if aggregate.refresh:
        execute(connection, f"UPDATE {table} SET {aggregate.refresh} WHERE {where}",
                [values[len(changed):] for values in updates])  # fmt: skip
    return again


def _rest(
    aggregate: Aggregate,
    row: dict[str, Any],
    old: dict[str, Any],
    new: dict[str, Any] | None,
) -> dict[str, Any] | None:
    """Return the row without the old copy's share, or None when that cannot be told.

    What is returned, with the new copy's share added by the upsert of a new
    match, is what a rebuild computes; it is the row without the old share
    itself but where the new share decides the outcome anyway.
    """
    rest: dict[str, Any] = {}
    for column, kind in aggregate.kinds.items():
        was, mine = row[column], old[column]
        coming = None if new is None else new[column]
        if kind == COUNT:
            rest[column] = was - mine
        elif kind == SUM:
            if mine is None:
                rest[column] = was
            elif was is None:  # the row lacks what the old copy added: not as stored
                return None
            elif was - mine != 0 or coming is not None:
                # Not 0: some other match added a number. 0 with a number coming:
                # the total is that number, whether the others add 0 or NULL.
                rest[column] = was - mine
            else:
                return None  # 0 or NULL: only the other matches can tell
        elif kind == LATEST:
            # The row's value is the latest of the old copy's and the others': a value
            # the old copy did not hold is the others', and one the new copy holds too
            # stays; otherwise the others' latest is unknown.
            if mine is not None and mine == was and coming != mine:
                return None
            rest[column] = was
    return rest
