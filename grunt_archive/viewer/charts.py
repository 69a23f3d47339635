"""Charts readable over any span: points per match, week or month, lines broken over gaps.

A career can span a weekend or four years. Drawn one point per match, four
years of CSR is a hairline, and a line joining the last match before a year's
break to the first after it claims a trend nobody played. So a series is
bucketed by the span it covers, and a gap (no play for longer than a bucket)
gets a null point that breaks the line there (Vega-Lite draws no segment
through a null).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from grunt_archive.times import parse_time, stamp

# Spans up to these many days are drawn per match, then per week; longer, per month.
PER_MATCH_DAYS = 120
PER_WEEK_DAYS = 3 * 365
# Matches further apart than this are a gap in a per-match series.
MATCH_GAP = timedelta(days=14)

# The Vega-Lite the pages load is datasette-dashboards' bundled one (6.4.1 in 0.8.0):
# vega-embed warns in the console when a spec names another major version.
VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"

BUCKET_TITLES = {
    "match": ("Match", "CSR after the match"),
    "week": ("Week", "CSR after the week's last match"),
    "month": ("Month", "CSR after the month's last match"),
}


def bucket_for(span: timedelta) -> str:
    """Return how to bucket a series covering ``span``: ``match``, ``week`` or ``month``."""
    if span <= timedelta(days=PER_MATCH_DAYS):
        return "match"
    return "week" if span <= timedelta(days=PER_WEEK_DAYS) else "month"


def _bucket_start(moment: datetime, bucket: str) -> datetime:
    """Return the start of the week (Monday) or month ``moment`` falls in."""
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _next_bucket(start: datetime, bucket: str) -> datetime:
    """Return the start of the bucket after the one starting at ``start``."""
    if bucket == "week":
        return start + timedelta(days=7)
    return (start + timedelta(days=32)).replace(day=1)


def _is_gap(before: datetime, after: datetime, bucket: str) -> bool:
    """Whether nothing was played for longer than a bucket between two points."""
    if bucket == "match":
        return after - before > MATCH_GAP
    return after > _next_bucket(before, bucket)


# How SQLite writes the start of a point's bucket from ``start_time`` (a week starts on Monday).
PERIOD_SQL = {
    "match": "start_time",
    "week": "date(start_time, '-6 days', 'weekday 1')",
    "month": "strftime('%Y-%m-01', start_time)",
}


def csr_series(points: list[dict[str, Any]], bucket: str | None = None) -> dict[str, Any]:
    """Return CSR points per ranked playlist, bucketed for their span, with gap breaks.

    ``points`` are ``{"start_time", "playlist", "csr", "tier", "match_id"}``,
    oldest first, or points already bucketed in SQL (``bucket`` given, each
    with its ``matches``; see ``PERIOD_SQL``). Returns ``{"bucket", "x_title",
    "y_title", "points"}``; in a week or month series a point is the CSR after
    the bucket's last match, with ``matches`` played in it; a gap point has
    ``csr`` None.
    """
    if not points:
        return {"bucket": "match", "x_title": "Match", "y_title": "CSR", "points": []}
    times = [parse_time(point["start_time"]) for point in points]
    bucket = bucket or bucket_for(times[-1] - times[0])
    by_playlist: dict[str, list[dict[str, Any]]] = {}
    for point, moment in zip(points, times, strict=True):
        series = by_playlist.setdefault(point["playlist"] or "", [])
        at = moment if bucket == "match" else _bucket_start(moment, bucket)
        matches = point.get("matches", 1)
        if series and bucket != "match" and series[-1]["_at"] == at:
            series[-1].update(csr=point["csr"], tier=point["tier"], match_id=point["match_id"])
            series[-1]["matches"] += matches
            continue
        series.append(
            {
                "_at": at,
                "playlist": point["playlist"],
                "csr": point["csr"],
                "tier": point["tier"],
                "match_id": point["match_id"],
                "matches": matches,
            }
        )
    drawn: list[dict[str, Any]] = []
    for series in by_playlist.values():
        previous = None
        for point in series:
            at = point.pop("_at")
            if previous is not None and _is_gap(previous, at, bucket):
                drawn.append(
                    {
                        "time": stamp(previous + (at - previous) / 2),
                        "playlist": point["playlist"],
                        "csr": None,
                        "tier": None,
                        "match_id": None,
                        "matches": 0,
                    }
                )
            drawn.append({"time": stamp(at), **point})
            previous = at
    x_title, y_title = BUCKET_TITLES[bucket]
    return {"bucket": bucket, "x_title": x_title, "y_title": y_title, "points": drawn}


# A time axis spans this at least, with ticks a day apart at least: one ranked match
# (a single instant) otherwise got a domain of one millisecond, labelled ".429".
MIN_TIME_SPAN = timedelta(days=7)
DAY_MS = 86_400_000


def time_domain(times: list[str]) -> list[int] | None:
    """Return a week's x domain (epoch milliseconds) centred on ``times`` when they span less.

    None when they span a week or more (or there are none): Vega-Lite's own domain then.
    """
    moments = sorted(parse_time(text) for text in times)
    if not moments or moments[-1] - moments[0] >= MIN_TIME_SPAN:
        return None
    middle = moments[0] + (moments[-1] - moments[0]) / 2
    return [
        round((middle + half).timestamp() * 1000)
        for half in (-MIN_TIME_SPAN / 2, MIN_TIME_SPAN / 2)
    ]


def csr_chart_spec(series: dict[str, Any]) -> dict[str, Any]:
    """Return the Vega-Lite spec of a `csr_series` (a line per playlist, points on it)."""
    time_format = {"match": "%b %d, %Y %H:%M", "week": "week of %b %d, %Y", "month": "%B %Y"}
    x = {"field": "time", "type": "temporal", "title": series["x_title"]}
    x["axis"] = {"tickMinStep": DAY_MS}
    domain = time_domain([point["time"] for point in series["points"]])
    if domain:
        x["scale"] = {"domain": domain}
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "width": "container",
        "height": 260,
        "data": {"values": series["points"]},
        "mark": {"type": "line", "point": True, "tooltip": True},
        "encoding": {
            "x": x,
            "y": {
                "field": "csr",
                "type": "quantitative",
                "title": series["y_title"],
                "scale": {"zero": False},
            },
            "color": {"field": "playlist", "type": "nominal", "title": "Playlist"},
            "href": {"field": "href", "type": "nominal"},
            "tooltip": [
                {
                    "field": "time",
                    "type": "temporal",
                    "title": series["x_title"],
                    "format": time_format[series["bucket"]],
                },
                {"field": "playlist", "title": "Playlist"},
                {"field": "csr", "type": "quantitative", "title": "CSR", "format": "d"},
                {"field": "tier", "title": "Tier"},
                {"field": "matches", "type": "quantitative", "title": "Ranked matches"},
            ],
        },
    }


TEAM_COLORS = ("#0969da", "#cf222e", "#8250df", "#bf8700", "#1a7f37", "#e16f24", "#57606a",
               "#bf3989", "#0a3069")  # fmt: skip
"""A team's colour by team id (Eagle blue, Cobra red, …), as the match page's kill feed shows it."""


def score_chart_spec(timeline: dict[str, Any]) -> dict[str, Any]:
    """Return the Vega-Lite spec of a match's score timeline (`viewer.films.score_timeline`).

    A step line per side of its running kills, and, when the film has mode
    events, a dashed one of those; x in minutes of the film, ticks on whole minutes.
    """
    with_mode = any(side["mode_events"] for side in timeline["series"])
    values = [
        {
            "side": side["name"],
            "what": what,
            "minute": round(point["time_ms"] / 60000, 3),
            "time": point["time"],
            "count": point[key],
        }
        for side in timeline["series"]
        for key, what in (("kills", "kills"), ("mode_events", "mode events"))
        if key == "kills" or with_mode
        for point in side["points"]
    ]
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "width": "container",
        "height": 240,
        "data": {"values": values},
        "mark": {"type": "line", "interpolate": "step-after", "tooltip": True},
        "encoding": {
            "x": {
                "field": "minute",
                "type": "quantitative",
                "title": "Time in the match",
                # Whole minutes, read as a clock (3:00) rather than decimals (0.2, 0.4).
                "axis": {"tickMinStep": 1, "labelExpr": "datum.value + ':00'"},
            },
            "y": {"field": "count", "type": "quantitative", "title": "Running count"},
            "color": {
                "field": "side",
                "type": "nominal",
                "title": "Team" if timeline.get("by") == "team" else "Player",
                **_team_scale(timeline),
            },
            "strokeDash": {"field": "what", "type": "nominal", "title": "Counting"},
            "tooltip": [
                {"field": "side", "title": "Side"},
                {"field": "time", "title": "Time"},
                {"field": "what", "title": "Counting"},
                {"field": "count", "type": "quantitative", "title": "So far"},
            ],
        },
    }


def _team_scale(timeline: dict[str, Any]) -> dict[str, Any]:
    """Return the colour scale that gives each team its `TEAM_COLORS` (none for players)."""
    if timeline.get("by") != "team":
        return {}
    series = timeline["series"]
    colors = [TEAM_COLORS[int(side["key"]) % len(TEAM_COLORS)] for side in series]
    return {"scale": {"domain": [side["name"] for side in series], "range": colors}}
