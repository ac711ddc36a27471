"""Does a release belong to the library? Pure: a set of artist keys and a membership test."""

from __future__ import annotations

from collections.abc import Iterable

from discogsography.cache.normalize import artist_key, credit_parts, is_compilation, is_distinctive_part


class ArtistMatcher:
    """Matches Discogs credits against library artist names under `artist_key` normalization.

    A library entry that joins several artists ("Kings Of Tomorrow Featuring Julie McKnight") also
    lets each distinctive one of them through, as verify scores them (classify.py): Discogs may
    credit the headliner alone."""

    def __init__(self, library_artists: Iterable[str]) -> None:
        names = [name for name in library_artists if not is_compilation(name)]
        keys = {artist_key(name) for name in names}
        for name in names:
            parts = credit_parts(name)
            if len(parts) > 1:
                keys.update(part for part in parts if is_distinctive_part(part))
        keys.discard("")
        self.keys = frozenset(keys)

    def __len__(self) -> int:
        return len(self.keys)

    def matches_name(self, name: str) -> bool:
        return artist_key(name) in self.keys

    def matches_any(self, names: Iterable[str | None]) -> bool:
        return any(name and artist_key(name) in self.keys for name in names)
