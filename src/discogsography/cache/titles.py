"""How well a Discogs release title matches a library title (pure; rapidfuzz for the fuzzy part).

Both titles are compared as title_key()s. A library often files a release under a shortened title
("Europe '72" for "Europe '72: The Complete Recordings"), which token_sort_ratio scores low (58),
so a library title found inside the Discogs title, at word boundaries, scores CONTAINED_SCORE. The
length guard keeps one short common word ("Live", "Harvest") from matching every longer title.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

CONTAINED_SCORE = 90.0
# What starts a subtitle in a Discogs title: "Nuggets: Original Artyfacts ...", "Loverman - Remixes".
_SUBTITLE = re.compile(r"\s*(?::|\s[-–—]\s|\s/\s)\s*")
# The title before a subtitle may be short ("Nuggets") and still be what the library files.
MIN_MAIN_TITLE_CHARS = 5
# The guard: a contained title has at least two words and MIN_CONTAINED_CHARS characters, or is one
# word of at least MIN_ONE_WORD_CHARS; and it is at least MIN_SHARE of the Discogs title.
MIN_CONTAINED_CHARS = 6
MIN_ONE_WORD_CHARS = 8
MIN_SHARE = 0.25


def contained_at_word_boundaries(short: str, long: str) -> bool:
    """``short`` is a run of whole words of ``long`` (both title keys: words separated by one space)."""
    return short != long and f" {short} " in f" {long} "


def long_enough(short: str, long: str) -> bool:
    minimum = MIN_CONTAINED_CHARS if " " in short else MIN_ONE_WORD_CHARS
    return len(short) >= minimum and len(short) >= MIN_SHARE * len(long)


def main_title(raw_title: str) -> str | None:
    """The part of a raw Discogs title before its subtitle, or None when it has none."""
    head = _SUBTITLE.split(raw_title, maxsplit=1)
    return head[0] if len(head) > 1 and head[0].strip() else None


def title_score(library_title: str, discogs_title: str, discogs_main: str | None = None) -> float:
    """0-100: 100 for equal keys, CONTAINED_SCORE for a shortened form, else token_sort_ratio.

    A shortened form is the title before the Discogs subtitle (``discogs_main``, a title key), or a
    guarded run of whole words of the Discogs title."""
    if library_title == discogs_title:
        return 100.0
    fuzzy = float(fuzz.token_sort_ratio(library_title, discogs_title))
    if library_title == discogs_main and len(library_title) >= MIN_MAIN_TITLE_CHARS:
        return max(fuzzy, CONTAINED_SCORE)
    if contained_at_word_boundaries(library_title, discogs_title) and long_enough(
        library_title, discogs_title
    ):
        return max(fuzzy, CONTAINED_SCORE)
    return fuzzy
