"""The mode-block tables, generated from the declaration in ``normalize.mode_blocks``.

Each table is a key model (player, team or service-record key) combined with a
data model holding the block's fields, exactly as a hand-written
``class OddballStats(PlayerKey, OddballStatsFields, table=True)`` would be: the
block's columns come first, in declared order, then the key's.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any

from sqlmodel import SQLModel

from grunt_archive.normalize.mode_blocks import MODE_BLOCKS, Form, ModeBlock, forms

# Table options for a table of per-match rows: stored once, in primary key order,
# not twice (a rowid table and its key's index). Last in ``__table_args__``.
WITHOUT_ROWID: dict[str, Any] = {"sqlite_with_rowid": False}
# The forms whose tables hold per-match rows (service-record rows are few).
_PER_MATCH = (Form.PLAYER, Form.TEAM)

_CLASS_PREFIX = {Form.PLAYER: "", Form.TEAM: "Team", Form.SERVICE_RECORD: "ServiceRecord"}
_WHOSE = {
    Form.PLAYER: "A player's",
    Form.TEAM: "A team's",
    Form.SERVICE_RECORD: "A service record snapshot's",
}


def _model(
    name: str, bases: tuple[type, ...], namespace: Mapping[str, Any], *, table: bool = False
) -> type[SQLModel]:
    body = {"__module__": __name__, **namespace}
    keywords = {"table": True} if table else {}
    return types.new_class(name, bases, keywords, lambda ns: ns.update(body))


def fields_model(block: ModeBlock, form: Form) -> type[SQLModel]:
    """Return the data model (no table) of a block's fields in ``form``, all nullable."""
    fields = block.fields_of(form)
    namespace: dict[str, Any] = {
        "__doc__": f"``{block.name}`` ({block.summary}), as the {form.name.lower()} form has it.",
        "__annotations__": {field.column: field.type | None for field in fields},
        **{field.column: None for field in fields},
    }
    return _model(f"{_CLASS_PREFIX[form]}{block.name}Fields", (SQLModel,), namespace)


def table_model(block: ModeBlock, form: Form, key: type[SQLModel]) -> type[SQLModel]:
    """Return the table model of a block in ``form``, keyed by the data model ``key``."""
    namespace = {
        "__doc__": f"{_WHOSE[form]} ``{block.name}`` ({block.summary}).",
        "__tablename__": block.table(form),
    }
    if form in _PER_MATCH:
        namespace["__table_args__"] = (WITHOUT_ROWID,)
    bases = (key, fields_model(block, form))
    return _model(f"{_CLASS_PREFIX[form]}{block.name}", bases, namespace, table=True)


def mode_tables(keys: Mapping[Form, type[SQLModel]]) -> dict[str, type[SQLModel]]:
    """Declare the tables of every block in the given forms, block by block.

    Args:
        keys: the key data model of each form to declare.

    Returns:
        ``{table name: table model}``, in declaration order.

    """
    return {
        block.table(form): table_model(block, form, key)
        for block in MODE_BLOCKS
        for form, key in keys.items()
        if form in forms(block)
    }
