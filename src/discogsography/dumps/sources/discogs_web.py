"""data.discogs.com: an HTML index whose year links lead to pages of ``?download=`` links.

The index links years as ``?prefix=data%2F2026%2F``; a year page lists files as
``?download=data%2F2026%2Fdiscogs_20260101_artists.xml.gz``. Years are read newest first and
reading stops at the first year holding a complete version: the site answers 429 after a
handful of requests, so every request counts.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urljoin, urlsplit

from discogsography.dumps.names import ListingEntry

_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
_YEAR_PREFIX = re.compile(r"(?:^|.*/)(\d{4})/$")


def _links(page: str) -> list[str]:
    return [html.unescape(match) for match in _HREF.findall(page)]


def _query_value(link: str, key: str) -> str | None:
    values = parse_qs(urlsplit(link).query).get(key)
    return values[0] if values else None


def parse_index(page: str, page_url: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(years as (year, url) newest first, folder links that are not years such as ``data/``)."""
    years: dict[str, str] = {}
    folders: list[str] = []
    for link in _links(page):
        prefix = _query_value(link, "prefix")
        if prefix is None:
            continue
        match = _YEAR_PREFIX.match(prefix)
        if match is not None:
            years[match.group(1)] = urljoin(page_url, link)
        elif prefix.endswith("/") and prefix.count("/") == 1:
            folders.append(urljoin(page_url, link))
    return sorted(years.items(), reverse=True), folders


def parse_year_page(page: str, page_url: str) -> list[ListingEntry]:
    """Every ``?download=`` link of a year page as a listing entry (name = last path segment)."""
    entries = []
    for link in _links(page):
        key = _query_value(link, "download")
        if not key:
            continue
        name = key.rsplit("/", 1)[-1]
        entries.append(ListingEntry(name=name, location=urljoin(page_url, link)))
    return entries
