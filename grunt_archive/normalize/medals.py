"""gamecms medal metadata (``/hi/Waypoint/file/medals/metadata.json``) → ``medals`` rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grunt_archive.errors import MalformedResponseError

Rows = dict[str, list[dict[str, Any]]]


def medal_rows(doc: Mapping[str, Any]) -> Rows:
    """Turn the medal metadata into one ``medals`` row per medal.

    Difficulty and type are indexes into the document's ``difficulties`` and
    ``types`` lists; the row keeps both the index and the word it names (None
    when the index is outside the list). Names and descriptions are the
    English ``value``; the translations stay in the raw document.

    Raises:
        MalformedResponseError: the document has no ``medals`` list, or a
            medal has no integer ``nameId``.

    """
    medals = doc.get("medals") if isinstance(doc, Mapping) else None
    if not isinstance(medals, list):
        raise MalformedResponseError("medal metadata has no medals list")
    difficulties = _words(doc.get("difficulties"))
    types = _words(doc.get("types"))
    rows: dict[int, dict[str, Any]] = {}
    for medal in medals:
        name_id = medal.get("nameId") if isinstance(medal, Mapping) else None
        if isinstance(name_id, bool) or not isinstance(name_id, int):
            raise MalformedResponseError(f"medal metadata entry has no integer nameId: {name_id!r}")
        difficulty, kind = _int(medal.get("difficultyIndex")), _int(medal.get("typeIndex"))
        rows[name_id] = {
            "medal_id": name_id,
            "name": _value(medal.get("name")),
            "description": _value(medal.get("description")),
            "difficulty": _pick(difficulties, difficulty),
            "difficulty_index": difficulty,
            "type": _pick(types, kind),
            "type_index": kind,
            "personal_score": _int(medal.get("personalScore")),
            "sorting_weight": _int(medal.get("sortingWeight")),
            "sprite_index": _int(medal.get("spriteIndex")),
        }
    return {"medals": list(rows.values())}


def _words(value: Any) -> list[str | None]:
    if not isinstance(value, list):
        return []
    return [item if isinstance(item, str) else None for item in value]


def _pick(words: list[str | None], index: int | None) -> str | None:
    return words[index] if index is not None and 0 <= index < len(words) else None


def _value(text: Any) -> str | None:
    """Return the ``value`` of a localized ``{"value", "translations"}`` (or a plain string)."""
    if isinstance(text, Mapping):
        text = text.get("value")
    return text if isinstance(text, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
