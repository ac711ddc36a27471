"""Find and fetch the newest dump version: the one unit the extractor's cycle and `load` both use.

``Fetcher`` owns the HTTP client. ``find`` asks DISCOGS_SOURCE for its newest complete version;
``fetch`` gets every file of it into DISCOGS_ROOT verified against CHECKSUM (a file already there
with the right sha256 is reused, a mismatch is downloaded once more, then fails the version),
telling the version's ``MarkerBook`` each step. ``fetch_newest`` is both, for `load`.
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
from pathlib import Path
from types import TracebackType

import httpx

from discogsography.config.extractor_settings import ExtractorSettings
from discogsography.dumps.checksums import ChecksumError, parse_checksums
from discogsography.dumps.download import (
    ChecksumMismatchError,
    DownloadError,
    DownloadInterruptedError,
    RetryPolicy,
    download,
    same_file,
    sha256_of,
)
from discogsography.dumps.finder import find_newest_version
from discogsography.dumps.marker_book import MarkerBook
from discogsography.dumps.names import DumpVersion, ListingEntry, destination
from discogsography.errors import VersionFailedError
from discogsography.kinds import Kind
from discogsography.runtime.failures import PermanentFailure
from discogsography.runtime.logs import get_logger
from discogsography.runtime.progress_bars import byte_progress
from discogsography.runtime.redact import redact_url

log = get_logger(__name__)

# Smallest files first: the first kinds reach consumers within minutes.
PROCESSING_ORDER = (Kind.LABELS, Kind.ARTISTS, Kind.MASTERS, Kind.RELEASES)


def retry_policy(settings: ExtractorSettings) -> RetryPolicy:
    return RetryPolicy(
        attempts=settings.download_attempts,
        backoff_seconds=settings.download_backoff_seconds,
        max_retry_after_seconds=settings.max_retry_after_seconds,
    )


def check_root(root: Path) -> None:
    """DISCOGS_ROOT exists (created if needed) and a file can be written in it."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=root, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise PermanentFailure(f"DISCOGS_ROOT {root}: cannot write there: {exc.strerror or exc}") from None


class Fetcher:
    def __init__(
        self,
        settings: ExtractorSettings,
        *,
        stop: threading.Event | None = None,
        show_progress: bool = False,
        agent: str = "discogsography-extractor",
    ) -> None:
        self.settings = settings
        self.root = settings.discogs_root
        self.policy = retry_policy(settings)
        self.stop = stop
        self.show_progress = show_progress
        self._client = httpx.AsyncClient(
            timeout=settings.http_timeout_seconds,
            follow_redirects=True,
            headers={"User-Agent": agent},
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self._client.aclose()

    async def find(self) -> DumpVersion:
        """The newest complete version at the source; none is a VersionFailedError."""
        settings = self.settings
        choice = await find_newest_version(
            settings.discogs_source,
            self._client,
            self.policy,
            s3_endpoint=settings.s3_endpoint,
            s3_region=settings.s3_region,
            s3_page_size=settings.s3_page_size,
        )
        if choice.chosen is None:
            raise VersionFailedError(f"no complete dump version at {redact_url(settings.discogs_source)}")
        return choice.chosen

    async def fetch(self, version: DumpVersion, book: MarkerBook) -> dict[Kind, Path]:
        """Every file of ``version``, verified; fewer than all when a stop came first."""
        root = self.root
        assert version.checksum is not None
        for stale in root.glob(".discogs_*.part"):
            if f"_{version.version}_" not in stale.name:  # a partial download of an older version
                log.info("🧹 Removing a partial download of another version", file=stale.name)
                stale.unlink(missing_ok=True)
        try:
            checksum_file = await self._fetch(version.checksum, None)
            sums = parse_checksums(checksum_file.read_text("utf-8", "replace"))
        except (DownloadError, ChecksumError) as exc:
            book.fail_download(str(exc))
            raise VersionFailedError(f"version {version.version}: {exc}") from None
        except DownloadInterruptedError:
            return {}
        book.start_download(len(version.files))
        paths: dict[Kind, Path] = {}
        for kind in PROCESSING_ORDER:
            entry = version.files[kind]
            expected = sums.get(entry.name)
            if expected is None:
                book.fail_file_download(entry.name, "not listed in CHECKSUM")
                raise VersionFailedError(f"version {version.version}: {entry.name} is not listed in CHECKSUM")
            try:
                paths[kind] = await self._fetch_file(entry, expected, book)
            except DownloadInterruptedError:
                return paths
            except DownloadError as exc:
                book.fail_file_download(entry.name, str(exc))
                raise VersionFailedError(f"version {version.version}: {exc}") from None
        book.complete_download()
        log.info(
            "✅ Download phase completed",
            version=version.version,
            bytes=book.marker.download_phase.bytes_downloaded,
        )
        return paths

    async def _fetch_file(self, entry: ListingEntry, expected: str, book: MarkerBook) -> Path:
        target = destination(self.root, entry.name)
        if target.exists() and await asyncio.to_thread(sha256_of, target) == expected:
            log.info("♻️ Reusing verified local file", file=entry.name)
            book.file_downloaded(entry.name, target.stat().st_size)
            return target
        if same_file(entry.location, target):  # a file:// source inside DISCOGS_ROOT: nothing to fetch
            book.fail_file_download(entry.name, "sha256 does not match CHECKSUM")
            raise VersionFailedError(f"{entry.name}: sha256 does not match CHECKSUM")
        if target.exists():
            log.warning("⚠️ Local file does not match CHECKSUM, downloading it again", file=entry.name)
        book.start_file_download(entry.name)
        try:
            path = await self._fetch(entry, expected)
        except ChecksumMismatchError as exc:
            log.warning("⚠️ Checksum mismatch, downloading once more", file=entry.name, error=str(exc))
            path = await self._fetch(entry, expected)
        log.info("✅ Downloaded and verified", file=entry.name)
        book.file_downloaded(entry.name, path.stat().st_size)
        return path

    async def _fetch(self, entry: ListingEntry, expected: str | None) -> Path:
        target = destination(self.root, entry.name)
        if same_file(entry.location, target):
            return target
        log.info("⬇️ Downloading", file=entry.name, source=redact_url(entry.location))
        with byte_progress(self.show_progress, entry.size or 0, f"⬇️ {entry.name}") as advance:
            result = await download(
                self._client,
                entry.location,
                entry.name,
                self.root,
                self.policy,
                expected_sha256=expected,
                stop=self.stop,
                on_bytes=advance,
            )
        return result.path


async def fetch_newest(settings: ExtractorSettings, *, agent: str) -> tuple[DumpVersion, list[Path]]:
    """Find the newest version and fetch all of it (an interrupted fetch is an error)."""
    check_root(settings.discogs_root)
    async with Fetcher(settings, agent=agent) as fetcher:
        version = await fetcher.find()
        paths = await fetcher.fetch(version, MarkerBook.open(settings.discogs_root, version.version))
    if len(paths) != len(version.files):
        raise VersionFailedError(f"version {version.version}: the download was interrupted")
    return version, sorted(paths.values())
