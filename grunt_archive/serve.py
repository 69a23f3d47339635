"""Datasette over an archive, with the packaged ``metadata.yml``."""

from __future__ import annotations

import contextlib
import webbrowser
from pathlib import Path
from typing import Any

import yaml
from datasette.app import Datasette

from grunt_archive.db import PACKAGE_DIR, archive


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


def datasette_for(db_path: Path) -> Datasette:
    """Return a Datasette instance over the archive (opened read-only by Datasette).

    The archive is opened (and migrated) first, so Datasette always sees the
    current schema. The viewer's pages (`grunt_archive.viewer`) come with it.
    """
    from grunt_archive.viewer.plugin import register

    with archive(db_path):
        pass
    register()
    return Datasette(
        [str(db_path)],
        metadata=load_metadata(Path(db_path).stem),
        # A career's CSR and K/D charts read one row per match: let them have thousands.
        settings={
            "sql_time_limit_ms": 5000,
            "facet_time_limit_ms": 500,
            "max_returned_rows": 10000,
        },
    )


def serve(
    db_path: Path, host: str = "127.0.0.1", port: int = 8001, open_browser: bool = False
) -> None:
    """Serve the archive until interrupted."""
    import uvicorn

    class AnnouncingServer(uvicorn.Server):
        """Says where it serves only once it accepts connections."""

        async def startup(self, sockets: list | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                url = f"http://{host}:{port}/"
                print(f"Serving {db_path} at {url}  (Ctrl-C to stop)", flush=True)
                if open_browser:
                    webbrowser.open(url)

    app = datasette_for(db_path).app()
    server = AnnouncingServer(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a person stops a server
        server.run()
