"""Paths and library fixtures shared by the cache tests (imported by the tests and conftest)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from tests.conftest import SAMPLES_2020, SAMPLES_2025

SAMPLE_2020 = SAMPLES_2020 / "discogs_20200806_releases.xml.gz"
SAMPLE_2025 = SAMPLES_2025 / "discogs_releases.xml.gz"


def make_library_db(path: Path, pairs: Iterable[tuple[str | None, str | None]]) -> Path:
    connection = sqlite3.connect(path)
    with connection:
        connection.execute(
            "CREATE TABLE library (id INTEGER PRIMARY KEY, artist TEXT, title TEXT, format TEXT)"
        )
        connection.executemany("INSERT INTO library (artist, title, format) VALUES (?, ?, 'CD')", list(pairs))
    connection.close()
    return path


# Library entries written as a station would: inverted articles, missing accents, "(2)"-less names.
LIBRARY_PAIRS: list[tuple[str | None, str | None]] = [
    ("Persuader, The", "Stockholm"),
    ("Hakan Lidbo", "New Standards"),
    ("Banlieue Rouge", "Sous Un Ciel Ecarlate"),
    ("Fats Domino", "What A Party"),
    ("Trentemoller", "Rauta EP"),
    ("Beatles, The", "Abbey Road"),
    ("Various Artists - Rock", "Some Compilation Nobody Has"),
    ("Soundtrack", None),
]
