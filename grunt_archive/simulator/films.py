"""The simulated world's theater films: manifests and chunk bytes, built on request.

Each match has a film: a manifest in the shape discovery-infiniteugc serves
(`manifest`) and chunks on the blob host (`chunk`). The header chunk (type 1)
and the replication chunks (type 2, one per ~20 s) are small placeholder
bytes; the last chunk (type 3) holds the highlight events of
`data.film_events`, encoded in the real bit layout of `ENCODED_VERSION`, or,
for the films the config names or draws, in `UNKNOWN_VERSION`, a version the
reader neither knows nor can infer (with `UNKNOWN_LAYOUT`; a test that patches
the reader's table with it reads them).

A film is built the first time it is asked for (never with the world) and
kept in a small cache; everything derives from the world's seed. Films of
matches that ended more than `config.film_max_age_days` before the world's
clock (the end of its latest match) are gone.
"""

from __future__ import annotations

import random
import uuid
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from grunt_archive.film.reader import LAYOUTS, Layout
from grunt_archive.simulator.data import catalog
from grunt_archive.simulator.data.film import ENCODED_VERSION, encode_highlight_chunk
from grunt_archive.simulator.data.film_events import MEDAL_WEIGHTS, SimulatedFilm, film_events

if TYPE_CHECKING:
    from grunt_archive.simulator.core import Simulator
    from grunt_archive.simulator.data.world import MatchMeta

BLOB_HOST = "https://blobs-infiniteugc.svc.halowaypoint.com"
UNKNOWN_VERSION = max(LAYOUTS) + 1
"""A film major version the reader does not know (the one after its newest)."""
UNKNOWN_LAYOUT = Layout(marker=14000, gamertag=8, hint=40, time=41, medal_flag=48, medal_code=52)
"""How the simulator lays out films of `UNKNOWN_VERSION`: fields moved, as no real version has,
so that the reader can neither look it up nor infer it from the chunk (`read_film`)."""
REPLICATION_MS = 20_000
_DAY_MS = 86_400_000
_CACHE = 64  # films kept; a sync asks for each one's manifest, then its highlight chunk


@dataclass(frozen=True, slots=True)
class Film:
    """One built film: where its chunks live, its version, their bytes and its events."""

    match_id: str
    asset_id: str
    blob_id: str
    version: int
    chunks: tuple[bytes, ...]
    events: SimulatedFilm


