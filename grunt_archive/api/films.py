"""Theater films: a match's film manifest (discovery-infiniteugc) and its chunks (blob host).

The manifest (`FilmService.manifest`) lists the film's chunks; the last, of
type `HIGHLIGHT_CHUNK`, holds the highlight events. Its bytes come from the
blob host (`api.blobs`) at ``BlobStoragePathPrefix`` joined with the chunk's
``FileRelativePath``, compressed as stored: `FilmService.chunk` returns them
as received, for `grunt_archive.film.reader` to read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grunt_archive.api import ids
from grunt_archive.api.blobs import BlobService
from grunt_archive.api.client import Document, HaloClient
from grunt_archive.errors import MalformedResponseError

HOST = "https://discovery-infiniteugc.svc.halowaypoint.com"
HEADER_CHUNK, REPLICATION_CHUNK, HIGHLIGHT_CHUNK = 1, 2, 3
"""``ChunkType`` values (halo-api.md §10)."""


def chunks(manifest: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Return the manifest's chunk entries.

    Raises:
        MalformedResponseError: The manifest has no ``CustomData.Chunks`` list.

    """
    custom = manifest.get("CustomData") if isinstance(manifest, Mapping) else None
    entries = custom.get("Chunks") if isinstance(custom, Mapping) else None
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        raise MalformedResponseError("a film manifest without a list of chunks")
    return entries


def check_manifest(match_id: str, manifest: Any) -> None:
    """Refuse a manifest that is no JSON object, or that says it is another match's film.

    A manifest without ``CustomData.MatchId`` is taken at its word.

    Raises:
        MalformedResponseError: Not an object, or ``CustomData.MatchId`` names another match.

    """
    if not isinstance(manifest, Mapping):
        raise MalformedResponseError(f"the film manifest of match {match_id} is not an object")
    custom = manifest.get("CustomData")
    served = custom.get("MatchId") if isinstance(custom, Mapping) else None
    if served is not None and (not isinstance(served, str) or served.lower() != match_id.lower()):
        raise MalformedResponseError(
            f"the film manifest of match {match_id} is another match's ({repr(served)[:60]})"
        )


def highlight_index(manifest: Mapping[str, Any]) -> int:
    """Return the ``Index`` of the film's highlight chunk (the last of type 3).

    Raises:
        MalformedResponseError: No chunk of type 3, or one without an index.

    """
    found = [e for e in chunks(manifest) if e.get("ChunkType") == HIGHLIGHT_CHUNK]
    index = found[-1].get("Index") if found else None
    if not isinstance(index, int) or isinstance(index, bool):
        raise MalformedResponseError("a film manifest without a highlight chunk (type 3)")
    return index


def chunk_url(manifest: Mapping[str, Any], index: int) -> str:
    """Return the URL of chunk ``index``: ``BlobStoragePathPrefix`` + its ``FileRelativePath``.

    The URL is not checked here: `api.blobs.blob_path` checks it before any request.

    Raises:
        MalformedResponseError: No chunk with that index, or no prefix or path to join.

    """
    entry = next((e for e in chunks(manifest) if e.get("Index") == index), None)
    prefix = manifest.get("BlobStoragePathPrefix")
    relative = entry.get("FileRelativePath") if entry is not None else None
    if not isinstance(prefix, str) or not isinstance(relative, str) or not relative.strip("/"):
        raise MalformedResponseError(f"a film manifest without a path for chunk {index}")
    # The real prefix ends with "/" and the relative paths start with one: join them once.
    return f"{prefix.rstrip('/')}/{relative.lstrip('/')}"


class FilmService:
    """A match's film manifest, and its chunks' bytes through the blob host."""

    name = "films"

    def __init__(self, client: HaloClient) -> None:
        self.client = client
        self.blobs = BlobService(client)

    async def manifest(self, match_id: str) -> Document:
        """Return a match's film manifest (``/hi/films/matches/{id}/spectate``).

        Raises:
            NotFoundError: 404 or 410: the match has no film, or it expired.
            MalformedResponseError: Not an object, or another match's manifest.

        """
        match = ids.segment(match_id, "a match id", safe="")
        document = await self.client.get(
            self.name, HOST, f"/hi/films/matches/{match}/spectate", clearance=True
        )
        check_manifest(match_id, document.data)
        return document

    async def chunk(self, manifest: Mapping[str, Any], index: int | None = None) -> Document:
        """Return one chunk's bytes as received (``content``): compressed, not decoded.

        Args:
            manifest: The film manifest (the parsed ``data`` of `manifest`).
            index: The chunk's ``Index``; the highlight chunk (type 3) when None.

        Raises:
            MalformedResponseError: The manifest lacks the chunk, or names a URL off the
                blob host (the token is never sent elsewhere).
            NotFoundError: 404 or 410: the film is gone (films expire).
            ServiceUnavailableError: 403: the blob host refused this chunk.

        """
        chosen = highlight_index(manifest) if index is None else index
        return await self.blobs.blob(chunk_url(manifest, chosen))
