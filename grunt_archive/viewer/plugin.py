"""The Datasette hooks: the player and match pages, the front page's cards, links in every cell.

`register` adds this plugin to Datasette's plugin manager (``serve`` and
``demo`` call it through `grunt_archive.serve.datasette_for`); the pages read
the archive with plain SQL on Datasette's own read-only connection.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

from datasette import hookimpl
from datasette.utils.asgi import Response

from grunt_archive import rawbody
from grunt_archive.documents import MATCH_STATS
from grunt_archive.viewer import formats
from grunt_archive.viewer.charts import csr_chart_spec, score_chart_spec
from grunt_archive.viewer.facets import NamedFacet
from grunt_archive.viewer.home import front_page, table_groups
from grunt_archive.viewer.links import cell_link, match_path, player_path
from grunt_archive.viewer.match import match_page
from grunt_archive.viewer.player import player_page
from grunt_archive.viewer.reading import (
    SCOPE_TITLES,
    SCOPES,
    find_player,
    similar_players,
)
from grunt_archive.viewer.sync_status import sync_status

SUGGESTIONS = 10  # gamertags the 404 page lists
SHOWN_TEXT = 40  # characters of what was looked for a heading repeats (a gamertag has 15 at most)


def register() -> None:
    """Add the viewer to Datasette's plugins (once per process; its templates come with it)."""
    from datasette.plugins import pm

    import grunt_archive.viewer as package

    if not pm.is_registered(package):
        pm.register(package, name="grunt_archive.viewer")


def _database(datasette: Any) -> Any:
    """Return the archive: the first database Datasette serves."""
    return datasette.get_database()


def _shortened(text: str) -> str:
    return text if len(text) <= SHOWN_TEXT else text[: SHOWN_TEXT - 1] + "…"


def _script_json(value: Any) -> str:
    """Return ``value`` as JSON safe inside a ``<script>`` element (no ``</script>``)."""
    return json.dumps(value).replace("<", "\\u003c")


async def _page(datasette, request, template: str, context: dict, status: int = 200) -> Response:
    html = await datasette.render_template(template, context, request=request)
    return Response.html(html, status=status)


async def _not_found(datasette, request, what: str, text: str = "") -> Response:
    """Return the 404 page, with a player search box and gamertags like ``text``."""
    database = _database(datasette)
    found = await database.execute_fn(lambda c: similar_players(c, text, SUGGESTIONS))
    suggestions, more = found[:SUGGESTIONS], len(found) > SUGGESTIONS
    if request.path.endswith(".json"):
        gamertags = [player["gamertag"] for player in suggestions]
        return Response.json({"error": what, "suggestions": gamertags, "more": more}, status=404)
    context = {"what": what, "text": text, "suggestions": suggestions, "more": more}
    return await _page(datasette, request, "grunt_not_found.html", context, status=404)


async def player_search(datasette, request) -> Response:
    """``/player?q=…``: the player's page, or the 404 page with suggestions."""
    text = (request.args.get("q") or "").strip()
    if text:
        found = await _database(datasette).execute_fn(lambda c: find_player(c, text))
        if found:
            who = found["gamertag"] or found["player_id"]
            return Response.redirect(datasette.urls.path(player_path(who)))
    what = f"No player named “{_shortened(text)}”" if text else "Find a player"
    return await _not_found(datasette, request, what, text)


async def player_view(datasette, request) -> Response:
    """``/player/{gamertag or xuid}`` and its ``.json``."""
    who = unquote(request.url_vars["who"])
    as_json = bool(request.url_vars.get("format"))
    scope = request.args.get("scope") or SCOPES[0]
    unknown_scope = None if scope in SCOPES else scope
    if unknown_scope is not None:
        if as_json:  # a script gets an error, not another scope's numbers
            error = f"unknown scope “{unknown_scope}”; the scopes are {', '.join(SCOPES)}"
            return Response.json({"error": error, "scopes": list(SCOPES)}, status=400)
        scope = SCOPES[0]  # a person gets the page, with a note naming the scope unknown
    database = _database(datasette)

    def read(connection):
        player = find_player(connection, who)
        return player and player_page(connection, player, scope)

    page = await database.execute_fn(read)
    if page is None:
        return await _not_found(datasette, request, f"No player named “{_shortened(who)}”", who)
    for point in page["csr_history"]["points"]:
        if point["match_id"]:
            point["href"] = datasette.urls.path(match_path(point["match_id"]))
    if as_json:
        return Response.json(page)
    context = {
        "page": page,
        "scopes": [(key, SCOPE_TITLES[key]) for key in SCOPES],
        "scope": scope,
        "scope_title": SCOPE_TITLES[scope],
        "unknown_scope": unknown_scope,
        "csr_spec": _script_json(csr_chart_spec(page["csr_history"])),
        "json_url": datasette.urls.path(player_path(who))
        + ".json"
        + (f"?scope={scope}" if scope != SCOPES[0] else ""),
        "database": database.name,
    }
    return await _page(datasette, request, "grunt_player.html", context)


