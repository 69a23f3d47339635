"""The film reader: milliseconds per highlight chunk, next to inflating the chunk alone.

The chunks are the real samples of ``shared/halo-samples/film`` when they are
found (walking up from here, or ``$GRUNT_ARCHIVE_SAMPLES``), else chunks the
simulator's encoder writes with as many events as the largest real one.
Inflating is the floor: the reader cannot be faster than zlib giving it the
bytes.
"""

from __future__ import annotations

import os
import re
import statistics
import zlib
from pathlib import Path

from harness import ROOT, Figure, Scale, best_of, note

from grunt_archive.film.reader import FilmEvent, read_events
from grunt_archive.simulator.data.film import ENCODED_VERSION, encode_highlight_chunk

TARGET_MS = 20.0


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
    """Reader ms per chunk: the median chunk, and the largest, each against inflate alone."""
    chunks = film_chunks()
    repeats = max(3, scale.repeats * 3)
    note(f"film: reading {len(chunks)} highlight chunks, best of {repeats}")
    timings = []
    for name, chunk, version in chunks:
        read = best_of(repeats, lambda c=chunk, v=version: read_events(c, v)) * 1000
        inflate = best_of(repeats, lambda c=chunk: zlib.decompress(c)) * 1000
        size = len(zlib.decompress(chunk))
        timings.append((read, inflate, name, size))
    median_read = statistics.median(t[0] for t in timings)
    median_inflate = statistics.median(t[1] for t in timings)
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
    ]


if __name__ == "__main__":
    import sys

    from harness import SCALES, table

    sys.path.insert(0, str(ROOT))
    print(table(film_figures(SCALES["quick"])))
