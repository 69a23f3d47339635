"""Films: the requests they add to a sync, and the reader's milliseconds per highlight chunk.

Requests: the same simulated history synced twice into fresh archives from one
simulator, with films and with ``--no-films``; the difference, per match, is
what films cost (a manifest and the highlight chunk: at most 2), and nothing
else may change.

The reader: the chunks are the real samples of ``shared/halo-samples/film``
when they are found (walking up from here, or ``$GRUNT_ARCHIVE_SAMPLES``),
else chunks the simulator's encoder writes with as many events as the largest
real one. Inflating is the floor: the reader cannot be faster than zlib giving
it the bytes.
"""

from __future__ import annotations

import os
import re
import statistics
import zlib
from pathlib import Path

from harness import (
    ROOT,
    Figure,
    Scale,
    Simulator,
    best_of,
    fresh_db,
    grunt_archive,
    note,
    simulator,
)

from grunt_archive.film.reader import FilmEvent, read_events, read_film
from grunt_archive.simulator.data.film import ENCODED_VERSION, encode_highlight_chunk

TARGET_MS = 20.0
FILM_KINDS = ("film", "film_chunk")
"""The simulator's request kinds of a film: the manifest (discovery host) and a chunk (blobs)."""
MAX_REQUEST_MATCHES = 200


def film_chunks() -> list[tuple[str, bytes, int]]:
    """Return ``(name, chunk, version)`` for each real sample, or for simulated ones."""
    folder = _samples()
    if folder is not None:
        found = []
        for path in sorted(folder.glob("[0-9]*_*.gzip")):
            version = int(re.match(r"(\d+)_", path.name).group(1))  # type: ignore[union-attr]
            found.append((path.name.split("-")[0], path.read_bytes(), version))
        if found:
            return found
    note("film: no real samples found; reading simulated chunks")
    events = [
        FilmEvent(2533274800000001 + n % 8, f"Player{n % 8}", kind, 1000 + 700 * n)
        for n, kind in enumerate(["kill", "death", "mode", "kill", "death"] * 128)
    ]
    return [("simulated", encode_highlight_chunk(events), ENCODED_VERSION)]


def _samples() -> Path | None:
    if os.environ.get("GRUNT_ARCHIVE_SAMPLES"):
        return Path(os.environ["GRUNT_ARCHIVE_SAMPLES"]) / "film"
    for parent in ROOT.parents:
        if (parent / "shared" / "halo-samples" / "film").is_dir():
            return parent / "shared" / "halo-samples" / "film"
    return None


def film_figures(scale: Scale) -> list[Figure]:
    """Reader ms per chunk: the median chunk, and the largest, each against inflate alone.

    And the median chunk read as a version with no checked layout is, its layout
    inferred (`read_film`), against the checked read.
    """
    chunks = film_chunks()
    repeats = max(3, scale.repeats * 3)
    note(f"film: reading {len(chunks)} highlight chunks, best of {repeats}")
    timings, inferring = [], []
    for name, chunk, version in chunks:
        read = best_of(repeats, lambda c=chunk, v=version: read_events(c, v)) * 1000
        inflate = best_of(repeats, lambda c=chunk: zlib.decompress(c)) * 1000
        size = len(zlib.decompress(chunk))
        timings.append((read, inflate, name, size))
        # As a film of a version with no checked layout is read: no table at all.
        blind = lambda c=chunk, v=version: read_film(c, v, layouts={})  # noqa: E731
        inferring.append(best_of(repeats, blind) * 1000)
    median_read = statistics.median(t[0] for t in timings)
    median_inflate = statistics.median(t[1] for t in timings)
    median_inferring = statistics.median(inferring)
    read, inflate, name, size = max(timings, key=lambda t: t[3])
    return [
        Figure(
            f"film reader: ms per highlight chunk, median of {len(timings)}",
            f"{median_read:.1f} ms",
            f"{median_inflate:.1f} ms (zlib inflate alone)",
            median_inflate / median_read,
            f"< {TARGET_MS:.0f} ms",
            median_read < TARGET_MS,
        ),
        Figure(
            f"film reader: ms for the largest chunk ({name}, {size / 1e6:.1f} MB inflated)",
            f"{read:.1f} ms",
            f"{inflate:.1f} ms (zlib inflate alone)",
            inflate / read,
            f"< {TARGET_MS:.0f} ms",
            read < TARGET_MS,
        ),
        Figure(
            "film reader, layout inferred from the chunk (a version with no checked layout):"
            f" ms per highlight chunk, median of {len(inferring)}",
            f"{median_inferring:.1f} ms",
            f"{median_read:.1f} ms (read with the checked layout)",
            median_read / median_inferring,
            f"< {TARGET_MS:.0f} ms",
            median_inferring < TARGET_MS,
        ),
    ]


def film_request_figures(scale: Scale, workdir: Path) -> list[Figure]:
    """Requests a sync makes with films and with ``--no-films``, on the same history."""
    n = min(scale.backfill_matches, MAX_REQUEST_MATCHES)
    # No film expires here: every match costs what a fresh film costs (a gone one costs 1).
    options = ("--players", "1", "--matches", str(n), "--latency-ms", "0")
    with simulator(*options, "--film-max-age-days", "100000", "--seed", "7") as sim:
        note(f"films: {n} matches synced with --no-films, then with films")
        without = _requests(sim, fresh_db(workdir, "films-off"), scale, n, "--no-films")
        with_films = _requests(sim, fresh_db(workdir, "films-on"), scale, n)
    added = {kind: with_films.get(kind, 0) - without.get(kind, 0) for kind in FILM_KINDS}
    others_equal = {k: v for k, v in with_films.items() if k not in FILM_KINDS} == without
    total_with, total_without = sum(with_films.values()), sum(without.values())
    per_match = (total_with - total_without) / n
    return [
        Figure(
            f"films: requests a sync adds per match (with films vs --no-films, {n} matches)",
            f"{per_match:.2f} (manifest {added['film'] / n:.2f},"
            f" highlight chunk {added['film_chunk'] / n:.2f})",
            "2 (the manifest, plus the blob)",
            2 / per_match if per_match else None,
            "≤ 2, no other request",
            others_equal and added["film"] <= n and added["film_chunk"] <= n and per_match <= 2,
        ),
        Figure(
            f"films: requests of the whole sync, with films ÷ --no-films ({n} matches)",
            f"{total_with:,} req with films",
            f"{total_without:,} req with --no-films",
            total_without / total_with,
            f"≤ {total_without:,} + 2 x {n}",
            total_with <= total_without + 2 * n,
        ),
    ]


def _requests(sim: Simulator, db: Path, scale: Scale, matches: int, *extra: str) -> dict[str, int]:
    """Run one sync of a fresh archive from a clean request count; return its requests.

    Raises:
        RuntimeError: the sync failed, or did not archive every match.

    """
    sim.reset_counts()
    run = grunt_archive(
        "sync", "--json", "--rps", str(scale.rps), "--concurrency", str(scale.concurrency),
        *extra, db=db, api_base=sim.url,
    )  # fmt: skip
    if run.returncode != 0:
        raise RuntimeError(f"sync exited {run.returncode}: {run.stderr.strip()[-2000:]}")
    added = run.json()["matches_added"]
    if added != matches:
        raise RuntimeError(f"the sync archived {added} matches of {matches}")
    return sim.counts()


if __name__ == "__main__":
    import sys

    from harness import SCALES, table

    sys.path.insert(0, str(ROOT))
    print(table(film_figures(SCALES["quick"])))
