"""Datasette over an archive, with the packaged ``metadata.yml``."""

from __future__ import annotations

import contextlib
import hashlib
import socket
import tempfile
import time
import webbrowser
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml
from datasette.app import Datasette

from grunt_archive import revisions
from grunt_archive.db import PACKAGE_DIR, check_archive, head_revision, stored_revision
from grunt_archive.errors import ArchiveError, UsageError
from grunt_archive.files import read_immutable, real_path
from grunt_archive.lock import already_writing, writer_busy
from grunt_archive.wording import quoted

# Seconds `serve` waits for a sync that is migrating the archive to finish.
MIGRATION_WAIT = 60.0


def metadata_path() -> Path:
    """Return ``metadata.yml``: packaged in a wheel, top-level in a checkout."""
    packaged = PACKAGE_DIR / "metadata.yml"
    return packaged if packaged.is_file() else PACKAGE_DIR.parent / "metadata.yml"


def load_metadata(database: str = "halo") -> dict[str, Any]:
    """Return the Datasette metadata, its ``halo`` database entry renamed to ``database``.

    Datasette names a database after its file, so ``demo.db`` is ``demo``.
    """
    metadata = yaml.safe_load(metadata_path().read_text(encoding="utf-8")) or {}
    databases = metadata.get("databases") or {}
    if "halo" in databases and database != "halo":
        databases[database] = databases.pop("halo")
    # Dashboard charts and filters name the database they read, too.
    dashboards = (metadata.get("plugins") or {}).get("datasette-dashboards") or {}
    for dashboard in dashboards.values():
        for item in [
            *(dashboard.get("charts") or {}).values(),
            *(dashboard.get("filters") or {}).values(),
        ]:
            if item.get("db") == "halo":
                item["db"] = database
    return metadata


def wait_for_current(db_path: Path, timeout: float | None = None) -> None:
    """Return once the archive is at this program's revision, never writing to it.

    A sync that is migrating the archive holds its writer lock; then this waits
    (up to ``timeout`` seconds, `MIGRATION_WAIT` by default) for the migration
    to commit instead of failing or migrating it a second time.

    Raises:
        ArchiveError: no archive there, not ours, too new, or older than this
            program with no migration under way (run ``db upgrade``), or with one
            still under way after the wait (a long one, as 0029 is on SQLite).

    """
    check_archive(db_path, create=False)
    head = head_revision()
    deadline = time.monotonic() + (MIGRATION_WAIT if timeout is None else timeout)
    while (current := stored_revision(db_path)) != head:
        if not writer_busy(db_path):
            raise revisions.older_archive(db_path, current)
        if time.monotonic() > deadline:
            # Not "run db upgrade": it is under way, and `db upgrade` would only find it locked.
            raise ArchiveError(
                f"{already_writing(db_path)}, upgrading it from revision {current or 'none'}"
                " to this grunt-archive's: run `grunt-archive serve` again once that is done"
            )
        time.sleep(0.2)


# Database names the viewer's routes (/match/…, /player/…) or Datasette's own take.
RESERVED_NAMES = frozenset({"match", "player", "-", "_internal", "_memory"})


@contextlib.contextmanager
def _plain_name(db_path: Path) -> Iterator[Path]:
    """Yield a path Datasette can open: the file itself, or a symlink with a plain name.

    Datasette opens ``file:{path}?mode=ro`` without escaping the path, so a
    ``?``, ``#`` or ``%`` in it would open another file, read-write. And it
    names the database after the file: ``match.db`` or ``player.db`` would be
    shadowed by the viewer's pages, ``_internal.db`` renamed by Datasette.
    """
    real = real_path(db_path)
    taken = real.stem in RESERVED_NAMES
    if not taken and not any(c in str(real) for c in "?#%"):
        yield real
        return
    with tempfile.TemporaryDirectory(prefix="grunt-archive-serve-") as directory:
        stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in real.stem) or "halo"
        stem = f"{stem}-archive" if stem in RESERVED_NAMES else stem
        link = Path(directory) / f"{stem}.db"
        link.symlink_to(real)  # SQLite follows it: the -wal and -shm it reads are the real ones
        yield link