async def match_view(datasette, request) -> Response:
    """``/match/{match_id}`` and its ``.json``."""
    match_id = unquote(request.url_vars["match_id"])
    database = _database(datasette)
    page = await database.execute_fn(lambda c: match_page(c, match_id))
    if page is None:
        return await _not_found(datasette, request, f"No match with id “{_shortened(match_id)}”")
    if request.url_vars.get("format"):
        return Response.json(page)
    context = {
        "match": page,
        "database": database.name,
        "raw_url": datasette.urls.path(match_path(page["match_id"]) + "/raw"),
        "json_url": datasette.urls.path(match_path(page["match_id"]) + ".json"),
        "mode_columns": formats.mode_columns(page),
        "show_csr": formats.shows_csr(page),
        "show_rank": formats.shows_rank(page),
        "score_spec": _script_json(score_chart_spec(page["score_timeline"]))
        if page["score_timeline"]
        else None,
    }
    return await _page(datasette, request, "grunt_match.html", context)


async def raw_view(datasette, request) -> Response:
    """``/match/{match_id}/raw``: the stats document exactly as the service sent it."""
    match_id = unquote(request.url_vars["match_id"]).lower()
    found = await _database(datasette).execute(
        "SELECT raw_body(body, encoding) AS body FROM raw_responses WHERE kind = ? AND key = ?",
        (MATCH_STATS.name, MATCH_STATS.key_of(match_id)),
    )
    row = found.first()
    if row is None:
        return await _not_found(datasette, request, f"No stored document of match “{match_id}”")
    return Response(row["body"], content_type="application/json; charset=utf-8")


async def home_view(datasette, request) -> Response:
    """``/``: the syncs, the tracked players, then the dashboards, canned queries and tables."""
    database = _database(datasette)
    hidden = set(await database.hidden_table_names())
    dashboards = datasette.plugin_config("datasette-dashboards") or {}
    queries = await datasette.get_canned_queries(database.name, request.actor)
    tables = [name for name in await database.table_names() if name not in hidden]
    context = {
        "metadata": datasette.metadata(),
        **await database.execute_fn(front_page),
        "sync": await database.execute_fn(lambda c: sync_status(c, datetime.now(UTC))),
        "database": database.name,
        "dashboards": [(slug, spec.get("title", slug)) for slug, spec in dashboards.items()],
        "queries": [(name, spec.get("title") or name) for name, spec in queries.items()],
        "tables": table_groups(tables),
        "views": sorted(await database.view_names()),
    }
    return await _page(datasette, request, "grunt_home.html", context)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    """Add the player and match pages to Datasette's routes."""
    return [
        (r"^/$", home_view),
        (r"^/player/?$", player_search),
        (r"^/player/(?P<who>[^/]+?)(?P<format>\.json)?$", player_view),
        (r"^/match/(?P<match_id>[^/]+?)/raw$", raw_view),
        (r"^/match/(?P<match_id>[^/]+?)(?P<format>\.json)?$", match_view),
    ]


@hookimpl
def extra_css_urls(datasette: Any) -> list[str]:
    """Fit Datasette's own pages (a canned query's SQL, the database page) on a phone."""
    return [datasette.urls.static_plugins("grunt_archive.viewer", "datasette-phone.css")]


@hookimpl
def prepare_connection(conn: Any) -> None:
    """Add ``raw_body(body, encoding)``: a raw document as the service sent it, in any SQL.

    Text is decoded by ``sqlite3`` itself: Datasette's ``text_factory`` (a Python function
    per value, replacing bytes that are not UTF-8) costs a sixth of CSR history's 1,000
    rows. Every text the archive holds was written from a Python ``str``, so it is UTF-8
    and reads the same; only SQL that makes text of other bytes (``cast(x'ff' as text)``)
    now answers an error naming the column instead of replacement characters.
    """
    rawbody.register(conn)
    conn.text_factory = str


@hookimpl
def render_cell(row: Any, value: Any, column: str, datasette: Any) -> Any:
    """Link gamertags and match ids to their pages; write times, K/D and percents as pages do."""
    return (
        cell_link(row, value, column, datasette.urls.path)
        or formats.cell_time(value)
        or formats.cell_number(row, value, column)
    )


# datasette-dashboards (0.8.0) writes a select filter's option as its value: the Career
# dashboard's Scope read "matchmade_pvp". Its template has no label, so the page names
# them as the player page's tabs do; the values, which the queries read, stay.
_SCOPE_LABELS = """
for (const option of document.querySelectorAll("select#scope option")) {
  const title = %s[option.value];
  if (title) option.textContent = title;
}
"""


@hookimpl
def extra_body_script(template: str) -> str | None:
    """Name the Scope options of a dashboard (`_SCOPE_LABELS`); nothing on other pages."""
    if template != "dashboard_view.html":
        return None
    return _SCOPE_LABELS % _script_json(SCOPE_TITLES)


@hookimpl
def register_facet_classes() -> list[type]:
    """Add the ``named`` facet: codes and asset ids counted under their names (`facets`)."""
    return [NamedFacet]


@hookimpl
def prepare_jinja2_environment(env: Any) -> None:
    """Add the number and time formats the pages use (`formats`)."""
    env.filters.update(formats.FILTERS)
    env.filters["grunt_quote"] = lambda text: quote(str(text), safe="()")
