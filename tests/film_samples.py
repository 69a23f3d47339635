"""Where the real film samples are, and what SPNKr's reader found in each (their SOURCES.md).

The samples are not copied into the project: they are looked for in
``$GRUNT_ARCHIVE_SAMPLES`` (a ``halo-samples`` folder), else in the first
``shared/halo-samples`` found walking up from this file (``../shared`` of the
main checkout, ``../../shared`` of a worktree). Tests that need them skip when
there are none.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path


def samples_dir() -> Path | None:
    """Return the ``halo-samples`` folder, or None when there is none to read."""
    if os.environ.get("GRUNT_ARCHIVE_SAMPLES"):
        path = Path(os.environ["GRUNT_ARCHIVE_SAMPLES"])
        return path if path.is_dir() else None
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "halo-samples"
        if candidate.is_dir():
            return candidate
    return None


SAMPLES = samples_dir()
FILM = SAMPLES / "film" if SAMPLES is not None else None
SMALL_V37 = "highlight_events_v37_small.gzip"
SMALL_V37_STATS = "spnkr__film__match_stats_oddball_bot_custom.json"


@dataclass(frozen=True)
class Expected:
    """One row of SOURCES.md: the first event and the count of each event type."""

    version: int
    file_prefix: str
    xuid: int
    gamertag: str
    time_ms: int
    counts: dict[str, int]


def expected_rows() -> list[Expected]:
    """Parse the table of SOURCES.md (empty when the samples are absent)."""
    if FILM is None or not (FILM / "SOURCES.md").is_file():
        return []
    rows = []
    row = re.compile(
        r"^\| (\d+) \| (\S+?)….gzip \| (\d+), (.+), (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$"
    )
    for line in (FILM / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        match = row.match(line.strip())
        if match:
            version, prefix, xuid, tag, time_ms, kill, death, mode, medal = match.groups()
            counts = {
                "kill": int(kill),
                "death": int(death),
                "mode": int(mode),
                "medal": int(medal),
            }
            rows.append(Expected(int(version), prefix, int(xuid), tag, int(time_ms), counts))
    return rows


def sample_file(prefix: str) -> Path:
    """Return the one film sample whose name starts with ``prefix``."""
    assert FILM is not None
    (path,) = sorted(FILM.glob(f"{prefix}*.gzip"))
    return path
