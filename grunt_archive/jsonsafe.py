"""JSON as the service sends it, parsed as untrusted input: one parser for sync and reparse.

Pure (no HTTP, no SQL): the API client parses every answer with `loads`, and
``reparse`` parses the stored raw bodies with it again, so a body holding
``NaN`` or ``Infinity`` is rebuilt exactly as the sync stored it (NULL), and
a string holding NUL (U+0000, which PostgreSQL's text cannot hold) with
U+FFFD in its place in either database.
"""

from __future__ import annotations

import json
import math
from typing import Any

from grunt_archive.errors import MalformedResponseError

# The deepest real document (a match's stats) nests about 8 levels; SQLite's JSON functions
# stop at 1000 and Python's parser at its recursion limit, long after anything sound.
MAX_DEPTH = 64
_INT64 = range(-(2**63), 2**63)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


class _Unusable(ValueError):
    """A body that parses as JSON but holds something the archive cannot store."""


def _int(text: str) -> int:
    try:
        number = int(text)
    except ValueError:  # more digits than Python converts
        raise _Unusable("an integer beyond 64 bits") from None
    if number not in _INT64:
        raise _Unusable("an integer beyond 64 bits")
    return number


def _float(text: str) -> float | None:
    number = float(text)
    # 1e999 is infinite once parsed: stored as NULL like the literals.
    return number if math.isfinite(number) else None


def _constant(_name: str) -> None:
    """Return None for ``NaN``, ``Infinity`` and ``-Infinity`` (not JSON; stored as NULL)."""
    return None


def _check(value: Any) -> Any:
    """Return ``value`` with non-finite floats made None; refuse it when too deep or too large.

    One pass over the containers, level by level, without recursion: checking the
    integers here rather than in a ``parse_int`` hook keeps the parser on its C path
    (the hook was a Python call per integer, a third of a sync's parsing time), and
    so does turning a float too large to be finite (``1e999``) into None here.

    Raises:
        _Unusable: an integer beyond 64 bits.
        MalformedResponseError: nested deeper than `MAX_DEPTH`.

    """
    root = [value]
    level, frontier = 0, [root]
    while frontier:
        if level > MAX_DEPTH:
            raise MalformedResponseError(f"a body nested deeper than {MAX_DEPTH} levels")
        nested = []
        for item in frontier:
            for key, child in item.items() if type(item) is dict else enumerate(item):
                kind = type(child)
                if kind is int:
                    if not _INT64_MIN <= child <= _INT64_MAX:
                        raise _Unusable("an integer beyond 64 bits")
                elif kind is float:
                    # x - x is 0.0 for a finite x and NaN (true) for NaN and ±inf: stored as NULL.
                    if child - child:
                        item[key] = None
                elif kind is dict or kind is list:
                    nested.append(child)
        frontier, level = nested, level + 1
    return root[0]


def outside(value: Any, low: int, high: int) -> int | None:
    """Return the first integer of a parsed document outside ``low..high``, or None.

    Level by level like `_check` (which bounds the depth before this runs).
    """
    frontier = [value]
    while frontier:
        nested = []
        for item in frontier:
            for child in item.values() if type(item) is dict else item:
                kind = type(child)
                if kind is int:
                    if not low <= child <= high:
                        return child
                elif kind is dict or kind is list:
                    nested.append(child)
        frontier = nested
    return None


def _without_nul(value: Any) -> Any:
    """Return ``value`` with NUL replaced by U+FFFD in every string, keys included."""
    kind = type(value)
    if kind is str:
        return value.replace("\x00", "\ufffd")
    if kind is dict:
        return {_without_nul(key): _without_nul(child) for key, child in value.items()}
    if kind is list:
        return [_without_nul(child) for child in value]
    return value


def loads(text: str) -> Any:
    """Parse a service's JSON: non-finite numbers become None, nothing SQLite cannot hold.

    Raises:
        MalformedResponseError: not JSON, nested deeper than `MAX_DEPTH`, or
            an integer beyond 64 bits (SQLite's INTEGER).

    """
    try:
        try:
            data = json.loads(text, parse_constant=_constant)
        except ValueError:
            # Python refuses to convert an integer of thousands of digits: parse again,
            # slowly, to say so rather than "not JSON".
            data = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
        data = _check(data)
        # JSON spells NUL only this way (strict parsing refuses it raw): rare, so looked for
        # in the text at C speed, and the document walked (depth checked) only when there.
        if "\\u0000" in text:
            data = _without_nul(data)
    except _Unusable as error:
        raise MalformedResponseError(f"a body holding {error}") from None
    except RecursionError:
        raise MalformedResponseError(f"a body nested deeper than {MAX_DEPTH} levels") from None
    except ValueError:
        raise MalformedResponseError("a body that is not JSON") from None
    return data
