"""Discogs' pagination: which slice of a list a request asks for, and the `pagination` object.

Pure: the routes parse ``page`` and ``per_page`` (request_params.py), the record store counts
and slices, and ``pagination`` describes the result as api.discogs.com does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100  # Discogs' own ceiling; a larger per_page is served as 100, as Discogs does


@dataclass(frozen=True, slots=True)
class Page:
    number: int  # 1-based
    per_page: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page

    def pages(self, items: int) -> int:
        """How many pages ``items`` make (at least 1: an empty list has one empty page)."""
        return max(1, -(-items // self.per_page))


def pagination(page: Page, items: int, url_of: Callable[[int], str]) -> dict[str, Any]:
    """The `pagination` object: ``url_of(n)`` is the URL of page n of the same list."""
    pages = page.pages(items)
    urls: dict[str, str] = {}
    if page.number > 1:
        urls["first"] = url_of(1)
        urls["prev"] = url_of(min(page.number - 1, pages))
    if page.number < pages:
        urls["next"] = url_of(page.number + 1)
        urls["last"] = url_of(pages)
    return {"page": page.number, "pages": pages, "per_page": page.per_page, "items": items, "urls": urls}
