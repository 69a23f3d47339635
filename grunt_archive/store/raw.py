"""Raw copies and the one way a document is saved: its rows, its raw copy, one unit of work.

Every kind's rows are written by the one function its store module registers
with `writes`; `save_document` normalizes a document (outside the
transaction), then in one unit of work writes its rows, keeps its raw copy as
the kind says (`Keep`), and runs what the caller adds (releasing a pending
row, refreshing the viewer's tables). ``reparse`` calls the same writers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grunt_archive.documents import KINDS, DocumentKind, Keep, RawDocument, Rows
from grunt_archive.errors import MalformedResponseError
from grunt_archive.rawbody import encode
from grunt_archive.store.session import Store, Unit
from grunt_archive.store.writer import execute, write_rows

# Writes one document's rows inside a unit of work; says whether anything changed
# (a snapshot equal to the latest writes nothing, and its raw copy is not kept).
Writer = Callable[[Unit, Rows, RawDocument], bool]
# What a save does besides: given the rows and whether they changed anything.
After = Callable[[Unit, Rows, bool], None]

_WRITERS: dict[str, Writer] = {}


def writes(kind: DocumentKind) -> Callable[[Writer], Writer]:
    """Register the function that writes ``kind``'s rows (one per kind)."""

    def register(writer: Writer) -> Writer:
        if kind.name in _WRITERS:
            raise ValueError(f"two writers for {kind.name}")
        _WRITERS[kind.name] = writer
        return writer

    return register


def writer_of(kind: DocumentKind) -> Writer:
    """Return the function that writes ``kind``'s rows.

    Raises:
        LookupError: no store module registered one.

    """
    try:
        return _WRITERS[kind.name]
    except KeyError:
        raise LookupError(f"no store writer for document kind {kind.name!r}") from None


def keep_raw(connection: Unit, raw: RawDocument, changed: bool = True) -> None:
    """Keep a raw copy as its kind says: appended, replacing the older, or only when it changed."""
    kind = KINDS[raw.kind]
    if kind.keep is Keep.LATEST:
        execute(
            connection, "DELETE FROM raw_responses WHERE kind = ? AND key = ?", (raw.kind, raw.key)
        )
    elif kind.keep is Keep.CHANGES and not changed:
        return
    body, encoding = encode(raw.body)
    row = {
        "kind": raw.kind,
        "key": raw.key,
        "path": raw.path,
        "fetched_at": raw.fetched_at,
        "body": body,
        "encoding": encoding,
    }
    write_rows(connection, "raw_responses", [row])


def save_raw(store: Store, raw: RawDocument) -> None:
    """Keep a raw copy whose rows are not written (history pages), in a unit of its own."""
    with store.unit() as connection:
        keep_raw(connection, raw)


def save_document(
    store: Store, raw: RawDocument, document: Any, after: After | None = None
) -> bool:
    """Archive one document: its rows, its raw copy and ``after``, all or nothing.

    Returns:
        Whether its rows changed anything (always, but for an unchanged snapshot).

    Raises:
        MalformedResponseError: the document cannot be normalized or stored;
            nothing is written.

    """
    kind = KINDS[raw.kind]
    try:
        rows = kind.rows(document, raw.key)
    except ValueError as error:  # a key that is not one of this kind's
        raise MalformedResponseError(f"{kind.name} {raw.key!r}: {error}") from None
    write = writer_of(kind)
    with store.unit() as connection:
        changed = write(connection, rows, raw)
        keep_raw(connection, raw, changed)
        if after is not None:
            after(connection, rows, changed)
    return changed
