"""One extraction cycle: preflight, find, fetch, publish, complete.

Before anything is downloaded or parsed: DISCOGS_ROOT must be writable (dumps/fetching.py) and
the broker must take a connection and the topology's declarations (startup_checks.py); the source
then answers with its newest complete version (dumps/fetching.py). Its marker is loaded, or
started; a complete version ends the cycle. Otherwise every file is fetched and verified, then
published (files.py), and the version is recorded complete; older versions beyond KEEP_VERSIONS
are removed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from discogsography.amqp.nodes import BrokerNodes
from discogsography.amqp.topology import Topology
from discogsography.config.extractor_settings import ExtractorSettings
from discogsography.dumps.fetching import Fetcher, check_root
from discogsography.dumps.marker_book import MarkerBook
from discogsography.dumps.names import kind_of_dump_file
from discogsography.dumps.state_marker import StateMarker
from discogsography.extractor.files import FileProcessor
from discogsography.extractor.kind_progress import ExtractionProgress, log_report
from discogsography.extractor.publish_stats import PublishOptions
from discogsography.extractor.retention import remove_old_versions
from discogsography.extractor.startup_checks import wait_for_broker
from discogsography.runtime.logs import get_logger
from discogsography.runtime.stop_signal import StopSignal

log = get_logger(__name__)

WAITING_FOR_BROKER = "waiting_for_broker"


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Status:
    """What the service is doing, for /health: set by the cycle, read by the health report."""

    phase: str = "starting"
    version: str | None = None
    marker: StateMarker | None = None
    last_error: str | None = None
    started_at: datetime = field(default_factory=now)
    cycle_started_at: datetime | None = None
    cycle_finished_at: datetime | None = None
    next_check_at: datetime | None = None


class Cycle:
    def __init__(
        self,
        settings: ExtractorSettings,
        topology: Topology,
        options: PublishOptions,
        *,
        stop: StopSignal,
        status: Status,
        progress: ExtractionProgress,
        force: bool,
        once: bool,
        nodes: BrokerNodes | None = None,
    ) -> None:
        self.settings = settings
        self.nodes = nodes or BrokerNodes(settings.amqp_url)
        self.topology = topology
        self.options = options
        self.stop = stop
        self.status = status
        self.progress = progress
        self.force = force
        self.once = once

    def _broker_changed(self, problem: str | None) -> None:
        self.status.phase = WAITING_FOR_BROKER if problem is not None else "checking"
        self.status.last_error = problem

    async def preflight(self) -> bool:
        """DISCOGS_ROOT and the broker; False when a stop came while waiting for the broker."""
        settings = self.settings
        self.status.phase = "checking"
        check_root(settings.discogs_root)
        return await wait_for_broker(
            self.nodes,
            self.topology,
            self.stop,
            # --once gives the broker as many tries as a file gets; the service waits for it.
            attempts=settings.file_attempts if self.once else None,
            initial=settings.download_backoff_seconds,
            on_change=self._broker_changed,
        )

    async def run(self) -> None:
        settings, status = self.settings, self.status
        status.cycle_started_at = now()
        status.next_check_at = None
        status.last_error = None
        self.progress.reset()
        if not await self.preflight():
            return
        fetcher = Fetcher(settings, stop=self.stop.event, show_progress=self.options.show_progress)
        async with fetcher:
            status.phase = "listing"
            version = await fetcher.find()
            status.version = version.version
            book = MarkerBook.open(settings.discogs_root, version.version, fresh=self.force)
            status.marker = book.marker
            if self.force:
                log.info("🔁 FORCE_REPROCESS: processing every file again", version=version.version)
                book.set_force_reprocess()
            elif book.is_complete:
                status.phase = "idle"
                status.cycle_finished_at = now()
                log.info("✅ Version already fully processed", version=version.version)
                return
            status.phase = "downloading"
            paths = await fetcher.fetch(version, book)
        if self.stop.is_set():
            return
        status.phase = "processing"
        processor = FileProcessor(
            settings,
            self.topology,
            self.options,
            book,
            stop=self.stop,
            progress=self.progress,
            nodes=self.nodes,
        )
        await processor.process_version(paths)
        if self.stop.is_set():
            return
        book.complete_extraction()
        status.phase = "idle"
        status.cycle_finished_at = now()
        log_report(self.progress.report())
        marker = book.marker
        changes = {
            str(kind_of_dump_file(name)): {
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
        remove_old_versions(settings.discogs_root, version.version, settings.keep_versions)
