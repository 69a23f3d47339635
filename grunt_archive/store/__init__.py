"""The store: everything that knows SQL, and the only place a transaction begins.

Orchestrators hold a `Store` (opened with `open_store`) and call the
functions of the modules here, each of which is one unit of work:

- ``writer``: the row writer (every INSERT and upsert; drift; the SQL dialect),
  with ``dialect`` (the store's SQL as PostgreSQL takes it);
- ``claims``: which worker syncs which player, and which runs are alive (PostgreSQL);
- ``raw``: raw copies, and `raw.save_document`, the one way a document is saved;
- ``matches``: match documents (one unit of work per match);
- ``lookups``: what enrichment looks up (assets, medals, skill, seasons, gamertags);
- ``career_snapshots``: service records, playlist CSR, asset popularity;
- ``player_tables``: the viewer's derived per-player tables, with ``player_totals``,
  ``rivals`` and ``match_shares`` (a match stored again: its old share taken out);
- ``state``: tracked players, pending matches, sync runs;
- ``pending``: what ``grunt-archive pending`` lists, and the matches given up on;
- ``rebuild``: ``reparse``, from the raw documents.
- ``copy``: an archive, or one player's slice, into another (``copy``), with
  ``copied`` (what it brought, added to the destination's derived tables) and
  ``unfinished`` (the marks of copies under way, and whether each still runs).
"""

from grunt_archive.store.session import NestedUnitError, Store, open_store

__all__ = ["NestedUnitError", "Store", "open_store"]
