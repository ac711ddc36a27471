"""The tableinator service: its lifecycle around the four kind consumers.

Start: migrate the schema (retrying while PostgreSQL is down), serve /health, connect to
RabbitMQ (consume_connection.py: reconnects by itself after a loss, consumers attached again), declare the
topology, consume the four queues. On a kind's file_complete the consumer has flushed it; the
service logs the 🎉 line and cancels that consumer after CONSUMER_CANCEL_DELAY. When all four
are complete it closes the connection and stops logging progress. Every QUEUE_CHECK_INTERVAL it
connects briefly, reads the depth of each queue it is not consuming and resumes those with
messages. ``request_stop`` (and SIGINT/SIGTERM) flushes what was delivered, acks what
committed, closes and returns.

Outages are retried with capped backoff and logged once per change (status.py). A failure no
retry can heal (a refused login, an unknown virtual host or database, a missing permission),
at start-up or later, stops the service the same way and ``run`` raises it as PermanentFailure:
the command prints its one line and exits 1.

Run it with ``await Tableinator(settings).run()`` (in-process) or ``discogsography tableinator``.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from typing import Any

import psycopg

from discogsography.amqp.messages import FileComplete
from discogsography.amqp.topology import Topology
from discogsography.config.tableinator_settings import TableinatorSettings
from discogsography.kinds import Kind
from discogsography.relational.connect import connect
from discogsography.relational.copy_writer import is_transient
from discogsography.relational.migrations import ensure_schema
from discogsography.runtime import early_stop, metrics
from discogsography.runtime.collector import collect_rarely
from discogsography.runtime.failures import PermanentFailure, amqp_summary, is_permanent, summary
from discogsography.runtime.health import HealthServer
from discogsography.runtime.logs import get_logger
from discogsography.runtime.retry import Stopped, retry_transient
from discogsography.runtime.stop_signal import StopSignal
from discogsography.tableinator.batch_store import KindStore
from discogsography.tableinator.consume_connection import BrokerLink
from discogsography.tableinator.consumer import KindConsumer
from discogsography.tableinator.queue_depths import watch_queue_depths
from discogsography.tableinator.status import ServerState, health_report

log = get_logger("discogsography.tableinator")

# Batches of one kind written at once, each on its own connection: with two, PostgreSQL
# works on one batch while the next is sent (bench/tableinator_bench.py).
WRITERS_PER_KIND = 2


class _DatabaseDown(Exception):
    """A transient PostgreSQL failure while migrating (retried)."""


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
        self.running = False
        self.database = ServerState("PostgreSQL")
        self.failure: PermanentFailure | None = None  # why the service stopped itself
        self._health_host = health_host
        self._progress_interval = progress_interval
        self._max_backoff = max_backoff
        self._install_signal_handlers = install_signal_handlers
        self._cancel_timers: dict[Kind, asyncio.Task[None]] = {}
        self._stop = StopSignal()
        self._closing: asyncio.Task[None] | None = None
        self.health: HealthServer | None = None
        where = f"PostgreSQL at {settings.postgres_target()}"
        self.consumers = {
            kind: KindConsumer(
                kind,
                [KindStore(kind, self._connect_database, where) for _ in range(WRITERS_PER_KIND)],
                batch_mode=settings.postgres_batch_mode,
                batch_size=settings.postgres_batch_size,
                flush_interval=settings.postgres_batch_flush_interval,
                on_file_complete=self._file_complete,
                on_records=self._records_arrived,
                on_database=self._database_state,
                on_permanent=self._permanent,
                max_backoff=max_backoff,
            )
            for kind in Kind
        }
        self.broker = BrokerLink(
            settings.amqp_url,
            self.topology,
            self.consumers,
            stop=self._stop,
            on_permanent=self._permanent,
            max_backoff=max_backoff,
        )

    # --- public ----------------------------------------------------------------------------

    async def run(self) -> None:
        """Serve until ``request_stop`` (or a signal); returns after a clean shutdown.

        Raises PermanentFailure, after the same clean shutdown, when a server refused for good.
        """
        metrics.activate("tableinator")  # served on /metrics by the health server
        loop = asyncio.get_running_loop()
        if self._install_signal_handlers:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, self.request_stop)
        if early_stop.requested():  # a SIGTERM during start-up whose exit was swallowed
            self.request_stop()
        log.info("🚀 Starting tableinator", **self.settings.describe())
        self.health = HealthServer(
            self.health_report, host=self._health_host, port=self.settings.health_check_port
        )
        await self.health.start()
        workers = [asyncio.create_task(consumer.run()) for consumer in self.consumers.values()]
        background: list[asyncio.Task[None]] = []
        try:
            if await self._prepare_schema():
                self.running = True
                await self.broker.resume(list(Kind))
                background = [
                    asyncio.create_task(self._progress_loop()),
                    asyncio.create_task(self._queue_check_loop()),
                    asyncio.create_task(watch_queue_depths(self.broker.nodes, self.topology)),
                ]
                await self._stop.wait()
        except PermanentFailure as failure:
            self.failure = self.failure or failure
        finally:
            log.info("🛑 Stopping tableinator: flushing pending batches")
            for task in background:
                task.cancel()
            await self._shutdown(workers)
            if self._install_signal_handlers:
                for signum in (signal.SIGINT, signal.SIGTERM):
                    loop.remove_signal_handler(signum)
            if self.failure is None:
                log.info("✅ Tableinator stopped", **self.counts())
            else:  # the reason is the command's last line (run raises it)
                log.warning("🛑 Tableinator stopped: a server refused", **self.counts())
        if self.failure is not None:
            raise self.failure

    def request_stop(self) -> None:
        self._stop.set()

    def counts(self) -> dict[str, Any]:
        return {
            "records": {kind.value: c.stats.records for kind, c in self.consumers.items()},
            "changed": {kind.value: c.stats.changed for kind, c in self.consumers.items()},
            "removed": {kind.value: c.stats.removed for kind, c in self.consumers.items()},
            "dead_lettered": {kind.value: c.stats.dead_lettered for kind, c in self.consumers.items()},
        }

    def health_report(self) -> tuple[bool, dict[str, Any]]:
        return health_report(self)

    # --- failures --------------------------------------------------------------------------

    def _permanent(self, failure: PermanentFailure) -> None:
        """A server refused for good (at start or later): stop, and make ``run`` raise it."""
        if self.failure is None:
            self.failure = failure
        self.request_stop()

    # --- database ------------------------------------------------------------------------

    def _connect_database(self) -> psycopg.Connection[Any]:
        return connect(self.settings.postgres_conninfo(), autocommit=True)

    def _database_state(self, ok: bool, error: str | None) -> None:
        if ok:
            self.database.up()
        else:
            self.database.down(error or "unavailable")

    async def _prepare_schema(self) -> bool:
        """Migrate, retrying outages until it works or a stop is requested (False then)."""
        try:
            applied = await retry_transient(
                self._migrate,
                stop=self._stop,
                retry_on=(_DatabaseDown,),
                on_retry=lambda error, delay: self.database.down(str(error), retry_in=delay),
                initial=0.5,
                cap=self._max_backoff,
            )
        except (Stopped, _DatabaseDown):
            return False
        self.database.up()
        log.info("✅ Schema ready", applied_migrations=applied)
        return True

    async def _migrate(self) -> list[int]:
        try:
            return await asyncio.to_thread(self._migrate_now)
        except PermanentFailure:
            raise
        except psycopg.Error as exc:
            if is_transient(exc) and not is_permanent(exc):
                raise _DatabaseDown(summary(exc)) from None
            raise PermanentFailure(
                f"PostgreSQL at {self.settings.postgres_target()}: {summary(exc)}"
            ) from None

    def _migrate_now(self) -> list[int]:
        with self._connect_database() as conn:
            return ensure_schema(conn)

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
            self._closing = asyncio.create_task(self.broker.close())
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
        while not await self._stop.sleep(self.settings.queue_check_interval):
            try:
                await self._queue_check()
            except PermanentFailure as failure:
                self._permanent(failure)
                return

    async def _queue_check(self) -> None:
        idle = [kind for kind, consumer in self.consumers.items() if not consumer.consuming]
        if not idle:
            return
        try:
            depths = await self.broker.queue_depths(idle)
        except Exception as exc:
            if is_permanent(exc):
                raise PermanentFailure(f"RabbitMQ: {amqp_summary(exc, self.settings.amqp_url)}") from None
            log.warning("⚠️ Queue check failed", error=amqp_summary(exc, self.settings.amqp_url))
            return
        waiting = [kind for kind, depth in depths.items() if depth > 0]
        log.info("🔍 Queue check", depths={kind.value: depth for kind, depth in depths.items()})
        if waiting:
            log.info("🔄 Messages waiting, resuming", kinds=[kind.value for kind in waiting])
            for kind in waiting:
                self.completed.discard(kind)
            await self.broker.resume(waiting)

    async def _progress_loop(self) -> None:
        while not await self._stop.sleep(self._progress_interval):
            if self.completed == set(Kind):
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
        await self.broker.shutdown()
        if self.health is not None:
            await self.health.stop()
        self.running = False


def run_service(settings: TableinatorSettings, **options: Any) -> None:
    """Blocking entry point (the CLI): runs until SIGINT/SIGTERM; raises PermanentFailure."""
    collect_rarely()
    asyncio.run(Tableinator(settings, **options).run())
