"""Is a cached release one the library holds? KEEP, REVIEW or PRUNE (pure; rapidfuzz for scores).

- A release is scored under each of its credited main artists and under its joined credit line
  ("Timo Maas" + "Kelis" -> "timo maas and kelis"), with the filter's normalization (normalize.py:
  joins, " (N)" suffixes, articles, accents). A release takes the best class of these.
- For one such name: an exact normalized (artist, title) pair of the library is KEEP. Otherwise the
  name is matched to library artists: exactly by key; by key with the joined artists in any order;
  as one artist of a library entry that joins several ("Fredrik Stark" in "Fredrik Stark & City
  Dreams"); else fuzzily (token_sort_ratio >= the review threshold). The release title is scored
  against those artists' titles (titles.py: a guarded shortened form counts as a match); the
  score is min(artist score, title score), so a library artist's album the library does not hold
  scores low. score >= keep_threshold is KEEP, >= review_threshold REVIEW, else PRUNE.
- A compilation (Various, Soundtrack, ...) matches on title alone against the library's
  compilation entries.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from discogsography.cache.normalize import (
    artist_key,
    credit_parts,
    is_compilation,
    is_distinctive_part,
    sorted_credit_key,
    title_key,
)
from discogsography.cache.titles import main_title, title_score


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


def release_names(artists: Sequence[str]) -> list[str]:
    """The artist keys a release is scored under: each credited artist, then the joined line."""
    people = [name for name in artists if name and not is_compilation(name)]
    keys = [artist_key(name) for name in people]
    if len(people) > 1:
        keys.append(" and ".join(part for name in people for part in credit_parts(name)))
    return [key for key in dict.fromkeys(keys) if key]


class LibraryIndex:
    """library.db's (artist, title) pairs, prepared for classification."""

    def __init__(self, pairs: Iterable[tuple[str, str]], thresholds: Thresholds | None = None) -> None:
        self.thresholds = thresholds or Thresholds()
        self.titles_by_artist: dict[str, set[str]] = defaultdict(set)
        self.compilation_titles: set[str] = set()
        self.exact_pairs: set[tuple[str, str]] = set()
        self.by_sorted_key: dict[str, set[str]] = defaultdict(set)
        self.by_part: dict[str, set[str]] = defaultdict(set)
        for artist, title in pairs:
            tkey = title_key(title)
            if not tkey:
                continue
            if is_compilation(artist):
                self.compilation_titles.add(tkey)
                continue
            akey = artist_key(artist)
            if not akey:
                continue
            self.titles_by_artist[akey].add(tkey)
            self.exact_pairs.add((akey, tkey))
            parts = credit_parts(artist)
            if len(parts) > 1:
                self.by_sorted_key[sorted_credit_key(artist)].add(akey)
                for part in parts:
                    if is_distinctive_part(part):
                        self.by_part[part].add(akey)
        self._artist_keys = list(self.titles_by_artist)
        self._compilation_list = sorted(self.compilation_titles)
        self._artist_match_cache: dict[str, list[tuple[str, float]]] = {}

    def library_artists_for(self, akey: str) -> list[tuple[str, float]]:
        """Library artist keys a (release) artist key stands for, with the artist score."""
        if akey in self._artist_match_cache:
            return self._artist_match_cache[akey]
        exact: set[str] = set()
        if akey in self.titles_by_artist:
            exact.add(akey)
        exact |= self.by_sorted_key.get(" and ".join(sorted(akey.split(" and "))), set())
        exact |= self.by_part.get(akey, set())
        found: list[tuple[str, float]] = [(key, 100.0) for key in sorted(exact)]
        if not found:
            best = process.extractOne(
                akey, self._artist_keys, scorer=fuzz.token_sort_ratio, score_cutoff=self.thresholds.review
            )
            if best:
                found = [(best[0], float(best[1]))]
        self._artist_match_cache[akey] = found
        return found

    def _best_title(self, tkey: str, titles: Iterable[str], main: str | None) -> tuple[str, float] | None:
        best: tuple[str, float] | None = None
        for candidate in titles:
            score = title_score(candidate, tkey, main)
            if best is None or score > best[1] or (score == best[1] and candidate < best[0]):
                best = (candidate, score)
        return best

    def classify(self, artists: Sequence[str], title: str | None) -> Classification:
        tkey = title_key(title or "")
        best = Classification(Verdict.PRUNE, 0.0)
        if not tkey:
            return best
        head = main_title(title or "")
        main = title_key(head) if head else None
        names = release_names(artists)
        if not names:
            found = self._best_title(tkey, self._compilation_list, main)
            if found:
                best = Classification(self.thresholds.verdict(found[1]), found[1], None, found[0])
            return best
        for akey in names:
            for library_artist, artist_score in self.library_artists_for(akey):
                if (library_artist, tkey) in self.exact_pairs:
                    return Classification(Verdict.KEEP, 100.0, library_artist, tkey)
                found = self._best_title(tkey, self.titles_by_artist[library_artist], main)
                if not found:
                    continue
                score = min(artist_score, found[1])
                if score > best.score:
                    best = Classification(self.thresholds.verdict(score), score, library_artist, found[0])
        return best