def datasette_for(db_path: Path) -> Datasette:
    """Return a Datasette instance over the archive at ``db_path`` (a plain name), read-only.

    Datasette opens the file with ``mode=ro``, or as immutable on read-only media
    (`grunt_archive.files.read_immutable`); nothing here creates or migrates it.
    The viewer's pages (`grunt_archive.viewer`) come with it.

    Raises:
        ArchiveError: the archive cannot be read where it is.

    """
    from grunt_archive.viewer.plugin import register

    register()
    immutable = read_immutable(Path(db_path))
    return Datasette(
        [] if immutable else [str(db_path)],
        immutables=[str(db_path)] if immutable else [],
        inspect_data=_known_without_reading(Path(db_path)) if immutable else None,
        metadata=load_metadata(Path(db_path).stem),
        # A career's CSR and K/D charts read one row per match: let them have thousands.
        settings={
            "sql_time_limit_ms": 5000,
            "facet_time_limit_ms": 500,
            "max_returned_rows": 10000,
            # Datasette offers an immutable file for download; a writable one it never does.
            "allow_download": False,
        },
    )


def _known_without_reading(db_path: Path) -> dict[str, Any]:
    """Return what Datasette would read a whole immutable file to learn, from its stat alone.

    Before its first answer Datasette counts every row of every table of an
    immutable database, and on its home page hashes the whole file: minutes
    for a large archive on a disc or a share. Its inspect data stands in for
    both. The hash only names this version of the file (for its colour and an
    ETag), so the file's identity and size do; the counts are left out, and a
    table page counts its own rows, within the SQL time limit, as it does for
    any archive.
    """
    real = real_path(db_path)
    facts = real.stat()
    identity = f"{real}:{facts.st_ino}:{facts.st_size}:{facts.st_mtime_ns}"
    return {
        db_path.stem: {
            "file": str(db_path),
            "hash": hashlib.sha256(identity.encode()).hexdigest(),
            "size": facts.st_size,
            "tables": {},
        }
    }


def listen(host: str, port: int) -> socket.socket:
    """Bind the server's socket now, so a busy or forbidden port is one line (exit 2).

    Raises:
        UsageError: the port is taken, or not ours to listen on.

    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    except (UnicodeError, TypeError, ValueError):  # "encoding of hostname failed"
        sock.close()
        raise UsageError(f"cannot listen on {quoted(host)}: not a host name") from None
    return sock


def serve(
    db_path: Path,
    host: str = "127.0.0.1",
    port: int = 8001,
    open_browser: bool = False,
    *,
    sock: socket.socket | None = None,
    banner: Callable[[str, str], str] | None = None,
) -> None:
    """Serve an existing archive, read-only, until interrupted.

    Args:
        db_path: the archive; it must exist and be current (see `wait_for_current`).
        host: interface to listen on.
        port: port to listen on (0: any free one).
        open_browser: open the archive in a browser once serving.
        sock: a socket already bound by `listen` (then ``host`` and ``port`` only name it).
        banner: more to print once serving, from the base URL and the database name.

    Raises:
        ArchiveError: no usable archive at ``db_path``.
        UsageError: the port is busy or forbidden.

    """
    import uvicorn

    wait_for_current(db_path)
    sock = sock or listen(host, port)

    class AnnouncingServer(uvicorn.Server):
        """Says where it serves only once it accepts connections."""

        async def startup(self, sockets: list | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                url = f"http://{host}:{sock.getsockname()[1]}/"
                print(f"Serving {db_path} at {url}  (Ctrl-C to stop)", flush=True)
                if banner is not None:
                    print(banner(url.rstrip("/"), name), flush=True)
                if open_browser:
                    webbrowser.open(url)

    with sock, _plain_name(db_path) as plain:
        name = plain.stem
        app = datasette_for(plain).app()
        server = AnnouncingServer(uvicorn.Config(app, log_level="warning"))
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a person stops a server
            server.run(sockets=[sock])
