"""The viewer's own pages, a Datasette plugin: home cards, player and match pages, links.

Registered as this package (so Datasette finds its ``templates/``) by
`grunt_archive.viewer.plugin.register`, which ``serve`` and ``demo`` call.
It reads the archive with plain SQL and imports nothing of ``api/`` or the store.
"""

from grunt_archive.viewer.plugin import (
    extra_body_script,
    extra_css_urls,
    prepare_connection,
    prepare_jinja2_environment,
    register_facet_classes,
    register_routes,
    render_cell,
)

__all__ = [
    "extra_body_script",
    "extra_css_urls",
    "prepare_connection",
    "prepare_jinja2_environment",
    "register_facet_classes",
    "register_routes",
    "render_cell",
]
