"""Publishing a version's files, one after the other, each retried on its own.

``FileProcessor.process_version`` walks the files in PROCESSING_ORDER: a completed file is
skipped (its ``file_complete`` sent again if it was never confirmed), any other is published in
the mode ``refresh.plan_file`` chose. A file is tried up to FILE_ATTEMPTS times with the shared
backoff when the broker lets it down; a damaged file, a refused setting or a permanent broker
refusal fails at once. Every step is told to the version's ``MarkerBook``.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from tenacity import RetryCallState

from discogsography.amqp.messages import FULL_MODE, INCREMENTAL_MODE, Increment
from discogsography.amqp.nodes import BrokerNodes
from discogsography.amqp.topology import Topology
from discogsography.config.extractor_settings import ExtractorSettings
from discogsography.dumps.fetching import PROCESSING_ORDER
from discogsography.dumps.marker_book import MarkerBook
from discogsography.errors import DiscogsographyError, VersionFailedError
from discogsography.extractor.index import IndexBuilder
from discogsography.extractor.kind_progress import ExtractionProgress
from discogsography.extractor.prefilter import KnownRecords
from discogsography.extractor.publish_channel import Completion, send_file_complete
from discogsography.extractor.publisher import FilePublisher, FileStats, PublishError, PublishOptions
from discogsography.extractor.refresh import FilePlan, plan_file, previous_completed_version
from discogsography.extractor.startup_checks import broker_problem
from discogsography.kinds import Kind
from discogsography.runtime.failures import PermanentFailure, is_permanent, summary
from discogsography.runtime.logs import get_logger
from discogsography.runtime.retry import Stopped, retrying, upcoming_error
from discogsography.runtime.stop_signal import StopSignal

log = get_logger(__name__)

NAMED_IN_LOG = 10  # skipped records named in the end-of-file log line (the marker keeps more)


class FileProcessor:
    def __init__(
        self,
        settings: ExtractorSettings,
        topology: Topology,
        options: PublishOptions,
        book: MarkerBook,
        *,
        stop: StopSignal,
        progress: ExtractionProgress,
        nodes: BrokerNodes | None = None,
    ) -> None:
        self.settings = settings
        self.topology = topology
        self.options = options
        self.book = book
        self.stop = stop
        self.progress = progress
        self.amqp_url = settings.amqp_connection.get_secret_value()
        self.nodes = nodes or BrokerNodes(self.amqp_url)  # the service's, shared by its connections

    def describe(self, exc: BaseException) -> str:
        """One line for a failure; broker failures named as the preflight names them."""
        if type(exc).__module__.startswith(("aiormq", "aio_pika", "pamqp")):
            return broker_problem(exc, self.amqp_url)
        return f"{type(exc).__name__}: {summary(exc)}" if str(exc).strip() else type(exc).__name__

    async def process_version(self, paths: dict[Kind, Path]) -> None:
        book = self.book
        book.start_processing(len(paths))
        force = book.force_reprocess
        root, version = self.settings.discogs_root, book.version
        base_version = None if force else previous_completed_version(root, version)
        for kind in PROCESSING_ORDER:
            if self.stop.is_set():
                return
            name = paths[kind].name
            if book.file_is_completed(name):
                await self._already_processed(kind, name)
                continue
            plan = plan_file(root, version, kind, base_version, force=force)
            await self.process_file(kind, paths[kind], plan)

    async def _already_processed(self, kind: Kind, name: str) -> None:
        entry = self.book.entry(name)
        self.progress.start(kind)
        self.progress.advance(kind, entry.records_extracted)
        self.progress.complete(kind)
        self.progress.set_changes(kind, entry.mode or FULL_MODE, entry.counts)
        if not entry.completion_sent:
            await self.resend_completion(kind, name)
        log.info("⏭️ File already processed", file=name)

    async def resend_completion(self, kind: Kind, name: str) -> None:
        """Send a completed file's ``file_complete`` that was never confirmed (retried next cycle)."""
        entry = self.book.entry(name)
        increment = None
        if entry.mode == INCREMENTAL_MODE and entry.base_version is not None:
            increment = Increment(self.book.version, entry.base_version)
        try:
            completion = Completion(
                kind, name, entry.records_extracted, self.book.version, increment, entry.counts
            )
            await send_file_complete(self.nodes, self.topology, completion)
        except Exception as exc:
            if is_permanent(exc):
                raise PermanentFailure(self.describe(exc)) from None
            log.error("❌ Could not send the completion message", file=name, error=self.describe(exc))
            return
        self.book.completion_sent(name)
        log.info("✅ Sent file completion message", data_type=kind.value, file=name)

    def _worth_retrying(self, name: str, exc: BaseException) -> bool:
        # A damaged file or a refused setting fails the same way every time; the broker going
        # away (PublishError, connection errors) is worth another try, a refusal is not.
        if self.book.file_is_completed(name) or is_permanent(exc):
            return False
        return not isinstance(exc, DiscogsographyError) or isinstance(exc, PublishError)

    async def process_file(self, kind: Kind, path: Path, plan: FilePlan) -> None:
        name = path.name

        def before_sleep(state: RetryCallState) -> None:
            error = upcoming_error(state)
            log.warning(
                "⚠️ Publishing failed, processing the file again",
                file=name,
                error=self.describe(error) if error is not None else None,
                wait=round(state.upcoming_sleep, 2),
            )

        try:
            async for attempt in retrying(
                self.stop,
                attempts=self.settings.file_attempts,
                initial=self.settings.download_backoff_seconds,
                worth_retrying=lambda exc: self._worth_retrying(name, exc),
                before_sleep=before_sleep,
            ):
                with attempt:
                    await self._publish_file(kind, path, plan, attempt.retry_state.attempt_number)
        except Stopped:
            return
        except Exception as exc:  # the broker, the file: every failure is retried or reported
            error = self.describe(exc)
            if self.book.file_is_completed(name):
                log.error("❌ File complete but its completion message failed", file=name, error=error)
                return  # sent again at the next cycle (completion_sent is false)
            self.book.fail_file(name, error)
            if is_permanent(exc):
                raise PermanentFailure(error) from None
            raise VersionFailedError(f"{name}: {error}") from None

    async def _publish_file(self, kind: Kind, path: Path, plan: FilePlan, attempt: int) -> None:
        name, book, progress = path.name, self.book, self.progress
        mode = plan.mode
        base_version = plan.increment.base_version if plan.increment is not None else None
        book.start_file(name, mode, base_version)
        progress.start(kind)
        progress.set_changes(kind, mode, FileStats().counts)
        log.info(
            "📤 Processing file",
            file=name,
            attempt=attempt,
            mode=mode,
            base_version=base_version,
            full_because=plan.reason or None,
        )

        def on_progress(stats: FileStats) -> None:
            book.file_progress(name, mode, base_version, stats)
            progress.set_changes(kind, mode, stats.counts)

        index: IndexBuilder | None = None
        known: KnownRecords | None = None
        try:
            index = IndexBuilder(self.settings.discogs_root, book.version, kind, plan.base_index)
            if self.settings.parser_workers == 0:  # the prefilter runs in the reading thread
                known = KnownRecords.open(kind, plan.base_index)
            publisher = FilePublisher(
                path,
                name,
                self.nodes,
                self.topology,
                self.options,
                stop=self.stop.event,
                on_progress=on_progress,
                on_records=progress.advance,
                index=index,
                increment=plan.increment,
                known=known,
            )
            async with publisher:
                if book.force_reprocess:
                    # A resync: what still waits (say incremental messages a tableinator
                    # refused) is superseded by the full publish and would stand before it.
                    dropped = await publisher.purge_queue(kind)
                    log.info(
                        "🧹 FORCE_REPROCESS: emptied the queue first", data_type=kind.value, messages=dropped
                    )
                stats = await publisher.publish_records()
                if stats.interrupted:
                    log.info("💾 Stopped mid-file; it will be processed again", file=name)
                    return
                book.complete_file(name, mode, base_version, stats)
                progress.complete(kind)
                log.info(
                    "🎉 File processing complete",
                    file=name,
                    records=stats.records_published,
                    messages=stats.messages_published,
                    skipped=stats.records_skipped,
                    skipped_records=stats.skipped_refs[:NAMED_IN_LOG],
                    mode=mode,
                    base_version=base_version,
                    **asdict(stats.counts),
                )
                await publisher.send_file_complete(
                    stats.records_published, version=book.version, counts=stats.counts
                )
                book.completion_sent(name)
                log.info("✅ Sent file completion message", data_type=kind.value, file=name)
        finally:
            if index is not None:
                index.discard()  # a no-op once committed: only the .part file is removed
            if known is not None:
                known.close()
