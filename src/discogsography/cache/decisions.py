"""Remembered decisions for REVIEW releases: the mapping file verify applies on the next run.

The file is the old tool's ``artist_mappings.json``, so a station keeps the one it has::

    {"keep": {"Discogs Artist": "Library Artist", ...}, "prune": {"Discogs Artist": null, ...}}

Names are compared by artist key (normalize.py). A decision settles only a release the scores
leave at REVIEW: KEEP and PRUNE from the scores stand, so a stale entry cannot prune an exact
library match.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from discogsography.cache.cache_errors import CacheError
from discogsography.cache.normalize import artist_key


@dataclass(frozen=True)
class Decisions:
    keep: frozenset[str] = field(default_factory=frozenset)
    prune: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> Decisions:
        def keys(section: object) -> frozenset[str]:
            names = section if isinstance(section, (dict, list)) else {}
            return frozenset(k for k in (artist_key(str(name)) for name in names) if k)

        return cls(keys(data.get("keep")), keys(data.get("prune")))

    def decide(self, artist_keys: Iterable[str]) -> str | None:
        """'keep', 'prune' or None for a REVIEW release credited to these artist keys."""
        wanted = set(artist_keys)
        if wanted & self.keep:
            return "keep"
        if wanted & self.prune:
            return "prune"
        return None

    def __len__(self) -> int:
        return len(self.keep) + len(self.prune)


def load_decisions(path: Path | None) -> Decisions:
    """The decisions of ``path``; none when it is not given or does not exist yet."""
    if path is None or not path.exists():
        return Decisions()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CacheError(f"{path}: not a mappings file (JSON with keep and prune): {exc}") from None
    if not isinstance(data, dict):
        raise CacheError(f"{path}: not a mappings file (JSON with keep and prune)")
    return Decisions.from_mapping(data)
