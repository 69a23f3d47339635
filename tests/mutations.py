"""Hypothesis strategies that spoil a JSON document the way a broken or hostile service might."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

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
    """Every path to a value in ``node``, the root's (``()``) first."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


@st.composite
def mutations(draw: st.DrawFn, document: Any) -> Any:
    """Return a copy of ``document`` with one to four values replaced, deleted, added or copied."""
    document = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 4))):
        targets = [p for p in paths(document) if p]
        if not targets:  # everything deleted: the document itself becomes something else
            return draw(json_values)
        path = draw(st.sampled_from(targets))
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "add", "copy"]))
        if action == "copy":
            # Copy a value from elsewhere in the document: duplicate keys, wrong shapes.
            value = document
            for step in draw(st.sampled_from(targets)):
                value = value[step]
            parent[path[-1]] = copy.deepcopy(value)
        elif action == "replace":
            parent[path[-1]] = draw(json_values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = draw(json_values)
    return document
