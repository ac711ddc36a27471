"""The tableinator service: its lifecycle around the four kind consumers.

Start: migrate the schema (retrying while PostgreSQL is down), serve /health, connect to
RabbitMQ (robust: reconnects by itself, consumers restored), declare the topology, consume the
four queues. On a kind's file_complete the consumer has flushed it; the service logs the 🎉 line
and cancels that consumer after CONSUMER_CANCEL_DELAY. When all four are complete it closes the
connection and stops logging progress. Every QUEUE_CHECK_INTERVAL it connects briefly, reads the
depth of each queue it is not consuming and resumes those with messages. ``request_stop`` (and
SIGINT/SIGTERM) flushes what was delivered, acks what committed, closes and returns.

Run it with ``await Tableinator(settings).run()`` (in-process) or ``discogsography tableinator``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import time
from datetime import UTC, datetime
from typing import Any

import aio_pika
import psycopg

from discogsography import metrics
from discogsography.amqp.messages import FileComplete
from discogsography.amqp.topology import Topology, declare
from discogsography.health import HealthServer
from discogsography.kinds import Kind
from discogsography.logs import get_logger
from discogsography.tableinator.batching import backoff_delay
from discogsography.tableinator.consumer import KindConsumer
from discogsography.tableinator.queue_depths import watch_queue_depths
from discogsography.tableinator.schema import ensure_schema
from discogsography.tableinator.settings import TableinatorSettings
from discogsography.tableinator.store import KindStore
from discogsography.tableinator.writer import is_transient

log = get_logger("discogsography.tableinator")

# Batches of one kind written at once, each on its own connection: with two, PostgreSQL
# works on one batch while the next is sent (bench/tableinator_bench.py).
WRITERS_PER_KIND = 2


class Tableinator:
    def __init__(
        self,
        settings: TableinatorSettings,
        *,
        health_host: str = "0.0.0.0",  # noqa: S104 - a container's health port
        progress_interval: float = 30.0,
        max_backoff: float = 30.0,
        install_signal_handlers: bool = True,
    ) -> None:
        self.settings = settings
        self.topology = Topology(settings.amqp_queue_prefix)
        self.completed: set[Kind] = set()
        self.started_at = time.time()
        self._health_host = health_host
        self._progress_interval = progress_interval
        self._max_backoff = max_backoff
        self._install_signal_handlers = install_signal_handlers
        self._connection: Any = None
        self._broker_error: str | None = None
        self._database_ok: bool | None = None
        self._database_error: str | None = None
        self._cancel_timers: dict[Kind, asyncio.Task[None]] = {}
        self._stop: asyncio.Event | None = None
        self._closing: asyncio.Task[None] | None = None
        self._stop_requested = False
        self._running = False
        self.health: HealthServer | None = None
        self.consumers = {
            kind: KindConsumer(
                kind,
                [KindStore(kind, self._connect_database) for _ in range(WRITERS_PER_KIND)],
                batch_mode=settings.postgres_batch_mode,
                batch_size=settings.postgres_batch_size,
                flush_interval=settings.postgres_batch_flush_interval,
                on_file_complete=self._file_complete,
                on_records=self._records_arrived,
                on_database=self._database_state,
                max_backoff=max_backoff,
            )
            for kind in Kind
        }

    # --- public ----------------------------------------------------------------------------

    async def run(self) -> None:
        """Serve until ``request_stop`` (or a signal); returns after a clean shutdown."""
        metrics.activate("tableinator")  # served on /metrics by the health server
        self._stop = asyncio.Event()
        if self._stop_requested:
            self._stop.set()
        loop = asyncio.get_running_loop()
        if self._install_signal_handlers:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, self.request_stop)
        log.info("🚀 Starting tableinator", **self.settings.describe())
        self.health = HealthServer(
            self.health_report, host=self._health_host, port=self.settings.health_check_port
        )
        await self.health.start()
        workers = [asyncio.create_task(consumer.run()) for consumer in self.consumers.values()]
        background: list[asyncio.Task[None]] = []
        try:
            if await self._prepare_schema():
                self._running = True
                await self._resume(list(Kind))
                background = [
                    asyncio.create_task(self._progress_loop()),
                    asyncio.create_task(self._queue_check_loop()),
                    asyncio.create_task(watch_queue_depths(self.settings.amqp_url, self.topology)),
                ]
                await self._stop.wait()
        finally:
            log.info("🛑 Stopping tableinator: flushing pending batches")
            for task in background:
                task.cancel()
            await self._shutdown(workers)
            if self._install_signal_handlers:
                for signum in (signal.SIGINT, signal.SIGTERM):
                    loop.remove_signal_handler(signum)
            log.info("✅ Tableinator stopped", **self.counts())

    def request_stop(self) -> None:
        self._stop_requested = True
        if self._stop is not None:
            self._stop.set()

    def counts(self) -> dict[str, Any]:
        return {
            "records": {kind.value: c.stats.records for kind, c in self.consumers.items()},
            "changed": {kind.value: c.stats.changed for kind, c in self.consumers.items()},
            "removed": {kind.value: c.stats.removed for kind, c in self.consumers.items()},
            "dead_lettered": {kind.value: c.stats.dead_lettered for kind, c in self.consumers.items()},
        }

    def health_report(self) -> tuple[bool, dict[str, Any]]:
        broker = self._broker_state()
        refused = {kind.value: c.refused for kind, c in self.consumers.items() if c.refused}
        healthy = (
            self._running
            and self._database_ok is not False
            and broker in ("connected", "idle")
            and not refused
        )
        last_times = {kind.value: _iso(c.stats.last_message_at) for kind, c in self.consumers.items()}
        known = [c.stats.last_message_at for c in self.consumers.values() if c.stats.last_message_at]
        return healthy, {
            "status": "healthy" if healthy else "unhealthy",
            "service": "tableinator",
            "uptime_seconds": round(time.time() - self.started_at, 1),
            "broker": broker,
            "broker_error": self._broker_error,
            "database": {None: "unknown", True: "ok", False: "unavailable"}[self._database_ok],
            "database_error": self._database_error,
            # Incremental messages refused because the database is not at their base version.
            "refused": refused,
            "dump_versions": {
                kind.value: c.db_version for kind, c in self.consumers.items() if c.db_version_known
            },
            "counts": {
                kind.value: {
                    "records": c.stats.records,
                    "changed": c.stats.changed,
                    "removed": c.stats.removed,
                    "messages": c.stats.messages,
                    "dead_lettered": c.stats.dead_lettered,
                    "pending": c.pending_records,
                    "consuming": c.consuming,
                }
                for kind, c in self.consumers.items()
            },
            "last_message_time": _iso(max(known)) if known else None,
            "last_message_time_by_kind": last_times,
            "completed_kinds": sorted(kind.value for kind in self.completed),
        }

    # --- database ------------------------------------------------------------------------

    def _connect_database(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.settings.postgres_conninfo(), autocommit=True, connect_timeout=10)

    def _database_state(self, ok: bool, error: str | None) -> None:
        self._database_ok, self._database_error = ok, error

    async def _prepare_schema(self) -> bool:
        """Migrate, retrying outages until it works or a stop is requested."""
        attempt = 0
        while not self._stopping():
            try:
                applied = await asyncio.to_thread(self._migrate)
            except psycopg.Error as exc:
                if not is_transient(exc):
                    raise
                self._database_state(False, str(exc).strip().splitlines()[0] if str(exc).strip() else "")
                delay = backoff_delay(attempt, cap=self._max_backoff)
                log.warning(
                    "⚠️ PostgreSQL unavailable, will retry", error=self._database_error, retry_in=delay
                )
                attempt += 1
                await self._sleep(delay)
                continue
            self._database_state(True, None)
            log.info("✅ Schema ready", applied_migrations=applied)
            return True
        return False

    def _migrate(self) -> list[int]:
        with self._connect_database() as conn:
            return ensure_schema(conn)

    # --- broker --------------------------------------------------------------------------

    def _broker_state(self) -> str:
        if self._connection is None:
            return "idle" if self.completed == set(Kind) else "disconnected"
        if self._connection.is_closed or self._connection.transport is None:
            return "reconnecting"
        return "connected"

    async def _resume(self, kinds: list[Kind]) -> None:
        """Connect when needed and consume these kinds; retries until it works or a stop."""
        attempt = 0
        while not self._stopping():
            try:
                await self._consume(kinds)
                self._broker_error = None
                return
            except (TimeoutError, aio_pika.exceptions.AMQPError, OSError) as exc:
                self._broker_error = str(exc) or type(exc).__name__
                metrics.current().count_error("broker_unavailable")
                delay = backoff_delay(attempt, cap=self._max_backoff)
                log.warning("⚠️ RabbitMQ unavailable, will retry", error=self._broker_error, retry_in=delay)
                await self._close_connection()
                attempt += 1
                await self._sleep(delay)

    async def _consume(self, kinds: list[Kind]) -> None:
        if self._connection is None:
            self._connection = await aio_pika.connect_robust(
                self.settings.amqp_url,
                timeout=10,
                client_properties={
                    "connection_name": f"discogsography-tableinator {self.topology.prefix}".strip()
                },
            )
            self._connection.close_callbacks.add(self._broker_lost)
            self._connection.reconnect_callbacks.add(self._broker_back)
            setup = await self._connection.channel()
            await declare(setup, self.topology)
            await setup.close()
            log.info("🐰 Connected to RabbitMQ", queue_prefix=self.topology.prefix)
        for kind in kinds:
            consumer = self.consumers[kind]
            if consumer.consuming:
                continue
            channel = await self._connection.channel()
            queue = await channel.get_queue(self.topology.queue(kind), ensure=True)
            await consumer.attach(channel, queue)
            log.info("🔗 Attached", data_type=kind.value, queue=self.topology.queue(kind))

    def _broker_lost(self, _sender: Any, error: BaseException | None = None) -> None:
        if error is not None and self._connection is not None:
            self._broker_error = str(error) or type(error).__name__
            metrics.current().count_error("broker_unavailable")
            log.warning("⚠️ RabbitMQ connection lost, reconnecting", error=self._broker_error)

    def _broker_back(self, *_args: Any) -> None:
        self._broker_error = None
        log.info("🐰 Reconnected to RabbitMQ; unacked messages will be redelivered")

    async def _close_connection(self) -> None:
        connection, self._connection = self._connection, None
        for consumer in self.consumers.values():
            consumer.detach()
        if connection is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), 10)

    async def _queue_depths(self, kinds: list[Kind]) -> dict[Kind, int]:
        """A brief connection of its own: how many messages wait in these queues."""
        depths: dict[Kind, int] = {}
        connection = await aio_pika.connect(self.settings.amqp_url, timeout=10)
        try:
            channel = await connection.channel()
            for kind in kinds:
                queue = await channel.declare_queue(self.topology.queue(kind), passive=True)
                depths[kind] = int(queue.declaration_result.message_count or 0)
        finally:
            await connection.close()
        return depths

    # --- lifecycle events ----------------------------------------------------------------

    def _records_arrived(self, kind: Kind) -> None:
        """Records after a file_complete: a new dump started; that kind is active again."""
        if kind in self.completed:
            self.completed.discard(kind)
            timer = self._cancel_timers.pop(kind, None)
            if timer is not None:
                timer.cancel()
            log.info("🔄 New records after completion, consuming again", data_type=kind.value)

    async def _file_complete(self, kind: Kind, message: FileComplete) -> None:
        log.info(
            f"🎉 File processing complete for {kind.value}!",
            data_type=kind.value,
            total_processed=message.total_processed,
            file=message.file,
            version=message.version,
            mode=message.mode,
            base_version=message.increment.base_version if message.increment else None,
            new=message.counts.new,
            changed=message.counts.changed,
            removed=message.counts.removed,
            records_stored=self.consumers[kind].stats.records,
            rows_removed=self.consumers[kind].stats.removed,
        )
        self.completed.add(kind)
        if self.completed == set(Kind):
            log.info("✅ All files complete, closing the RabbitMQ connection until the next queue check")
            for timer in self._cancel_timers.values():
                timer.cancel()
            self._cancel_timers.clear()
            # Closed from a task of its own: this runs inside a consumer's worker.
            self._closing = asyncio.create_task(self._close_connection())
            return
        previous = self._cancel_timers.pop(kind, None)
        if previous is not None:
            previous.cancel()
        if self.settings.consumer_cancel_delay > 0:  # 0 keeps the consumer (as the spec reads it)
            self._cancel_timers[kind] = asyncio.create_task(self._cancel_later(kind))

    async def _cancel_later(self, kind: Kind) -> None:
        await asyncio.sleep(self.settings.consumer_cancel_delay)
        if kind in self.completed:
            log.info(f"🔌 Canceling consumer for {kind.value}", data_type=kind.value)
            await self.consumers[kind].cancel()
        self._cancel_timers.pop(kind, None)

    async def _queue_check_loop(self) -> None:
        while not self._stopping():
            await self._sleep(self.settings.queue_check_interval)
            if self._stopping():
                return
            idle = [kind for kind, consumer in self.consumers.items() if not consumer.consuming]
            if not idle:
                continue
            try:
                depths = await self._queue_depths(idle)
            except Exception as exc:
                log.warning("⚠️ Queue check failed", error=str(exc) or type(exc).__name__)
                continue
            waiting = [kind for kind, depth in depths.items() if depth > 0]
            log.info("🔍 Queue check", depths={kind.value: depth for kind, depth in depths.items()})
            if waiting:
                log.info("🔄 Messages waiting, resuming", kinds=[kind.value for kind in waiting])
                for kind in waiting:
                    self.completed.discard(kind)
                await self._resume(waiting)

    async def _progress_loop(self) -> None:
        while not self._stopping():
            await self._sleep(self._progress_interval)
            if self.completed == set(Kind) or self._stopping():
                continue  # silent when idle
            log.info(
                "📊 Tableinator progress",
                records={kind.value: c.stats.records for kind, c in self.consumers.items()},
                removed={kind.value: c.stats.removed for kind, c in self.consumers.items()},
                pending={kind.value: c.pending_records for kind, c in self.consumers.items()},
                dead_lettered=sum(c.stats.dead_lettered for c in self.consumers.values()),
                completed=sorted(kind.value for kind in self.completed),
            )

    async def _shutdown(self, workers: list[asyncio.Task[None]]) -> None:
        for timer in self._cancel_timers.values():
            timer.cancel()
        for consumer in self.consumers.values():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(consumer.stop_deliveries(), 5)
        for consumer in self.consumers.values():
            consumer.stop()
        await asyncio.gather(*workers, return_exceptions=True)
        if self._closing is not None:
            await asyncio.gather(self._closing, return_exceptions=True)
        for consumer in self.consumers.values():
            for store in consumer.stores:
                await asyncio.to_thread(store.close)
        await self._close_connection()
        if self.health is not None:
            await self.health.stop()
        self._running = False

    # --- helpers -------------------------------------------------------------------------

    def _stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    async def _sleep(self, seconds: float) -> None:
        """Sleep, waking early on a stop request."""
        if self._stop is None:
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)


def _iso(timestamp: float | None) -> str | None:
    return datetime.fromtimestamp(timestamp, UTC).isoformat() if timestamp else None


# Batches of decoded records are millions of short-lived dicts and lists without cycles; the
# default collector thresholds (700) make Python rescan them constantly, which halved decode
# throughput in bench/tableinator_bench.py. Reference counting frees them; cycles are rare.
GC_THRESHOLDS = (50_000, 20, 100)


def run_service(settings: TableinatorSettings, **options: Any) -> None:
    """Blocking entry point (the CLI): runs until SIGINT/SIGTERM."""
    gc.set_threshold(*GC_THRESHOLDS)
    asyncio.run(Tableinator(settings, **options).run())
