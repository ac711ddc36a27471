"""Is a cached release one the library holds? KEEP, REVIEW or PRUNE (pure; rapidfuzz for scores).

- An exact normalized (artist, title) pair of the library is KEEP.
- Otherwise the artist is matched (exactly by key, else fuzzily), and the release title is scored
  against that library artist's titles; the release's score is min(artist score, title score), so
  a library artist's album the library does not hold scores low. score >= keep_threshold is KEEP,
  >= review_threshold REVIEW, else PRUNE.
- A release with several artists takes the best class of its artists.
- A compilation (Various, Soundtrack, ...) matches on title alone against the library's
  compilation entries.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from discogsography.cache.normalize import artist_key, is_compilation, strip_discogs_suffix, title_key


class Verdict(enum.IntEnum):
    # Ordered so that max() is "best class".
    PRUNE = 0
    REVIEW = 1
    KEEP = 2


@dataclass(frozen=True)
class Thresholds:
    keep: float = 85.0
    review: float = 65.0

    def __post_init__(self) -> None:
        if not 0 <= self.review <= self.keep <= 100:
            raise ValueError("thresholds must satisfy 0 <= review <= keep <= 100")

    def verdict(self, score: float) -> Verdict:
        if score >= self.keep:
            return Verdict.KEEP
        if score >= self.review:
            return Verdict.REVIEW
        return Verdict.PRUNE


@dataclass(frozen=True)
class Classification:
    verdict: Verdict
    score: float
    matched_artist: str | None = None
    matched_title: str | None = None


class LibraryIndex:
    """library.db's (artist, title) pairs, prepared for classification."""

    def __init__(self, pairs: Iterable[tuple[str, str]], thresholds: Thresholds | None = None) -> None:
        self.thresholds = thresholds or Thresholds()
        self.titles_by_artist: dict[str, set[str]] = defaultdict(set)
        self.compilation_titles: set[str] = set()
        self.exact_pairs: set[tuple[str, str]] = set()
        for artist, title in pairs:
            tkey = title_key(title)
            if not tkey:
                continue
            if is_compilation(artist):
                self.compilation_titles.add(tkey)
                continue
            akey = artist_key(artist)
            if akey:
                self.titles_by_artist[akey].add(tkey)
                self.exact_pairs.add((akey, tkey))
        self._artist_keys = list(self.titles_by_artist)
        self._compilation_list = sorted(self.compilation_titles)
        self._artist_match_cache: dict[str, tuple[str, float] | None] = {}

    def _match_artist(self, akey: str) -> tuple[str, float] | None:
        if akey in self.titles_by_artist:
            return akey, 100.0
        if akey not in self._artist_match_cache:
            found = process.extractOne(
                akey, self._artist_keys, scorer=fuzz.token_sort_ratio, score_cutoff=self.thresholds.review
            )
            self._artist_match_cache[akey] = (found[0], float(found[1])) if found else None
        return self._artist_match_cache[akey]

    def _best_title(self, tkey: str, titles: Sequence[str] | set[str]) -> tuple[str, float] | None:
        found = process.extractOne(tkey, titles, scorer=fuzz.token_sort_ratio)
        return (found[0], float(found[1])) if found else None

    def classify(self, artists: Sequence[str], title: str | None) -> Classification:
        tkey = title_key(title or "")
        best = Classification(Verdict.PRUNE, 0.0)
        if not tkey:
            return best
        people = [name for name in artists if name and not is_compilation(name)]
        if not people:
            found = self._best_title(tkey, self._compilation_list)
            if found:
                best = Classification(self.thresholds.verdict(found[1]), found[1], None, found[0])
            return best
        for name in people:
            akey = artist_key(strip_discogs_suffix(name))
            if (akey, tkey) in self.exact_pairs:
                return Classification(Verdict.KEEP, 100.0, akey, tkey)
            artist = self._match_artist(akey)
            if artist is None:
                continue
            found = self._best_title(tkey, self.titles_by_artist[artist[0]])
            if not found:
                continue
            score = min(artist[1], found[1])
            if score > best.score:
                best = Classification(self.thresholds.verdict(score), score, artist[0], found[0])
        return best
