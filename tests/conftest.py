"""Shared fixtures: archives in temporary files, and the real samples when ../shared exists."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from grunt_archive.db import open_archive

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT.parent / "shared" / "halo-samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def sample_paths(pattern: str) -> list[Path]:
    """Return the real sample files matching ``pattern`` (empty when ../shared is absent)."""
    return sorted(SAMPLES.glob(pattern)) if SAMPLES.is_dir() else []


def load_json(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "halo.db"


@pytest.fixture
def engine(db_path: Path):
    engine = open_archive(db_path)
    yield engine
    engine.dispose()


def copy_archive(db: Path, copy: Path) -> Path:
    """Copy the archive ``db`` (a consistent snapshot, WAL included) to ``copy``; return it."""
    with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return copy
