"""Reading the library inputs: library_artists.txt, and library.db (SQLite, `library(id, artist, title)`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from discogsography.cache.cache_errors import CacheError
from discogsography.runtime import atomic


def read_artist_list(path: Path) -> list[str]:
    """One artist per line, UTF-8; blank lines and surrounding spaces ignored."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CacheError(f"library artist list not found: {path}") from None
    except UnicodeDecodeError as exc:
        raise CacheError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    return [line.strip() for line in text.splitlines() if line.strip()]


def write_artist_list(path: Path, artists: Iterable[str]) -> int:
    """Sorted, deduplicated, written atomically; returns the number of lines."""
    unique = sorted({name.strip() for name in artists if name and name.strip()}, key=str.casefold)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(path, "".join(f"{name}\n" for name in unique))
    return len(unique)


def _library_rows(path: Path) -> list[tuple[object, object]]:
    if not path.is_file():
        raise CacheError(f"library database not found: {path}")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return connection.execute("SELECT artist, title FROM library").fetchall()
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise CacheError(f"{path}: cannot read table library(artist, title): {exc}") from None


def read_library_pairs(path: Path) -> list[tuple[str, str]]:
    """(artist, title) of every library row that has both."""
    return [
        (str(artist).strip(), str(title).strip())
        for artist, title in _library_rows(path)
        if artist is not None and title is not None and str(artist).strip()
    ]


def read_library_artists(path: Path) -> list[str]:
    """Distinct artist names of the library, as written there."""
    return sorted(
        {str(artist).strip() for artist, _ in _library_rows(path) if artist and str(artist).strip()}
    )
