"""How well a Discogs release title matches a library title (pure; rapidfuzz for the fuzzy part).

Both titles are compared as title_key()s. A library often files a release under a shortened title
("Europe '72" for "Europe '72: The Complete Recordings"), which token_sort_ratio scores low (58),
so a library title found inside the Discogs title, at word boundaries, scores CONTAINED_SCORE. The
length guard keeps one short common word ("Live", "Harvest") from matching every longer title.
"""

from __future__ import annotations

from rapidfuzz import fuzz

CONTAINED_SCORE = 90.0
# The guard: a contained title has at least two words and MIN_CONTAINED_CHARS characters, or is one
# word of at least MIN_ONE_WORD_CHARS; and it is at least MIN_SHARE of the Discogs title.
MIN_CONTAINED_CHARS = 6
MIN_ONE_WORD_CHARS = 8
MIN_SHARE = 0.25


def contained_at_word_boundaries(short: str, long: str) -> bool:
    """``short`` is a run of whole words of ``long`` (both title keys: words separated by one space)."""
    return short != long and f" {short} " in f" {long} "


def long_enough(short: str, long: str) -> bool:
    words = short.count(" ") + 1
    if words >= 2:
        enough = len(short) >= MIN_CONTAINED_CHARS
    else:
        enough = len(short) >= MIN_ONE_WORD_CHARS
    return enough and len(short) >= MIN_SHARE * len(long)


def title_score(library_title: str, discogs_title: str) -> float:
    """0-100: 100 for equal keys, CONTAINED_SCORE for a guarded shortened form, else token_sort_ratio."""
    if library_title == discogs_title:
        return 100.0
    fuzzy = float(fuzz.token_sort_ratio(library_title, discogs_title))
    if contained_at_word_boundaries(library_title, discogs_title) and long_enough(
        library_title, discogs_title
    ):
        return max(fuzzy, CONTAINED_SCORE)
    return fuzzy