class SimulatedFilms:
    """The films of a simulator's world.

    Args:
        sim: The simulator whose matches the films show.

    """

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        seed = sim.config.seed
        masks = random.Random(f"grunt-archive-film-ids:{seed}")
        # A GUID's version and variant bits are left alone, so ids stay v4 GUIDs.
        keep = ~(0xF << 76 | 0x3 << 62) & ((1 << 128) - 1)
        self._masks = (masks.getrandbits(128) & keep, masks.getrandbits(128) & keep)
        self._cache: OrderedDict[str, Film] = OrderedDict()
        self._clock: tuple[int, int] = (-1, 0)

    def ids(self, match_id: str) -> tuple[str, str]:
        """Return a film's asset id and blob folder id (reversible: see `match_of`)."""
        number = uuid.UUID(match_id).int
        asset, blob = (str(uuid.UUID(int=number ^ mask)) for mask in self._masks)
        return asset, blob

    def match_of(self, asset_id: str, blob_id: str) -> str | None:
        """Return the match id whose film lives at ``{asset_id}/{blob_id}``, or None."""
        try:
            match = str(uuid.UUID(int=uuid.UUID(asset_id).int ^ self._masks[0]))
        except ValueError:
            return None
        return match if self.ids(match) == (asset_id.lower(), blob_id.lower()) else None

    def now_ms(self) -> int:
        """Return the world's clock: the end of its latest match (new matches move it)."""
        with self.sim.lock:
            matches = self.sim.world.matches
            if self._clock[0] != len(matches):
                latest = max((m.start_ms + m.span_ms for m in matches.values()), default=0)
                self._clock = (len(matches), latest)
            return self._clock[1]

    def film(self, match_id: str) -> Film | None:
        """Return a match's film, or None when there is no such match or its film expired."""
        match_id = match_id.lower()
        with self.sim.lock:
            meta = self.sim.world.matches.get(match_id)
            cached = self._cache.get(match_id)
            if cached is not None:
                self._cache.move_to_end(match_id)
        if meta is None or self.expired(meta):
            return None
        if cached is not None:
            return cached
        film = self._build(meta)
        with self.sim.lock:
            self._cache[match_id] = film
            while len(self._cache) > _CACHE:
                self._cache.popitem(last=False)
        return film

    def expired(self, meta: MatchMeta) -> bool:
        """Say whether a match's film is older than the configured age."""
        age = self.now_ms() - (meta.start_ms + meta.span_ms)
        return age > self.sim.config.film_max_age_days * _DAY_MS

    def version(self, match_id: str) -> int:
        """Return the film major version a match's film is written in."""
        config = self.sim.config
        named = {m.lower() for m in config.film_unknown_matches}
        draw = random.Random(f"grunt-archive-film-version:{config.seed}:{match_id}").random()
        unknown = match_id in named or draw < config.film_unknown_version
        return UNKNOWN_VERSION if unknown else ENCODED_VERSION

    def manifest(self, match_id: str) -> dict[str, Any] | None:
        """Return the spectate manifest of a match's film, or None when it is gone."""
        film = self.film(match_id)
        if film is None:
            return None
        meta = self.sim.world.matches[film.match_id]
        length = meta.duration_ms
        entries = [_entry(0, 0, 10, film.chunks[0], 1)]
        for n, chunk in enumerate(film.chunks[1:-1], start=1):
            start = (n - 1) * REPLICATION_MS
            entries.append(_entry(n, start, min(REPLICATION_MS, length - start), chunk, 2))
        entries.append(_entry(len(entries), length + 5, 2, film.chunks[-1], 3))
        return {
            "FilmStatusBond": 1,
            "CustomData": {
                "FilmLength": length,
                "Chunks": entries,
                "HasGameEnded": True,
                "ManifestRefreshSeconds": 30,
                "MatchId": film.match_id,
                "FilmMajorVersion": film.version,
            },
            "BlobStoragePathPrefix": f"{BLOB_HOST}/ugcstorage/film/{film.asset_id}/{film.blob_id}/",
            "AssetId": film.asset_id,
        }

    def chunk(self, asset_id: str, blob_id: str, index: int) -> bytes | None:
        """Return the bytes of one chunk, or None when there is no such film or chunk."""
        match_id = self.match_of(asset_id, blob_id)
        film = self.film(match_id) if match_id else None
        if film is None or not 0 <= index < len(film.chunks):
            return None
        return film.chunks[index]

    def _build(self, meta: MatchMeta) -> Film:
        """Build a film: its events from the stats document, encoded; placeholder chunks."""
        seed = f"grunt-archive-film:{self.sim.config.seed}:{meta.match_id}"
        document = self.sim.stats_document(meta.match_id)
        mode = catalog.MODES[meta.mode]
        events = film_events(
            document, self.sim.world.people, seed, meta.duration_ms, mode.block, mode.pve
        )
        version = self.version(meta.match_id)
        layouts = {**LAYOUTS, UNKNOWN_VERSION: UNKNOWN_LAYOUT}
        highlight = encode_highlight_chunk(
            events.events, version, medal_weights=MEDAL_WEIGHTS, layouts=layouts
        )
        filler = random.Random(seed)
        replication = -(-meta.duration_ms // REPLICATION_MS)
        placeholders = [
            zlib.compress(filler.randbytes(filler.randrange(96, 512)), 1)
            for _ in range(1 + replication)
        ]
        asset_id, blob_id = self.ids(meta.match_id)
        return Film(meta.match_id, asset_id, blob_id, version, (*placeholders, highlight), events)


def _entry(index: int, start: int, duration: int, chunk: bytes, kind: int) -> dict[str, int | str]:
    """Return one chunk's entry of the manifest."""
    return {
        "Index": index,
        "ChunkStartTimeOffsetMilliseconds": start,
        "DurationMilliseconds": duration,
        "ChunkSize": len(chunk),
        "FileRelativePath": f"/filmChunk{index}",
        "ChunkType": kind,
    }
