"""The ``grunt-archive simulate`` command."""

from __future__ import annotations

import click

from grunt_archive.errors import GruntArchiveError
from grunt_archive.param_types import FiniteRange, Interface
from grunt_archive.simulator.config import HOSTILE_KINDS, SimulatorConfig

RATE = FiniteRange(0, 1)
COUNT = click.IntRange(min=0)


@click.command("simulate")
@click.option(
    "--host", type=Interface(), default="127.0.0.1", show_default=True,
    help="Interface to listen on.",
)  # fmt: skip
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8002, show_default=True,
    help="Port to listen on; 0 picks a free one.",
)  # fmt: skip
@click.option(
    "--seed",
    type=int,
    default=SimulatorConfig.seed,
    show_default=True,
    help="Seed of the world and faults.",
)
@click.option(
    "--players", type=click.IntRange(min=1), default=SimulatorConfig.players, show_default=True,
    help="Number of tracked players.",
)  # fmt: skip
@click.option(
    "--matches", type=COUNT, default=SimulatorConfig.matches, show_default=True,
    help="Length of each tracked player's match history.",
)  # fmt: skip
@click.option(
    "--latency-ms", type=FiniteRange(min=0), default=SimulatorConfig.latency_ms, metavar="MS",
    help="Delay added to every request.",
)  # fmt: skip
@click.option(
    "--fail-429", type=RATE, default=SimulatorConfig.fail_429, metavar="RATE",
    help="Fraction of requests answered 429 Too Many Requests.",
)  # fmt: skip
@click.option(
    "--fail-429-host", "fail_429_hosts", multiple=True, metavar="HOST",
    help="Only this host answers 429s (halostats, skill, profile, discovery-infiniteugc, "
    "blobs-infiniteugc, gamecms-hacs, settings). Repeatable. Default: every host.",
)  # fmt: skip
@click.option(
    "--retry-after", type=FiniteRange(min=0),
    default=SimulatorConfig.retry_after, metavar="SECONDS",
    show_default=True, help="Seconds sent in Retry-After with 429 and 503.",
)  # fmt: skip
@click.option("--no-retry-after", is_flag=True, help="Send no Retry-After header.")
@click.option(
    "--fail-5xx", type=RATE, default=SimulatorConfig.fail_5xx, metavar="RATE",
    help="Fraction of requests answered 500, 502, 503 or 504.",
)  # fmt: skip
@click.option(
    "--stats-404", type=COUNT, default=SimulatorConfig.stats_404, metavar="K",
    help="The first K stats requests of each match answer 404 (stats appear late).",
)  # fmt: skip
@click.option(
    "--skill-404", type=COUNT, default=SimulatorConfig.skill_404, metavar="K",
    help="The first K skill requests of each match answer 404 (skill appears late).",
)  # fmt: skip
@click.option(
    "--token-requests", type=click.IntRange(min=0),
    default=SimulatorConfig.token_requests, metavar="N",
    help="After N authorized requests every Spartan token is rejected with 401.",
)  # fmt: skip
@click.option(
    "--malformed-matches", type=COUNT, default=SimulatorConfig.malformed_matches, metavar="N",
    help="This many matches always answer their stats with truncated JSON.",
)  # fmt: skip
@click.option(
    "--arrivals", type=COUNT, default=SimulatorConfig.arrivals, metavar="N",
    help="Every N-th history request past the first page adds a new match on top.",
)  # fmt: skip
@click.option(
    "--token-lifetime", type=FiniteRange(min=0, min_open=True),
    default=SimulatorConfig.token_lifetime,
    metavar="SECONDS", show_default=True,
    help="Lifetime of the Spartan tokens the sign-in chain issues; then they answer 401.",
)  # fmt: skip
@click.option(
    "--refresh-lifetime", type=FiniteRange(min=0, min_open=True),
    default=SimulatorConfig.refresh_lifetime,
    metavar="SECONDS", show_default=True,
    help="Lifetime of the refresh tokens the sign-in chain issues.",
)  # fmt: skip
@click.option(
    "--timeouts", type=RATE, default=SimulatorConfig.timeouts, metavar="RATE",
    help="Fraction of requests that hang for --hang-seconds (client timeouts).",
)  # fmt: skip
@click.option(
    "--hang-seconds", type=FiniteRange(min=0),
    default=SimulatorConfig.hang_seconds, metavar="SECONDS",
    show_default=True, help="How long a hung request hangs.",
)  # fmt: skip
@click.option(
    "--drops", type=RATE, default=SimulatorConfig.drops, metavar="RATE",
    help="Fraction of requests whose connection drops halfway through the body.",
)  # fmt: skip
@click.option(
    "--drift-matches", type=COUNT, default=SimulatorConfig.drift_matches, metavar="N",
    help="This many matches carry fields and a mode block no grunt-archive knows.",
)  # fmt: skip
@click.option(
    "--film-max-age-days", type=FiniteRange(min=0),
    default=SimulatorConfig.film_max_age_days, metavar="DAYS", show_default=True,
    help="Films of matches that ended longer ago (on the world's clock) answer 404.",
)  # fmt: skip
@click.option(
    "--film-unknown-version", type=RATE, default=SimulatorConfig.film_unknown_version,
    metavar="RATE", help="Fraction of films in a film version the reader does not know.",
)  # fmt: skip
@click.option(
    "--film-unknown-match", "film_unknown_matches", multiple=True, metavar="MATCH_ID",
    help="This match's film is in a film version the reader does not know (repeatable).",
)  # fmt: skip
@click.option(
    "--hostile-matches", type=COUNT, default=SimulatorConfig.hostile_matches, metavar="N",
    help="This many matches get a hostile answer of the --hostile kind.",
)  # fmt: skip
@click.option(
    "--hostile", type=click.Choice(HOSTILE_KINDS), default=SimulatorConfig.hostile,
    show_default=True, help="How the hostile matches' answers are spoilt.",
)  # fmt: skip
@click.option(
    "--private-player", "private_players", multiple=True, metavar="PLAYER",
    help="This tracked player (xuid(…) or gamertag) hides their matches: their history and "
    "match count answer 403 (repeatable).",
)  # fmt: skip
@click.option(
    "--gone-player", "gone_players", multiple=True, metavar="PLAYER",
    help="This tracked player's account is gone: their history, count, service records "
    "and profile answer 404 (repeatable).",
)  # fmt: skip
def simulate(
    host: str, port: int, no_retry_after: bool, **settings: float | str | tuple[str, ...] | None
) -> None:
    """Serve a local stand-in for the Halo Waypoint services at their real paths.

    Point grunt-archive at it with GRUNT_ARCHIVE_API_BASE and any token.

    Example: grunt-archive simulate --port 8002 --fail-429 0.05 --stats-404 2
    """
    from grunt_archive.simulator.core import Simulator
    from grunt_archive.simulator.server import serve

    if no_retry_after:
        settings["retry_after"] = None
    try:
        simulator = Simulator(SimulatorConfig(**settings))
        serve(simulator, host=host, port=port)
    except GruntArchiveError as error:
        raise click.UsageError(str(error)) from error
    except KeyboardInterrupt:
        click.echo("grunt-archive simulator stopped", err=True)
