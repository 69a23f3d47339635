"""blobs-infiniteugc: the chunks of theater films, as bytes.

The blob URLs come from documents (a film manifest's `BlobStoragePathPrefix`),
so `blob_path` checks each one before the Spartan token goes with it: only
this host, a plain path, every segment percent-escaped.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from grunt_archive.api import ids
from grunt_archive.api.client import Document, HaloClient
from grunt_archive.errors import AuthError, MalformedResponseError, ServiceUnavailableError

HOST = "https://blobs-infiniteugc.svc.halowaypoint.com"


def blob_path(url: str) -> str:
    """Return the path to request for a blob URL a document named, checked and escaped.

    Args:
        url: An absolute URL, e.g. ``https://blobs-infiniteugc…/ugcstorage/film/{a}/{b}/filmChunk3``.

    Returns:
        Its path, each segment percent-escaped (``/ugcstorage/film/…/filmChunk3``).

    Raises:
        MalformedResponseError: The URL is not on `HOST` over https (another host,
            a port but 443, credentials), carries a query or fragment, or has an empty,
            ``.`` or ``..`` segment.

    Example:
        >>> blob_path(f"{HOST}/ugcstorage/film/a b/filmChunk0")
        '/ugcstorage/film/a%20b/filmChunk0'

    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    expected = urlsplit(HOST)
    # ``host:443`` is the same place as ``host`` over https (clients write either, halo-api.md §1).
    netloc = parts.netloc.lower().removesuffix(":443") if parts is not None else ""
    if (
        parts is None
        or parts.scheme.lower() != expected.scheme
        or netloc != expected.netloc
        or port not in (None, 443)
        or parts.query
        or parts.fragment
        or not parts.path.startswith("/")
    ):
        raise MalformedResponseError(
            f"a document names a blob outside {HOST}; not fetched: {url[:200]!r}"
        )
    segments = [unquote(segment) for segment in parts.path[1:].split("/")]
    return "/" + "/".join(ids.segment(s, "a blob path segment", safe="") for s in segments)


class BlobService:
    """The blob host: bytes as stored, never decoded."""

    name = "blobs"

    def __init__(self, client: HaloClient) -> None:
        self.client = client

    async def blob(self, url: str) -> Document:
        """Return the bytes at a blob URL (``content``), as received.

        The Spartan token and the clearance go with it, as SPNKr sends them;
        `blob_path` first checks the URL is on this host.

        Raises:
            MalformedResponseError: The URL is not one of this host's blobs.
            NotFoundError: 404 or 410: the blob is gone (films expire).
            ServiceUnavailableError: 403: this blob is refused.
            AuthError: 401: the token was refused.

        """
        path = blob_path(url)
        try:
            return await self.client.get(self.name, HOST, path, clearance=True, raw=True)
        except AuthError as error:
            if error.status != 403:
                raise
            # One blob refused while the token reads the rest is that blob's (its access
            # rule), not a sign-in failure: the film goes pending, the run goes on.
            raise ServiceUnavailableError(
                f"{self.name} refused {path[:160]} (HTTP 403)", 403, path[:160]
            ) from None
