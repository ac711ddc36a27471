"""`load --from-source`: the dump files found, downloaded and verified as the extractor does.

The extractor's own settings (DISCOGS_SOURCE, DISCOGS_ROOT, S3_*) and its own "find and fetch the
newest version" unit (dumps/fetching.py) are used: the newest complete version, files already
in DISCOGS_ROOT reused when their sha256 matches CHECKSUM, every download verified. Nothing is
published; the extractor's state marker records the download, as it would for the extractor.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from discogsography.config.extractor_settings import load_settings
from discogsography.dumps.fetching import fetch_newest


def source_files() -> list[Path]:
    """The newest version's files in DISCOGS_ROOT, fetched from DISCOGS_SOURCE where needed."""
    _, paths = asyncio.run(fetch_newest(load_settings(), agent="discogsography-load"))
    return paths
