"""`load --from-source`: the dump files found, downloaded and verified as the extractor does.

The extractor's own settings (DISCOGS_SOURCE, DISCOGS_ROOT, S3_*) and its own finding and
download code are used: the newest complete version, files already in DISCOGS_ROOT reused when
their sha256 matches CHECKSUM, every download verified. Nothing is published; the extractor's
state marker records the download, as it would for the extractor itself.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from discogsography.errors import DiscogsographyError
from discogsography.extractor.service import Extractor
from discogsography.extractor.settings import ExtractorSettings, load_settings
from discogsography.extractor.sources.finder import find_newest_version
from discogsography.extractor.state_marker import StateMarker, new_marker
from discogsography.redact import redact_url


async def _fetch(settings: ExtractorSettings) -> list[Path]:
    extractor = Extractor(settings)
    root = settings.discogs_root
    root.mkdir(parents=True, exist_ok=True)
    async with httpx.AsyncClient(
        timeout=settings.http_timeout_seconds,
        follow_redirects=True,
        headers={"User-Agent": "discogsography-load"},
    ) as client:
        choice = await find_newest_version(
            settings.discogs_source,
            client,
            extractor.policy,
            s3_endpoint=settings.s3_endpoint,
            s3_region=settings.s3_region,
            s3_page_size=settings.s3_page_size,
        )
        version = choice.chosen
        if version is None:
            raise DiscogsographyError(f"no complete dump version at {redact_url(settings.discogs_source)}")
        marker_path = StateMarker.path_for(root, version.version)
        marker = StateMarker.load(marker_path) or new_marker(version.version)
        paths = await extractor._download_version(client, version, marker, marker_path)
    if len(paths) != len(version.files):
        raise DiscogsographyError(f"version {version.version}: the download was interrupted")
    return sorted(paths.values())


def source_files() -> list[Path]:
    """The newest version's files in DISCOGS_ROOT, fetched from DISCOGS_SOURCE where needed."""
    return asyncio.run(_fetch(load_settings()))
