"""The keep decisions of the tool this project replaces (discogs-cache), modelled for the comparison
test from its documented rules; not used by the package.

- Filter: a release passes when one of its credits (main or extra), accents stripped and lowercased,
  equals a library artist written the same way.
- Verify, per main artist of a release: artist and title normalized (lowercase, accents stripped,
  a final " (N)" and "[...]" removed, "Name, The" flipped, "&" as "and", apostrophes dropped; title
  format suffixes such as 12", (reissue), (2 cd set) removed). An exact pair is KEEP; an artist the
  library knows is KEEP when token_set_ratio of the title against its titles is >= 0.75; others go
  through three scorers (token_set and token_sort on "artist ||| title", and a two-stage artist
  then title score) with the agreement rules (2 of 3 >= 0.75 with the two-stage one among them, or
  one >= 0.85 and two >= 0.70 with the two-stage one >= 0.70). Below KEEP, a score >= 0.65 is
  REVIEW, which the tool never deletes. Library entries joining several artists also count for
  each of them.
- A compilation matches on title alone (token_set_ratio >= 80).

"Kept" is KEEP or REVIEW. The model is generous where the tool's exact behaviour is unclear (a
release counts as kept when any of its main artists is), so "we keep everything it keeps" is the
stronger statement.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from rapidfuzz import fuzz, process

from discogsography.cache.normalize import is_compilation

_SUFFIX = re.compile(r"\s*\(\d+\)\s*$")
_BRACKET = re.compile(r"\s*\[.*?\]\s*$")
_ARTICLES = ("the", "los", "las", "les", "la", "le", "el", "die", "der", "das")
_TITLE_SUFFIX = re.compile(
    r"""\s*(?:\d*"|\(\d+\)|\(\d+\s*(?:cd|lp)\s*set\)|\(\d+lp\)
    |\((?:reissue|deluxe\s+edition|expanded\s+edition|anniversary\s+edition|special\s+edition
        |limited\s+edition|bonus\s+tracks|ep|lp)\))\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_SPLIT = re.compile(r"\s+(?:&|and|feat\.?|ft\.?|featuring|vs\.?|with|/)\s+|,\s+", re.IGNORECASE)
SEPARATOR = " ||| "
REVIEW = 0.65
Scorer = Callable[..., float]


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def filter_key(name: str) -> str:
    return strip_accents(name).lower().strip()


def peer_artist(name: str) -> str:
    text = _BRACKET.sub("", _SUFFIX.sub("", strip_accents(name.strip().lower())))
    for article in _ARTICLES:
        if text.endswith(f", {article}"):
            text = f"{article} {text[: -len(article) - 2]}"
            break
    text = re.sub(r"\s*&\s*", " and ", text.strip()).replace("'", "")
    return " ".join(text.split())


def peer_title(title: str) -> str:
    text, previous = strip_accents(title.strip().lower()), None
    while text != previous:
        previous, text = text, _TITLE_SUFFIX.sub("", text).strip()
    return text


class PeerIndex:
    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self.exact: set[tuple[str, str]] = set()
        self.titles: dict[str, set[str]] = defaultdict(set)
        self.compilations: set[str] = set()
        combined: set[str] = set()
        pairs = list(pairs)
        for artist, title in pairs:
            if is_compilation(artist):
                self.compilations.add(peer_title(title))
                continue
            a, t = peer_artist(artist), peer_title(title)
            self.exact.add((a, t))
            self.titles[a].add(t)
            combined.add(f"{a}{SEPARATOR}{t}")
        self.artists = sorted(self.titles)
        self.combined = sorted(combined)
        for artist, title in pairs:  # the components of multi-artist entries
            parts = _SPLIT.split(artist)
            if len(parts) > 1 and not is_compilation(artist):
                for part in parts:
                    self.exact.add((peer_artist(part), peer_title(title)))
                    self.titles[peer_artist(part)].add(peer_title(title))

    def _best(self, query: str, choices: Sequence[str], scorer: Scorer, cutoff: float = 0) -> float:
        found = process.extractOne(query, choices, scorer=scorer, score_cutoff=cutoff)
        return float(found[1]) / 100 if found else 0.0

    def keeps(self, artist: str, title: str) -> bool:
        """KEEP or REVIEW."""
        a, t = peer_artist(artist), peer_title(title)
        if (a, t) in self.exact:
            return True
        if a in self.titles:
            return self._best(t, sorted(self.titles[a]), fuzz.token_set_ratio) >= REVIEW
        query = f"{a}{SEPARATOR}{t}"
        token_set = self._best(query, self.combined, fuzz.token_set_ratio)
        token_sort = self._best(query, self.combined, fuzz.token_sort_ratio)
        two_stage = 0.0
        matched = process.extractOne(a, self.artists, scorer=fuzz.token_set_ratio, score_cutoff=70)
        if matched:
            title_score = self._best(t, sorted(self.titles[matched[0]]), fuzz.token_set_ratio)
            two_stage = (float(matched[1]) / 100 * title_score) ** 0.5
        scores = [token_set, token_sort, two_stage]
        if sum(s >= 0.75 for s in scores) >= 2 and two_stage >= 0.75:
            return True
        if any(s >= 0.85 for s in scores) and sum(s >= 0.70 for s in scores) >= 2 and two_stage >= 0.70:
            return True
        return max(scores) >= REVIEW

    def keeps_compilation(self, title: str) -> bool:
        t = peer_title(title)
        return t in self.compilations or (
            bool(self.compilations) and self._best(t, sorted(self.compilations), fuzz.token_set_ratio, 80) > 0
        )


def peer_kept(
    releases: Iterable[tuple[int, str, Sequence[str], Sequence[str]]],
    library: Sequence[tuple[str, str]],
) -> set[int]:
    """Ids the tool keeps (KEEP or REVIEW), of (id, title, main artists, all credited names) rows."""
    index = PeerIndex(library)
    artists = {filter_key(a) for a, _ in library if a.strip() and not is_compilation(a)}
    kept: set[int] = set()
    for release_id, title, main, credited in releases:
        if not any(filter_key(name) in artists for name in credited):
            continue
        if main and all(is_compilation(name) for name in main):
            if index.keeps_compilation(title):
                kept.add(release_id)
        elif any(index.keeps(name, title) for name in main):
            kept.add(release_id)
    return kept
