"""Reading a request's path and query: ids, pages and search filters, or one 4xx with a message.

Pure. Every limit a client could push against is here: ids beyond bigint, pages deeper than
API_MAX_ITEMS, values longer than MAX_VALUE_LENGTH, control characters (PostgreSQL refuses NUL
in text), text filters without a letter or digit (no trigram index could serve them: they would
read the whole table).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from discogsography.api.paging import DEFAULT_PER_PAGE, MAX_PER_PAGE, Page

MAX_RECORD_ID = 2**63 - 1  # the tables' bigint
MAX_VALUE_LENGTH = 1000
# A trigram index serves a word of three characters or more; a shorter one only a full scan.
MIN_WORD_LENGTH = 3
SEARCH_TYPES = ("release", "master", "artist", "label")
TEXT_FILTERS = ("q", "title", "release_title", "artist", "label")
EXACT_FILTERS = ("genre", "style", "country", "format", "catno", "barcode")


class RequestError(Exception):
    """A request the API cannot answer as asked: its status (4xx) and Discogs-style message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def record_id(text: str) -> int | None:
    """A path's record id; None when it cannot name a record (the route answers 404)."""
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if 0 < value <= MAX_RECORD_ID else None


def _clean(name: str, value: str) -> str:
    if len(value) > MAX_VALUE_LENGTH:
        raise RequestError(400, f"{name} is longer than {MAX_VALUE_LENGTH} characters.")
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise RequestError(400, f"{name} contains a control character.")
    return value.strip()


def _positive_int(params: Mapping[str, str], name: str, default: int) -> int:
    text = params.get(name)
    if text is None or text == "":
        return default
    text = _clean(name, text)
    if not text.isascii() or not text.lstrip("+").isdigit() or len(text) > 12 or int(text) < 1:
        raise RequestError(400, f"{name} must be a whole number of 1 or more.")
    return int(text)


def page_of(params: Mapping[str, str], max_items: int) -> Page:
    """``page`` and ``per_page`` (capped at 100, as Discogs does); deeper than max_items is 400."""
    per_page = min(_positive_int(params, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
    page = Page(_positive_int(params, "page", 1), per_page)
    if page.offset + 1 > max_items:
        raise RequestError(
            400, f"page is out of range: lists are paged up to item {max_items:,} (page × per_page)."
        )
    return page


@dataclass(frozen=True, slots=True)
class TextFilter:
    """A text filter: its words, each matched anywhere in a name or title; or, when no word is
    long enough for a trigram (``II``, ``X``, ``黒盤``), the whole name or title, any case."""

    words: tuple[str, ...]
    whole: bool = False


def text_filter(name: str, value: str) -> TextFilter:
    if not any(char.isalnum() for char in value):
        raise RequestError(400, f"{name} needs a letter or digit to search by.")
    words = tuple(value.split())
    if any(len(word) >= MIN_WORD_LENGTH for word in words):
        return TextFilter(words)
    return TextFilter((" ".join(words),), whole=True)


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """A `/database/search` request, checked: the type asked for and every filter given."""

    type: str | None
    text: dict[str, TextFilter] = field(default_factory=dict)
    exact: dict[str, str] = field(default_factory=dict)  # filter -> its value
    year: int | None = None


def search_request(params: Mapping[str, str]) -> SearchRequest:
    kind = _clean("type", params.get("type", "")).lower() or None
    if kind is not None and kind not in SEARCH_TYPES:
        raise RequestError(400, "type must be one of: " + ", ".join(SEARCH_TYPES) + ".")
    text = {
        name: text_filter(name, value)
        for name in TEXT_FILTERS
        if (value := _clean(name, params.get(name, "")))
    }
    exact = {name: value for name in EXACT_FILTERS if (value := _clean(name, params.get(name, "")))}
    year = None
    if year_text := _clean("year", params.get("year", "")):
        if not year_text.isascii() or not year_text.isdigit() or not 1 <= int(year_text[:5]) <= 9999:
            raise RequestError(400, "year must be a year, 1 to 9999.")
        year = int(year_text)
    return SearchRequest(kind, text, exact, year)
