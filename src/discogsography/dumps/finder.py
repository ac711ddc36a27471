"""Find the newest complete dump version at the configured source, with a log line per skip."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable

import httpx

from discogsography.dumps.download import RetryPolicy, fetch_bytes
from discogsography.dumps.names import ListingEntry, VersionChoice, choose_newest_complete
from discogsography.dumps.sources.discogs_web import parse_index, parse_year_page
from discogsography.dumps.sources.local_mirror import list_local, local_directory
from discogsography.dumps.sources.s3_bucket import (
    ListPage,
    S3Location,
    entries_from_keys,
    parse_list_objects,
    s3_location,
)
from discogsography.runtime.logs import get_logger
from discogsography.runtime.redact import redact_url

log = get_logger(__name__)

# How many years back to look when the newest years hold no complete version.
MAX_YEARS = 3
_S3_YEAR = re.compile(r"(?:^|.*/)(\d{4})/$")
_MAX_PAGES = 10_000


async def find_newest_version(
    source: str,
    client: httpx.AsyncClient,
    policy: RetryPolicy,
    *,
    s3_endpoint: str | None = None,
    s3_region: str = "us-west-2",
    s3_page_size: int | None = None,
) -> VersionChoice:
    if source.startswith("file://"):
        entries = await asyncio.to_thread(list_local, local_directory(source))
        choice = choose_newest_complete(entries)
    elif source.startswith("s3://"):
        choice = await _from_s3(s3_location(source, s3_endpoint, s3_region), client, policy, s3_page_size)
    else:
        choice = await _from_web(source, client, policy)
    _log_choice(source, choice)
    return choice


def _log_choice(source: str, choice: VersionChoice) -> None:
    for name in choice.refused:
        log.warning("⚠️ Ignoring a listed file with an unexpected name", file=name[:200])
    chosen = choice.chosen.version if choice.chosen is not None else None
    for version in choice.skipped:
        log.info(
            "⏭️ Skipping incomplete dump version",
            version=version.version,
            missing=version.missing,
            newer_than_chosen=chosen is None or version.version > chosen,
        )
    if chosen is None:
        log.warning("⚠️ No complete dump version found", source=redact_url(source))
    else:
        log.info("🔍 Newest complete dump version", version=chosen, source=redact_url(source))


async def _newest_in_years(
    years: list[str], entries_of: Callable[[str], Awaitable[list[ListingEntry]]]
) -> VersionChoice:
    """Read years newest first until one holds a complete version (at most MAX_YEARS)."""
    entries: list[ListingEntry] = []
    choice = choose_newest_complete(entries)
    for year in years[:MAX_YEARS]:
        entries.extend(await entries_of(year))
        choice = choose_newest_complete(entries)
        if choice.chosen is not None:
            return choice
    return choice


async def _from_web(base_url: str, client: httpx.AsyncClient, policy: RetryPolicy) -> VersionChoice:
    page_url = base_url
    index = (await fetch_bytes(client, page_url, policy)).decode("utf-8", "replace")
    years, folders = parse_index(index, page_url)
    if not years and folders:  # the site root may list only "data/"
        page_url = folders[0]
        index = (await fetch_bytes(client, page_url, policy)).decode("utf-8", "replace")
        years, _ = parse_index(index, page_url)
    if not years:  # a year page given directly as the source
        return choose_newest_complete(parse_year_page(index, page_url))
    year_urls = dict(years)

    async def year_entries(year: str) -> list[ListingEntry]:
        page = (await fetch_bytes(client, year_urls[year], policy)).decode("utf-8", "replace")
        return parse_year_page(page, year_urls[year])

    return await _newest_in_years([year for year, _ in years], year_entries)


async def _list_all(
    location: S3Location,
    prefix: str,
    client: httpx.AsyncClient,
    policy: RetryPolicy,
    *,
    delimiter: bool,
    page_size: int | None,
) -> ListPage:
    """Every page of one ListObjects v1 listing, merged."""
    merged = ListPage([], [], None)
    marker: str | None = None
    for _ in range(_MAX_PAGES):
        page = parse_list_objects(
            await fetch_bytes(
                client,
                location.list_url(prefix, delimiter=delimiter, marker=marker, page_size=page_size),
                policy,
            )
        )
        merged.keys.extend(page.keys)
        merged.prefixes.extend(page.prefixes)
        if page.next_marker is None or page.next_marker == marker:
            break
        marker = page.next_marker
    return merged


async def _from_s3(
    location: S3Location, client: httpx.AsyncClient, policy: RetryPolicy, page_size: int | None
) -> VersionChoice:
    top = await _list_all(location, location.prefix, client, policy, delimiter=True, page_size=page_size)
    years = sorted(
        (prefix for prefix in top.prefixes if _S3_YEAR.match(prefix)),
        key=lambda prefix: prefix.rstrip("/").rsplit("/", 1)[-1],
        reverse=True,
    )
    if not years:  # a flat mirror: the files sit right under the prefix
        return choose_newest_complete(entries_from_keys(location, top.keys))

    async def year_entries(year_prefix: str) -> list[ListingEntry]:
        page = await _list_all(location, year_prefix, client, policy, delimiter=False, page_size=page_size)
        return entries_from_keys(location, page.keys)

    return await _newest_in_years(years, year_entries)
