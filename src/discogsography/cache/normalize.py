"""How names and titles are compared: one normalization for filter, verify and enrich.

Library entries and Discogs credits spell the same artist differently ("Beatles, The" / "The Beatles",
"Simon & Garfunkel" / "Simon and Garfunkel", "Björk" / "Bjork", "Nirvana (2)"). Everything here is
pure and cheap, so it can run on every record of a 19-million-release dump.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Discogs disambiguates same-named artists with " (N)": at the end of a name, and so in a credit line
# before a comma or a join ("Chris Bigg (2) & Someone").
_DISCOGS_SUFFIX = re.compile(r"\s*\(\d+\)\s*(?=,|$)")
# What joins two artists in a credit line ("Timo Maas feat. Kelis", "A vs. B", "A / B", "A x B").
# "&" and "+" join even without spaces ("R&B" reads "r and b" on both sides); words only between spaces.
# A join takes the space before it and leaves the one after it to the next part (which is stripped),
# so two joins in a row both split: "A x and B" and "A x & B" agree.
_JOIN = re.compile(r"\s*[&+]|\s+(?:and|feat\.?|ft\.?|featuring|vs\.?|versus|with|x|/)(?=\s)")
# Library catalogs file "The Beatles" as "Beatles, The".
_TRAILING_ARTICLE = re.compile(r"^(?P<name>.+?),\s*(?P<article>the|a|an|le|la|les|die|der|das|el|los|las)$")
_LEADING_THE = re.compile(r"^the\s+")
# Release-title qualifiers a library usually leaves out: "(Remastered)", "[Deluxe Edition]".
_BRACKETED = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]\s*")

# Library sections of compilations: "Various Artists - Rock", "Various: Jazz".
_VARIOUS_SECTION = re.compile(r"^various(\s+artists)?\s*[-–:/(]")
# Names that credit nobody in particular; such releases are compilations, matched on title.
COMPILATION_NAMES = frozenset(
    {
        "various",
        "various artists",
        "soundtrack",
        "soundtracks",
        "original soundtrack",
        "original motion picture soundtrack",
        "original cast",
        "original cast recording",
        "ost",
        "compilation",
        "compilations",
        "unknown artist",
        "no artist",
    }
)


# Letters NFKD does not decompose but a library usually writes plainly (PostgreSQL's unaccent
# folds them the same way).
_PLAIN_LETTERS = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "ı": "i",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "þ": "th",
        "Þ": "TH",
    }
)


def fold(text: str) -> str:
    """Accent- and case-insensitive form: NFKD, combining marks dropped, casefolded."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_PLAIN_LETTERS))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def _words(text: str) -> str:
    """Every run of non-letters/digits becomes one space ("AC/DC" -> "ac dc")."""
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        out.append(ch if category[0] in "LN" else " ")
    return " ".join("".join(out).split())


def strip_discogs_suffix(name: str) -> str:
    """ "Nirvana (2)" -> "Nirvana"; "A (2), B (3)" -> "A, B"."""
    return _DISCOGS_SUFFIX.sub("", name)


def _part_key(part: str) -> str:
    part = strip_discogs_suffix(part).strip()
    inverted = _TRAILING_ARTICLE.match(part)
    if inverted:
        part = f"{inverted['article']} {inverted['name']}"
    return _LEADING_THE.sub("", _words(part))


@functools.lru_cache(maxsize=1 << 16)
def credit_parts(name: str) -> tuple[str, ...]:
    """The keys of the artists a name or credit line joins: "Timo Maas feat. Kelis" -> (timo maas, kelis).

    Each part loses its " (N)" suffix, a trailing or leading article ("Beatles, The", "The Beatles"),
    accents and case."""
    text = " ".join(fold(name).split())
    inverted = _TRAILING_ARTICLE.match(strip_discogs_suffix(text))
    if inverted and not _JOIN.search(inverted["name"]):
        text = f"{inverted['article']} {inverted['name']}"
    return tuple(key for key in map(_part_key, _JOIN.split(text)) if key)


@functools.lru_cache(maxsize=1 << 16)
def artist_key(name: str) -> str:
    """The key two spellings of one artist (or one credit line) share; "" for a name without letters.

    Joins are one word, so "&", "and", "feat.", "ft.", "featuring", "vs.", "with", "x" and "/" agree."""
    return " and ".join(credit_parts(name))


# One artist of a joined library entry stands for the entry only if it is distinctive enough:
# two words ("City Dreams") or a long single word; "Simon" alone must not stand for "Simon & Garfunkel".
MIN_PART_ONE_WORD_CHARS = 8


def is_distinctive_part(part: str) -> bool:
    """A credit_parts() key that may stand for the whole entry it is part of."""
    return " " in part or len(part) >= MIN_PART_ONE_WORD_CHARS


def sorted_credit_key(name: str) -> str:
    """artist_key with the joined artists in sorted order: "B & A" and "A feat. B" agree."""
    return " and ".join(sorted(credit_parts(name)))


def title_key(title: str) -> str:
    """Comparable form of a release title: folded, bracketed qualifiers dropped, "&" as "and"."""
    text = fold(title)
    without_brackets = _BRACKETED.sub(" ", text).strip()
    if without_brackets:  # a title that is only "(untitled)" keeps its words
        text = without_brackets
    return _words(text.replace("&", " and "))


def is_compilation(name: str) -> bool:
    """ "Various", "Various Artists - Rock", "Soundtrack": not an artist."""
    folded = " ".join(fold(strip_discogs_suffix(name)).split())
    return _words(folded) in COMPILATION_NAMES or _VARIOUS_SECTION.match(folded) is not None
