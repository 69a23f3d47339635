"""The store's SQL on PostgreSQL: SQLite's text, placeholders and values made psycopg's.

The store writes one SQL text, in the subset both databases share (``ON
CONFLICT … DO UPDATE``, ``excluded``, ``CASE``, ``coalesce``, ``UPDATE …
FROM``). What still differs is mechanical, and `writer` applies it here:

- placeholders: SQLite's ``?`` and ``?N`` become psycopg's ``%s`` (a ``%`` of
  the text doubled), the parameters of a numbered one repeated in order;
- ``IS NOT <value>``: PostgreSQL's ``IS NOT`` takes only NULL, TRUE or FALSE, and
  ``IS DISTINCT FROM`` is the same test;
- values: SQLite keeps a boolean as 0 or 1 and takes either for the other;
  PostgreSQL's BOOLEAN and INTEGER columns take only their own type.

Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from grunt_archive.tables import BOOLEAN_COLUMNS, INTEGER_COLUMNS

Order = tuple[int, ...] | None  # which parameter each placeholder takes (None: in turn)

_IS_NOT_VALUE = re.compile(r"\bIS NOT (?!NULL\b|TRUE\b|FALSE\b)", re.IGNORECASE)
_cache: dict[str, tuple[str, Order]] = {}


def postgresql(sql: str) -> tuple[str, Order]:
    """Return ``sql`` (SQLite's placeholders) as psycopg takes it, and the parameters' order."""
    found = _cache.get(sql)
    if found is not None:
        return found
    out: list[str] = []
    order: list[int] = []
    numbered = False
    index = 0
    quoted = False
    while index < len(sql):
        char = sql[index]
        if char == "'":
            quoted = not quoted
        if char == "%":
            out.append("%%")
        elif char == "?" and not quoted:
            end = index + 1
            while end < len(sql) and sql[end].isdigit():
                end += 1
            if end > index + 1:
                numbered = True
                order.append(int(sql[index + 1 : end]) - 1)
            else:
                order.append(len(order))
            out.append("%s")
            index = end
            continue
        else:
            out.append(char)
        index += 1
    text = _IS_NOT_VALUE.sub("IS DISTINCT FROM ", "".join(out))
    result = (text, tuple(order) if numbered else None)
    _cache[sql] = result
    return result


def arguments(parameters: Sequence[Any], order: Order) -> Sequence[Any]:
    """Return the parameters for a statement whose placeholders take them in ``order``."""
    if order is None:
        return parameters
    return tuple(parameters[position] for position in order)


_BOOLEAN = BOOLEAN_COLUMNS
_INTEGER = INTEGER_COLUMNS


def coerce(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Make, in place, 0/1 a boolean in BOOLEAN columns and True/False a number in INTEGER ones."""
    booleans = _BOOLEAN.get(table, frozenset())
    integers = _INTEGER.get(table, frozenset())
    positions = [
        (i, column in booleans) for i, column in enumerate(columns)
        if column in booleans or column in integers
    ]  # fmt: skip
    if not positions:
        return
    for number, row in enumerate(rows):
        values = list(row)
        changed = False
        for position, boolean in positions:
            value = values[position]
            if boolean and type(value) is int:
                values[position] = bool(value)
                changed = True
            elif not boolean and type(value) is bool:
                values[position] = int(value)
                changed = True
        if changed:
            rows[number] = tuple(values)
