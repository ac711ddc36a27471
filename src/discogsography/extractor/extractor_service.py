"""The extractor service: signals, cycles one after another, /health, a clean stop.

Each cycle (cycle.py) checks DISCOGS_ROOT and the broker, finds the newest version, fetches and
publishes it. Between cycles the service sleeps PERIODIC_CHECK_DAYS (RETRY_FAILED_CYCLE_SECONDS
after a failed cycle). A broker that is unreachable is waited for with capped backoff, /health
saying 503 and why; a permanent failure (a refused login, an unknown virtual host, a missing
permission, DISCOGS_ROOT not writable) ends the service with exit status 1 and one line.
SIGINT/SIGTERM stop reading, let in-flight messages be confirmed, save the marker and end the run
normally.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from discogsography.amqp.nodes import BrokerNodes
from discogsography.amqp.topology import Topology
from discogsography.config.extractor_settings import ExtractorSettings
from discogsography.dumps.state_marker import StateMarker
from discogsography.errors import DiscogsographyError, VersionFailedError
from discogsography.extractor.cycle import WAITING_FOR_BROKER, Cycle, Status, now
from discogsography.extractor.kind_progress import ExtractionProgress, report_every
from discogsography.extractor.publish_stats import PublishOptions
from discogsography.runtime import early_stop, metrics
from discogsography.runtime.failures import PermanentFailure
from discogsography.runtime.health import HealthServer
from discogsography.runtime.logs import get_logger
from discogsography.runtime.redact import redact_text, redact_url
from discogsography.runtime.stop_signal import StopSignal

log = get_logger(__name__)

UNHEALTHY_PHASES = frozenset({"failed", WAITING_FOR_BROKER})


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
        self.stop = StopSignal()
        self.status = Status()
        self.progress = ExtractionProgress(stall_seconds=settings.stall_seconds)
        self.publish_options = PublishOptions(
            records_per_message=settings.records_per_message,
            publish_window=settings.publish_window,
            parser_workers=settings.parser_workers,
            max_skipped_share=settings.max_skipped_share,
            show_progress=self.show_progress,
        )
        self.health_server: HealthServer | None = None
        # Every connection of the service goes through it: it knows the node the service is on.
        self.nodes = BrokerNodes(settings.amqp_url)
        # FORCE_REPROCESS applies to the first cycle only: a service left running with it set
        # must not republish the same version every PERIODIC_CHECK_DAYS.
        self.force_reprocess = settings.force_reprocess

    @property
    def phase(self) -> str:
        return self.status.phase

    @property
    def marker(self) -> StateMarker | None:
        return self.status.marker

    # --- lifecycle ---------------------------------------------------------------------------

    def request_stop(self) -> None:
        if not self.stop.is_set():
            log.info("🛑 Stop requested: finishing in-flight messages and saving the state marker")
        self.stop.set()

    async def run(self, *, once: bool = False) -> None:
        """Cycles until stopped (or one cycle with ``once``); a failed ``once`` cycle raises.

        A permanent failure raises in either mode: the service cannot heal it by waiting.
        """
        metrics.activate("extractor")  # served on /metrics by the health server
        loop = asyncio.get_running_loop()
        installed = []
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, self.request_stop)
                installed.append(signum)
        if early_stop.requested():  # a SIGTERM during start-up whose exit was swallowed
            self.request_stop()
        self.health_server = HealthServer(self.health, port=self.settings.health_check_port)
        await self.health_server.start()
        reporter = asyncio.create_task(report_every(self.progress, self.settings.progress_interval_seconds))
        try:
            while not self.stop.is_set():
                failed = await self._one_cycle(once)
                if once or self.stop.is_set():
                    break
                settings = self.settings
                wait = settings.retry_failed_cycle_seconds if failed else settings.periodic_check_seconds
                self.status.next_check_at = now() + timedelta(seconds=wait)
                if not failed:
                    self.status.phase = "waiting"
                log.info("⏰ Waiting for the next check", next_check_at=self.status.next_check_at.isoformat())
                await self.stop.sleep(wait)
        finally:
            reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reporter
            await self.health_server.stop()
            for signum in installed:
                loop.remove_signal_handler(signum)
            if self.stop.is_set():
                self.status.phase = "stopped"
                log.info("👋 Extractor stopped")

    async def _one_cycle(self, once: bool) -> bool:
        """Run a cycle; True when it failed (and may be retried later)."""
        force, self.force_reprocess = self.force_reprocess, False
        cycle = Cycle(
            self.settings,
            self.topology,
            self.publish_options,
            stop=self.stop,
            status=self.status,
            progress=self.progress,
            force=force,
            once=once,
            nodes=self.nodes,
        )
        try:
            await cycle.run()
        except PermanentFailure as exc:
            self._failed(str(exc))
            raise  # the command reports it, as its one last line
        except DiscogsographyError as exc:
            self._failed(str(exc))
            log.error("❌ Extraction cycle failed", error=self.status.last_error)
            if once:
                raise
            return True
        except Exception as exc:  # a bug or an unforeseen OS error: report, retry later
            self._failed(f"{type(exc).__name__}: {exc}")
            log.exception("❌ Extraction cycle failed unexpectedly", error=self.status.last_error)
            if once:
                raise VersionFailedError(self.status.last_error or type(exc).__name__) from exc
            return True
        return False

    def _failed(self, error: str) -> None:
        self.status.phase = "failed"
        self.status.last_error = redact_text(error)

    # --- health ------------------------------------------------------------------------------

    def health(self) -> tuple[bool, dict[str, Any]]:
        status = self.status
        report = self.progress.report()
        stalled = status.phase == "processing" and bool(report.stalled)
        healthy = status.phase not in UNHEALTHY_PHASES and not stalled
        files: dict[str, Any] = {}
        if status.marker is not None:
            for name, download_status in status.marker.download_phase.downloads_by_file.items():
                files.setdefault(name, {})["download"] = download_status.model_dump(mode="json")
            for name, processing_status in status.marker.processing_phase.progress_by_file.items():
                files.setdefault(name, {})["processing"] = processing_status.model_dump(mode="json")
        body = {
            "status": "healthy" if healthy else "unhealthy",
            "service": "extractor",
            "phase": status.phase,
            "version": status.version,
            "source": redact_url(self.settings.discogs_source),
            "started_at": status.started_at.isoformat(),
            "cycle_started_at": _iso(status.cycle_started_at),
            "cycle_finished_at": _iso(status.cycle_finished_at),
            "next_check_at": _iso(status.next_check_at),
            "last_error": status.last_error,
            "broker_node": self.nodes.node,
            "progress": asdict(report),
            "files": files,
        }
        return healthy, body


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


__all__ = ["Extractor", "VersionFailedError"]
