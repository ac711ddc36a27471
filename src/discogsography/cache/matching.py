"""Does a release belong to the library? Pure: a set of artist keys and a membership test."""

from __future__ import annotations

from collections.abc import Iterable

from discogsography.cache.normalize import artist_key, is_compilation


class ArtistMatcher:
    """Matches Discogs credits against library artist names under `artist_key` normalization."""

    def __init__(self, library_artists: Iterable[str]) -> None:
        keys = {artist_key(name) for name in library_artists if not is_compilation(name)}
        keys.discard("")
        self.keys = frozenset(keys)

    def __len__(self) -> int:
        return len(self.keys)

    def matches_name(self, name: str) -> bool:
        return artist_key(name) in self.keys

    def matches_any(self, names: Iterable[str | None]) -> bool:
        return any(name and artist_key(name) in self.keys for name in names)
