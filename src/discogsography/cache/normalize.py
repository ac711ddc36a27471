"""How names and titles are compared: one normalization for filter, verify and enrich.

Library entries and Discogs credits spell the same artist differently ("Beatles, The" / "The Beatles",
"Simon & Garfunkel" / "Simon and Garfunkel", "Björk" / "Bjork", "Nirvana (2)"). Everything here is
pure and cheap, so it can run on every record of a 19-million-release dump.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Discogs disambiguates same-named artists with " (N)".
_DISCOGS_SUFFIX = re.compile(r"\s*\(\d+\)\s*$")
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
    """ "Nirvana (2)" -> "Nirvana"."""
    return _DISCOGS_SUFFIX.sub("", name)


@functools.lru_cache(maxsize=1 << 16)
def artist_key(name: str) -> str:
    """The key two spellings of one artist share; "" for a name with no letters or digits."""
    text = fold(strip_discogs_suffix(name.strip()))
    text = " ".join(text.split())
    inverted = _TRAILING_ARTICLE.match(text)
    if inverted:
        text = f"{inverted['article']} {inverted['name']}"
    text = text.replace("&", " and ").replace("+", " and ")
    text = _words(text)
    return _LEADING_THE.sub("", text)


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
