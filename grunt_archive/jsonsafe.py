"""JSON as the service sends it, parsed as untrusted input: one parser for sync and reparse.

Pure (no HTTP, no SQL): the API client parses every answer with `loads`, and
``reparse`` parses the stored raw bodies with it again, so a body holding
``NaN`` or ``Infinity`` is rebuilt exactly as the sync stored it (NULL).
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


def _depth(value: Any) -> int:
    """Return how deeply ``value`` nests lists and objects, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if deepest > MAX_DEPTH:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def loads(text: str) -> Any:
    """Parse a service's JSON: non-finite numbers become None, nothing SQLite cannot hold.

    Raises:
        MalformedResponseError: not JSON, nested deeper than `MAX_DEPTH`, or
            an integer beyond 64 bits (SQLite's INTEGER).

    """
    try:
        data = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except _Unusable as error:
        raise MalformedResponseError(f"a body holding {error}") from None
    except RecursionError:
        raise MalformedResponseError(f"a body nested deeper than {MAX_DEPTH} levels") from None
    except ValueError:
        raise MalformedResponseError("a body that is not JSON") from None
    if _depth(data) > MAX_DEPTH:
        raise MalformedResponseError(f"a body nested deeper than {MAX_DEPTH} levels")
    return data
