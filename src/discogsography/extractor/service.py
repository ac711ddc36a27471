"""The extractor service: cycles of find, download and verify, publish; health; clean shutdown.

One cycle: find the newest complete version at the source; load (or start) its state marker; get
every file into DISCOGS_ROOT verified against CHECKSUM (cached files are hashed, not fetched
again); publish each file not yet completed over its own AMQP connection, record it complete in
the marker, then send its ``file_complete`` message. Between cycles the service sleeps
PERIODIC_CHECK_DAYS (or RETRY_FAILED_CYCLE_SECONDS after a failure). SIGINT/SIGTERM stop reading,
let in-flight messages be confirmed, save the marker and end the run normally.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import threading
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from discogsography import metrics
from discogsography.amqp.messages import FULL_MODE, INCREMENTAL_MODE, Increment
from discogsography.amqp.topology import Topology
from discogsography.errors import DiscogsographyError
from discogsography.extractor.checksums import ChecksumError, parse_checksums
from discogsography.extractor.download import (
    ChecksumMismatchError,
    DownloadError,
    DownloadInterruptedError,
    RetryPolicy,
    download,
    same_file,
    sha256_of,
)
from discogsography.extractor.index import IndexBuilder
from discogsography.extractor.prefilter import KnownRecords
from discogsography.extractor.progress import ExtractionProgress, log_report, report_every
from discogsography.extractor.publisher import FilePublisher, FileStats, PublishError, PublishOptions
from discogsography.extractor.refresh import FilePlan, plan_file, previous_completed_version
from discogsography.extractor.retention import files_to_remove, indexes_to_remove
from discogsography.extractor.settings import ExtractorSettings
from discogsography.extractor.sources.finder import find_newest_version
from discogsography.extractor.sources.versions import DumpVersion, ListingEntry, destination
from discogsography.extractor.state_marker import StateMarker, new_marker
from discogsography.health import HealthServer
from discogsography.kinds import Kind
from discogsography.logs import get_logger
from discogsography.progress import byte_progress
from discogsography.redact import redact_text, redact_url

log = get_logger(__name__)

# Smallest files first: the first kinds reach consumers within minutes.
NAMED_IN_LOG = 10  # skipped records named in the end-of-file log line (the marker keeps more)
PROCESSING_ORDER = (Kind.LABELS, Kind.ARTISTS, Kind.MASTERS, Kind.RELEASES)


class VersionFailedError(DiscogsographyError):
    """A dump version that cannot be extracted this cycle (download, checksum or publishing)."""


def _now() -> datetime:
    return datetime.now(UTC)


class Extractor:
    def __init__(
        self,
        settings: ExtractorSettings,
        *,
        topology: Topology | None = None,
        show_progress: bool | None = None,
    ) -> None:
        self.settings = settings
        self.topology = topology or Topology(prefix=settings.amqp_prefix)
        self.show_progress = sys.stderr.isatty() if show_progress is None else show_progress
        self.stop_requested = threading.Event()
        self._stop_waiter: asyncio.Event | None = None
        self.progress = ExtractionProgress(stall_seconds=settings.stall_seconds)
        self.policy = RetryPolicy(
            attempts=settings.download_attempts,
            backoff_seconds=settings.download_backoff_seconds,
            max_retry_after_seconds=settings.max_retry_after_seconds,
        )
        self.publish_options = PublishOptions(
            records_per_message=settings.records_per_message,
            publish_window=settings.publish_window,
            parser_workers=settings.parser_workers,
            max_skipped_share=settings.max_skipped_share,
            show_progress=self.show_progress,
        )
        self.phase = "starting"
        self.version: str | None = None
        self.marker: StateMarker | None = None
        self.last_error: str | None = None
        self.started_at = _now()
        self.cycle_started_at: datetime | None = None
        self.cycle_finished_at: datetime | None = None
        self.next_check_at: datetime | None = None
        self.health_server: HealthServer | None = None
        # FORCE_REPROCESS applies to the first cycle only: a service left running with it set
        # must not republish the same version every PERIODIC_CHECK_DAYS.
        self.force_reprocess = settings.force_reprocess

    # --- lifecycle ---------------------------------------------------------------------------

    def request_stop(self) -> None:
        if not self.stop_requested.is_set():
            log.info("🛑 Stop requested: finishing in-flight messages and saving the state marker")
        self.stop_requested.set()
        if self._stop_waiter is not None:
            self._stop_waiter.set()

    async def run(self, *, once: bool = False) -> None:
        """Cycles until stopped (or one cycle with ``once``); a failed ``once`` cycle raises."""
        metrics.activate("extractor")  # served on /metrics by the health server
        loop = asyncio.get_running_loop()
        self._stop_waiter = asyncio.Event()
        if self.stop_requested.is_set():
            self._stop_waiter.set()
        installed = []
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, self.request_stop)
                installed.append(signum)
        self.health_server = HealthServer(self.health, port=self.settings.health_check_port)
        await self.health_server.start()
        reporter = asyncio.create_task(report_every(self.progress, self.settings.progress_interval_seconds))
        try:
            while not self.stop_requested.is_set():
                failed = False
                try:
                    await self.run_cycle()
                except DiscogsographyError as exc:
                    failed = True
                    self.phase = "failed"
                    self.last_error = redact_text(str(exc))
                    log.error("❌ Extraction cycle failed", error=self.last_error)
                    if once:
                        raise
                except Exception as exc:  # a bug or an unforeseen OS error: report, retry later
                    failed = True
                    self.phase = "failed"
                    self.last_error = redact_text(f"{type(exc).__name__}: {exc}")
                    log.exception("❌ Extraction cycle failed unexpectedly", error=self.last_error)
                    if once:
                        raise VersionFailedError(self.last_error) from exc
                if once or self.stop_requested.is_set():
                    break
                wait = (
                    self.settings.retry_failed_cycle_seconds
                    if failed
                    else self.settings.periodic_check_seconds
                )
                self.next_check_at = _now() + timedelta(seconds=wait)
                if not failed:
                    self.phase = "waiting"
                log.info("⏰ Waiting for the next check", next_check_at=self.next_check_at.isoformat())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop_waiter.wait(), timeout=wait)
        finally:
            reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reporter
            await self.health_server.stop()
            for signum in installed:
                loop.remove_signal_handler(signum)
            if self.stop_requested.is_set():
                self.phase = "stopped"
                log.info("👋 Extractor stopped")

    # --- one cycle ---------------------------------------------------------------------------

    async def run_cycle(self) -> None:
        settings = self.settings
        self.cycle_started_at = _now()
        self.next_check_at = None
        self.last_error = None
        self.progress.reset()
        root = settings.discogs_root
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise VersionFailedError(f"DISCOGS_ROOT {root}: cannot create: {exc.strerror or exc}") from None
        async with httpx.AsyncClient(
            timeout=settings.http_timeout_seconds,
            follow_redirects=True,
            headers={"User-Agent": "discogsography-extractor"},
        ) as client:
            self.phase = "listing"
            choice = await find_newest_version(
                settings.discogs_source,
                client,
                self.policy,
                s3_endpoint=settings.s3_endpoint,
                s3_region=settings.s3_region,
                s3_page_size=settings.s3_page_size,
            )
            if choice.chosen is None:
                raise VersionFailedError(f"no complete dump version at {redact_url(settings.discogs_source)}")
            version = choice.chosen
            self.version = version.version
            marker_path = StateMarker.path_for(root, version.version)
            force = self.force_reprocess
            self.force_reprocess = False
            marker = None if force else StateMarker.load(marker_path)
            if force:
                log.info("🔁 FORCE_REPROCESS: processing every file again", version=version.version)
            if marker is not None and marker.is_complete:
                self.marker = marker
                self.phase = "idle"
                self.cycle_finished_at = _now()
                log.info("✅ Version already fully processed", version=version.version)
                return
            marker = marker or new_marker(version.version)
            if force:
                marker.processing_phase.force_reprocess = True
            self.marker = marker
            self.phase = "downloading"
            paths = await self._download_version(client, version, marker, marker_path)
        if self.stop_requested.is_set():
            return
        self.phase = "processing"
        await self._process_version(paths, marker, marker_path)
        if self.stop_requested.is_set():
            return
        marker.complete_processing()
        marker.complete_extraction()
        marker.save(marker_path)
        self.phase = "idle"
        self.cycle_finished_at = _now()
        log_report(self.progress.report())
        changes = {  # keyed by kind: names are discogs_<version>_<kind>.xml.gz
            name.rsplit("_", 1)[-1].removesuffix(".xml.gz"): {
                "mode": entry.mode,
                "base_version": entry.base_version,
                **asdict(entry.counts),
            }
            for name, entry in marker.processing_phase.progress_by_file.items()
        }
        log.info(
            "🎉 Dump version extracted",
            version=version.version,
            records=marker.processing_phase.records_extracted,
            messages=marker.publishing_phase.messages_published,
            changes=changes,
        )
        self._remove_old_versions(version.version)

    def _remove_old_versions(self, completed_version: str) -> None:
        root = self.settings.discogs_root
        names = [path.name for path in root.iterdir() if path.is_file()]
        for name in files_to_remove(names, completed_version, self.settings.keep_versions):
            try:
                destination(root, name).unlink()
                log.info("🧹 Removed a file of an older dump version", file=name)
            except OSError as exc:
                log.warning("⚠️ Could not remove an old dump file", file=name, error=str(exc))
        for name in indexes_to_remove(names, completed_version, self.settings.keep_versions):
            try:
                (root / name).unlink()
                log.info("🧹 Removed an index of an older dump version", file=name)
            except OSError as exc:
                log.warning("⚠️ Could not remove an old index", file=name, error=str(exc))

    # --- download ----------------------------------------------------------------------------

    async def _download_version(
        self, client: httpx.AsyncClient, version: DumpVersion, marker: StateMarker, marker_path: Path
    ) -> dict[Kind, Path]:
        root = self.settings.discogs_root
        assert version.checksum is not None
        for stale in root.glob(".discogs_*.part"):
            if f"_{version.version}_" not in stale.name:  # a partial download of an older version
                log.info("🧹 Removing a partial download of another version", file=stale.name)
                stale.unlink(missing_ok=True)
        try:
            checksum_file = await self._fetch(client, version.checksum, None)
            sums = parse_checksums(checksum_file.read_text("utf-8", "replace"))
        except (DownloadError, ChecksumError) as exc:
            marker.fail_download(str(exc))
            marker.save(marker_path)
            raise VersionFailedError(f"version {version.version}: {exc}") from None
        except DownloadInterruptedError:
            return {}
        marker.start_download(len(version.files))
        marker.save(marker_path)
        paths: dict[Kind, Path] = {}
        for kind in PROCESSING_ORDER:
            entry = version.files[kind]
            expected = sums.get(entry.name)
            if expected is None:
                marker.fail_file_download(entry.name, "not listed in CHECKSUM")
                marker.save(marker_path)
                raise VersionFailedError(f"version {version.version}: {entry.name} is not listed in CHECKSUM")
            target = destination(root, entry.name)
            if target.exists() and await asyncio.to_thread(sha256_of, target) == expected:
                log.info("♻️ Reusing verified local file", file=entry.name)
                marker.file_downloaded(entry.name, target.stat().st_size)
                marker.save(marker_path)
                paths[kind] = target
                continue
            if same_file(entry.location, target):
                marker.fail_file_download(entry.name, "sha256 does not match CHECKSUM")
                marker.save(marker_path)
                raise VersionFailedError(f"{entry.name}: sha256 does not match CHECKSUM")
            if target.exists():
                log.warning("⚠️ Local file does not match CHECKSUM, downloading it again", file=entry.name)
            marker.start_file_download(entry.name)
            marker.save(marker_path)
            try:
                downloaded = await self._fetch_verified(client, entry, expected)
            except DownloadInterruptedError:
                return paths
            except DownloadError as exc:
                marker.fail_file_download(entry.name, str(exc))
                marker.save(marker_path)
                raise VersionFailedError(f"version {version.version}: {exc}") from None
            marker.file_downloaded(entry.name, downloaded.stat().st_size)
            marker.save(marker_path)
            paths[kind] = downloaded
        marker.complete_download()
        marker.save(marker_path)
        log.info(
            "✅ Download phase completed",
            version=version.version,
            bytes=marker.download_phase.bytes_downloaded,
        )
        return paths

    async def _fetch(self, client: httpx.AsyncClient, entry: ListingEntry, expected: str | None) -> Path:
        target = destination(self.settings.discogs_root, entry.name)
        if same_file(entry.location, target):
            return target
        log.info("⬇️ Downloading", file=entry.name, source=redact_url(entry.location))
        with byte_progress(self.show_progress, entry.size or 0, f"⬇️ {entry.name}") as advance:
            result = await download(
                client,
                entry.location,
                entry.name,
                self.settings.discogs_root,
                self.policy,
                expected_sha256=expected,
                stop=self.stop_requested,
                on_bytes=advance,
            )
        return result.path

    async def _fetch_verified(self, client: httpx.AsyncClient, entry: ListingEntry, expected: str) -> Path:
        """Download and verify; a mismatch is downloaded once more, then fails the version."""
        try:
            path = await self._fetch(client, entry, expected)
        except ChecksumMismatchError as exc:
            log.warning("⚠️ Checksum mismatch, downloading once more", file=entry.name, error=str(exc))
            path = await self._fetch(client, entry, expected)
        log.info("✅ Downloaded and verified", file=entry.name)
        return path

    # --- processing --------------------------------------------------------------------------

    async def _process_version(self, paths: dict[Kind, Path], marker: StateMarker, marker_path: Path) -> None:
        marker.start_processing(len(paths))
        marker.save(marker_path)
        amqp_url = self.settings.amqp_connection.get_secret_value()
        root, version = self.settings.discogs_root, marker.current_version
        force = marker.processing_phase.force_reprocess
        base_version = None if force else previous_completed_version(root, version)
        for kind in PROCESSING_ORDER:
            if self.stop_requested.is_set():
                return
            path = paths[kind]
            name = path.name
            if marker.file_is_completed(name):
                self.progress.start(kind)
                self.progress.advance(kind, marker.processing_phase.progress_by_file[name].records_extracted)
                self.progress.complete(kind)
                entry = marker.processing_phase.progress_by_file[name]
                self.progress.set_changes(kind, entry.mode or FULL_MODE, entry.counts)
                if not entry.completion_sent:
                    await self._send_completion(
                        amqp_url, kind, name, entry.records_extracted, marker, marker_path
                    )
                log.info("⏭️ File already processed", file=name)
                continue
            plan = plan_file(root, version, kind, base_version, force=force)
            await self._process_file(amqp_url, kind, path, marker, marker_path, plan)

    async def _process_file(
        self, amqp_url: str, kind: Kind, path: Path, marker: StateMarker, marker_path: Path, plan: FilePlan
    ) -> None:
        name = path.name
        attempts = self.settings.file_attempts
        base_version = plan.increment.base_version if plan.increment is not None else None
        for attempt in range(1, attempts + 1):
            marker.start_file_processing(name)
            marker.record_file_changes(name, plan.mode, base_version, FileStats().counts)
            marker.save(marker_path)
            self.progress.start(kind)
            self.progress.set_changes(kind, plan.mode, FileStats().counts)
            log.info(
                "📤 Processing file",
                file=name,
                attempt=attempt,
                mode=plan.mode,
                base_version=base_version,
                full_because=plan.reason or None,
            )

            def on_progress(stats: FileStats) -> None:
                marker.update_file_progress(
                    name,
                    stats.records_read,
                    stats.messages_published,
                    stats.batches_sent,
                    stats.records_skipped,
                    stats.skipped_refs,
                )
                marker.record_file_changes(name, plan.mode, base_version, stats.counts)
                self.progress.set_changes(kind, plan.mode, stats.counts)
                marker.save(marker_path)

            index: IndexBuilder | None = None
            known: KnownRecords | None = None
            try:
                index = IndexBuilder(
                    self.settings.discogs_root, marker.current_version, kind, plan.base_index
                )
                if self.settings.parser_workers == 0:  # the prefilter runs in the reading thread
                    known = KnownRecords.open(kind, plan.base_index)
                publisher = FilePublisher(
                    path,
                    name,
                    amqp_url,
                    self.topology,
                    self.publish_options,
                    stop=self.stop_requested,
                    on_progress=on_progress,
                    on_records=self.progress.advance,
                    index=index,
                    increment=plan.increment,
                    known=known,
                )
                async with publisher:
                    if marker.processing_phase.force_reprocess:
                        # A resync: what still waits (say incremental messages a tableinator
                        # refused) is superseded by the full publish and would stand before it.
                        dropped = await publisher.purge_queue(kind)
                        log.info(
                            "🧹 FORCE_REPROCESS: emptied the queue first",
                            data_type=kind.value,
                            messages=dropped,
                        )
                    stats = await publisher.publish_records()
                    if stats.interrupted:
                        log.info("💾 Stopped mid-file; it will be processed again", file=name)
                        return
                    marker.record_file_changes(name, plan.mode, base_version, stats.counts)
                    marker.complete_file_processing(name, stats.records_published)
                    marker.save(marker_path)
                    self.progress.complete(kind)
                    log.info(
                        "🎉 File processing complete",
                        file=name,
                        records=stats.records_published,
                        messages=stats.messages_published,
                        skipped=stats.records_skipped,
                        skipped_records=stats.skipped_refs[:NAMED_IN_LOG],
                        mode=plan.mode,
                        base_version=base_version,
                        **asdict(stats.counts),
                    )
                    await publisher.send_file_complete(
                        stats.records_published, version=marker.current_version, counts=stats.counts
                    )
                    marker.file_completion_sent(name)
                    marker.save(marker_path)
                    log.info("✅ Sent file completion message", data_type=kind.value, file=name)
                return
            except Exception as exc:  # the broker, the file: every failure is retried or reported
                error = redact_text(f"{type(exc).__name__}: {exc}") if str(exc) else type(exc).__name__
                if marker.file_is_completed(name):
                    log.error("❌ File complete but its completion message failed", file=name, error=error)
                    return  # sent again at the next cycle (completion_sent is false)
                if (
                    attempt >= attempts
                    or self.stop_requested.is_set()
                    # A damaged file or a refused setting fails the same way every time; the
                    # broker going away (PublishError, connection errors) is worth another try.
                    or (isinstance(exc, DiscogsographyError) and not isinstance(exc, PublishError))
                ):
                    marker.fail_file_processing(name, error)
                    marker.save(marker_path)
                    raise VersionFailedError(f"{name}: {error}") from None
                delay = self.settings.download_backoff_seconds * 2 ** (attempt - 1)
                log.warning(
                    "⚠️ Publishing failed, processing the file again", file=name, error=error, wait=delay
                )
                await asyncio.sleep(delay)
            finally:
                if index is not None:
                    index.discard()  # a no-op once committed: only the .part file is removed
                if known is not None:
                    known.close()

    async def _send_completion(
        self, amqp_url: str, kind: Kind, name: str, total: int, marker: StateMarker, marker_path: Path
    ) -> None:
        entry = marker.processing_phase.progress_by_file[name]
        increment = None
        if entry.mode == INCREMENTAL_MODE and entry.base_version is not None:
            increment = Increment(marker.current_version, entry.base_version)
        publisher = FilePublisher(
            Path(name),
            name,
            amqp_url,
            self.topology,
            self.publish_options,
            stop=self.stop_requested,
            increment=increment,
        )
        publisher.kind = kind
        try:
            async with publisher:
                await publisher.send_file_complete(total, version=marker.current_version, counts=entry.counts)
        except Exception as exc:  # reported, retried next cycle
            log.error("❌ Could not send the completion message", file=name, error=redact_text(str(exc)))
            return
        marker.file_completion_sent(name)
        marker.save(marker_path)
        log.info("✅ Sent file completion message", data_type=kind.value, file=name)

    # --- health ------------------------------------------------------------------------------

    def health(self) -> tuple[bool, dict[str, Any]]:
        report = self.progress.report()
        healthy = self.phase != "failed" and not (self.phase == "processing" and report.stalled)
        files: dict[str, Any] = {}
        if self.marker is not None:
            for name, download_status in self.marker.download_phase.downloads_by_file.items():
                files.setdefault(name, {})["download"] = download_status.model_dump(mode="json")
            for name, processing_status in self.marker.processing_phase.progress_by_file.items():
                files.setdefault(name, {})["processing"] = processing_status.model_dump(mode="json")
        body = {
            "status": "healthy" if healthy else "unhealthy",
            "service": "extractor",
            "phase": self.phase,
            "version": self.version,
            "source": redact_url(self.settings.discogs_source),
            "started_at": self.started_at.isoformat(),
            "cycle_started_at": _iso(self.cycle_started_at),
            "cycle_finished_at": _iso(self.cycle_finished_at),
            "next_check_at": _iso(self.next_check_at),
            "last_error": self.last_error,
            "progress": asdict(report),
            "files": files,
        }
        return healthy, body


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
