"""One kind's queue into its store: decode, batch, write, then settle with the broker.

Deliveries land in an inbox; a single worker per kind takes them in order, so a batch's
messages are exactly the unsettled deliveries of its channel up to the last one, which lets
one ``multiple`` ack settle them after the commit. Nothing is acked before its batch commits:
during a database outage the worker retries with backoff and the broker keeps the messages.
A message that can never be stored is rejected without requeue, which dead-letters it to
``<kind>.dlq``, and the reason is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from discogsography.amqp.messages import FileComplete, MessageError, decode
from discogsography.kinds import Kind
from discogsography.logs import get_logger
from discogsography.tableinator.batching import (
    INITIAL_PREFETCH,
    backoff_delay,
    prefetch_for,
    seconds_until_flush,
    should_flush,
)
from discogsography.tableinator.store import DatabaseUnavailable, KindStore, StoreOutcome

log = get_logger("discogsography.tableinator")

# Attempts at the final flush when stopping during an outage; after them the messages stay
# unacked and the broker redelivers them to the next run.
FINAL_FLUSH_ATTEMPTS = 3


@dataclass(slots=True)
class KindStats:
    records: int = 0  # records committed (after dedupe within their batch)
    changed: int = 0  # rows inserted or updated
    messages: int = 0  # messages acked after their commit
    dead_lettered: int = 0
    batches: int = 0
    last_message_at: float | None = None  # wall clock of the last delivery


@dataclass(slots=True)
class _Pending:
    messages: list[Any] = field(default_factory=list)
    records: list[list[dict[str, Any]]] = field(default_factory=list)
    count: int = 0
    oldest_at: float | None = None  # monotonic

    def add(self, message: Any, records: list[dict[str, Any]]) -> None:
        if self.oldest_at is None:
            self.oldest_at = time.monotonic()
        self.messages.append(message)
        self.records.append(records)
        self.count += len(records)


class KindConsumer:
    """The worker of one kind. The service binds it to a queue with ``attach``."""

    def __init__(
        self,
        kind: Kind,
        store: KindStore,
        *,
        batch_mode: bool,
        batch_size: int,
        flush_interval: float,
        on_file_complete: Callable[[Kind, FileComplete], Awaitable[None]],
        on_records: Callable[[Kind], None],
        on_database: Callable[[bool, str | None], None],
        max_backoff: float = 30.0,
    ) -> None:
        self.kind = kind
        self.store = store
        self.batch_mode = batch_mode
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.stats = KindStats()
        self._on_file_complete = on_file_complete
        self._on_records = on_records
        self._on_database = on_database
        self._max_backoff = max_backoff
        self._inbox: asyncio.Queue[Any] = asyncio.Queue()
        self._pending = _Pending()
        self._stopping = asyncio.Event()
        self._queue: Any = None
        self._channel: Any = None
        self._consumer_tag: str | None = None
        self._prefetch = INITIAL_PREFETCH
        self._records_per_message = 0
        # Set when a final flush gave up: later messages must not be acked either, since a
        # multiple ack would settle the uncommitted ones delivered before them.
        self._gave_up = False

    # --- binding to the broker -----------------------------------------------------------

    @property
    def consuming(self) -> bool:
        return self._consumer_tag is not None

    @property
    def pending_records(self) -> int:
        return self._pending.count

    async def attach(self, channel: Any, queue: Any) -> None:
        """Start consuming ``queue`` on ``channel`` (a channel of its own, for its prefetch)."""
        self._channel, self._queue = channel, queue
        await channel.set_qos(prefetch_count=self._prefetch)
        self._consumer_tag = await queue.consume(self._deliver)

    async def cancel(self) -> None:
        """Stop deliveries; what was delivered is still processed and settled."""
        tag, self._consumer_tag = self._consumer_tag, None
        if tag is not None and self._queue is not None:
            try:
                await self._queue.cancel(tag)
            except Exception as exc:
                log.debug("consumer cancel failed", data_type=self.kind.value, error=str(exc))

    def detach(self) -> None:
        """Forget the channel (the connection is closed or being closed)."""
        self._consumer_tag = None
        self._channel = self._queue = None

    async def _deliver(self, message: Any) -> None:
        self._inbox.put_nowait(message)

    async def _retune_prefetch(self, records_in_message: int) -> None:
        """Prefetch counts messages: size it to the batch once messages show their record count.

        RabbitMQ applies a prefetch to consumers started after it, so the consumer is restarted
        (deliveries already made stay valid and are settled as usual).
        """
        if records_in_message <= self._records_per_message:
            return
        self._records_per_message = records_in_message
        wanted = prefetch_for(self.batch_size, records_in_message)
        if self._queue is None or self._channel is None or self._consumer_tag is None:
            self._prefetch = wanted
            return
        if wanted == self._prefetch:
            return
        self._prefetch = wanted
        try:
            await self._queue.cancel(self._consumer_tag)
            await self._channel.set_qos(prefetch_count=wanted)
            self._consumer_tag = await self._queue.consume(self._deliver)
        except Exception as exc:
            log.warning("⚠️ Could not resize prefetch", data_type=self.kind.value, error=str(exc))

    # --- the worker ----------------------------------------------------------------------

    def stop(self) -> None:
        """Process what was delivered, flush, and end ``run``."""
        self._stopping.set()
        self._inbox.put_nowait(None)

    async def run(self) -> None:
        while True:
            wait = seconds_until_flush(self._pending.oldest_at, self.flush_interval, time.monotonic())
            try:
                message = await asyncio.wait_for(self._inbox.get(), wait)
            except TimeoutError:
                await self.flush()
                continue
            if message is None:
                break
            try:
                await self._handle(message)
            except Exception:  # the worker must outlive any one message
                # Unsettled deliveries are redelivered when the channel closes; writes are idempotent.
                log.exception("❌ Unexpected error handling a message", data_type=self.kind.value)
        await self.flush()

    async def _handle(self, message: Any) -> None:
        self.stats.last_message_at = time.time()
        try:
            decoded = decode(message.body)
        except MessageError as exc:
            await self._dead_letter(message, str(exc))
            return
        if decoded.data_type not in (None, self.kind):
            await self._dead_letter(message, f"{decoded.data_type} message on the {self.kind} queue")
            return
        if isinstance(decoded, FileComplete):
            flushed = await self.flush()
            if flushed:
                await self._settle([message])
                await self._on_file_complete(self.kind, decoded)
            return
        self._on_records(self.kind)
        self._pending.add(message, decoded.records)
        await self._retune_prefetch(len(decoded.records))
        if should_flush(self._pending.count, self.batch_size, self.batch_mode):
            await self.flush()

    async def flush(self) -> bool:
        """Write the pending batch, retrying outages; settle its messages. False: left unacked."""
        pending = self._pending
        if not pending.messages:
            return True
        self._pending = _Pending()
        outcome = None if self._gave_up else await self._store_with_retry(pending)
        if outcome is None:
            self._gave_up = True
            log.warning(
                "⚠️ Leaving messages unacked for redelivery",
                data_type=self.kind.value,
                messages=len(pending.messages),
            )
            return False
        good = []
        for index, message in enumerate(pending.messages):
            reason = outcome.failed.get(index)
            if reason is None:
                good.append(message)
            else:
                await self._dead_letter(message, reason)
        await self._settle(good)
        self.stats.records += outcome.records
        self.stats.changed += outcome.changed
        self.stats.messages += len(good)
        self.stats.batches += 1
        return True

    async def _store_with_retry(self, pending: _Pending) -> StoreOutcome | None:
        attempt = 0
        while True:
            try:
                outcome = await asyncio.to_thread(self.store.store, pending.records)
            except DatabaseUnavailable as exc:
                self._on_database(False, str(exc))
                if self._stopping.is_set() and attempt + 1 >= FINAL_FLUSH_ATTEMPTS:
                    return None
                delay = backoff_delay(attempt, cap=self._max_backoff)
                log.warning(
                    "⚠️ PostgreSQL unavailable, will retry",
                    data_type=self.kind.value,
                    error=str(exc),
                    retry_in=round(delay, 2),
                    pending_records=pending.count,
                )
                attempt += 1
                if self._stopping.is_set():
                    await asyncio.sleep(min(delay, 1.0))
                else:
                    await self._pause(delay)
                continue
            self._on_database(True, None)
            return outcome

    async def _pause(self, seconds: float) -> None:
        """Wait before a retry; a stop request cuts it short."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _settle(self, messages: list[Any]) -> None:
        """Ack after commit: one ``multiple`` ack per channel, on its last delivery."""
        last_per_channel: dict[int, Any] = {}
        for message in messages:
            key = _open_channel_id(message)
            if key is None:
                continue  # delivered on a channel that has closed since: the broker redelivers it
            current = last_per_channel.get(key)
            if current is None or message.delivery_tag > current.delivery_tag:
                last_per_channel[key] = message
        for message in last_per_channel.values():
            try:
                await message.ack(multiple=True)
            except Exception as exc:
                log.warning(
                    "⚠️ Ack failed, the broker will redeliver (the write is idempotent)",
                    data_type=self.kind.value,
                    error=str(exc),
                )

    async def _dead_letter(self, message: Any, reason: str) -> None:
        self.stats.dead_lettered += 1
        log.warning(
            "⚠️ Message dead-lettered",
            data_type=self.kind.value,
            reason=reason,
            message_id=getattr(message, "message_id", None),
            delivery_tag=getattr(message, "delivery_tag", None),
        )
        try:
            await message.reject(requeue=False)
        except Exception as exc:
            log.warning(
                "⚠️ Reject failed, the broker will redeliver", data_type=self.kind.value, error=str(exc)
            )


def _open_channel_id(message: Any) -> int | None:
    """Identity of the channel a message came on, None once that channel is closed."""
    try:
        return id(message.channel)
    except Exception:  # aio-pika raises ChannelInvalidStateError for a closed one
        return None
