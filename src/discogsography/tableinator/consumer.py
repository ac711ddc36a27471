"""One kind's queue into its store: decode, batch, write, then settle with the broker.

Deliveries land in an inbox; a single worker per kind takes them in order, so a batch's
messages are exactly the unsettled deliveries of its channel up to the last one, which lets
one ``multiple`` ack settle them after the commit. Nothing is acked before its batch commits:
during a database outage the worker retries with backoff and the broker keeps the messages.
A message that can never be stored is rejected without requeue, which dead-letters it to
``<kind>.dlq``, and the reason is logged.

Incremental messages (a refresh: changed records and deletions since a base version) pass a
gate first (relational/table_versions.py): one whose base is not the version the database reflects is refused
with one log line saying how to resync; the consumer then lets go of its channel, so that
message and everything after it stay in the queue, and /health reports the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from discogsography.amqp.messages import Deletions, FileComplete, Increment, MessageError, decode_raw
from discogsography.dumps.names import version_of_dump_file
from discogsography.kinds import Kind
from discogsography.relational import table_versions
from discogsography.relational.copy_writer import Item
from discogsography.relational.table_rows import RowError, removals, rows_from_json
from discogsography.runtime import metrics
from discogsography.runtime.failures import PermanentFailure
from discogsography.runtime.logs import get_logger
from discogsography.runtime.retry import Stopped, retry_transient
from discogsography.runtime.stop_signal import StopSignal
from discogsography.tableinator.batch_store import DatabaseUnavailable, KindStore, StoreOutcome
from discogsography.tableinator.batching import seconds_until_flush, should_flush
from discogsography.tableinator.binding import OnLost, QueueBinding
from discogsography.tableinator.pending import KindStats, Pending, Writing
from discogsography.tableinator.settle import ack_after_commit, reject_to_dead_letters

log = get_logger("discogsography.tableinator")
_T = TypeVar("_T")

# Attempts at the final flush when stopping during an outage; after them the messages stay
# unacked and the broker redelivers them to the next run.
FINAL_FLUSH_ATTEMPTS = 3


class KindConsumer:
    """The worker of one kind. The service binds it to a queue with ``attach``."""

    def __init__(
        self,
        kind: Kind,
        stores: Sequence[KindStore],
        *,
        batch_mode: bool,
        batch_size: int,
        flush_interval: float,
        on_file_complete: Callable[[Kind, FileComplete], Awaitable[None]],
        on_records: Callable[[Kind], None],
        on_database: Callable[[bool, str | None], None],
        on_permanent: Callable[[PermanentFailure], None] | None = None,
        max_backoff: float = 30.0,
    ) -> None:
        self.kind = kind
        # One connection per batch being written: with two, PostgreSQL works on one batch
        # while it parses the next (docs/tableinator.md, "Performance").
        self.stores = list(stores)
        self.batch_mode = batch_mode
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.stats = KindStats()
        self._on_file_complete = on_file_complete
        self._on_records = on_records
        self._on_database = on_database
        self._on_permanent = on_permanent
        self._max_backoff = max_backoff
        self._inbox: asyncio.Queue[Any] = asyncio.Queue()
        self._pending = Pending()
        self._stopping = StopSignal()
        self.binding = QueueBinding(kind, self._inbox, self._stopping, batch_size)
        # Set when a final flush gave up: later messages must not be acked either, since a
        # multiple ack would settle the uncommitted ones delivered before them.
        self._gave_up = False
        self._writing: list[Writing] = []  # in submission order
        self._failed = False  # a batch since the last flush was not stored and settled
        # The dump version the database reflects for this kind, as last read or written.
        self.db_version: str | None = None
        self.db_version_known = False
        self.refused: str | None = None  # why incremental messages are refused, until one applies

    # --- binding to the broker -----------------------------------------------------------

    @property
    def consuming(self) -> bool:
        """Attached to a channel (consuming, or about to once a record message waits)."""
        return self.binding.consuming

    @property
    def lost(self) -> bool:
        """Let go of its channel because the broker stopped it, and not attached again yet."""
        return self.binding.lost

    @property
    def pending_records(self) -> int:
        """Records delivered and not yet committed (collecting and being written)."""
        return self._pending.count + sum(writing.pending.count for writing in self._writing)

    async def attach(self, channel: Any, queue: Any, on_lost: OnLost | None = None) -> None:
        """Consume ``queue`` on ``channel`` (binding.py says how the consumer starts, and when
        ``on_lost`` is told)."""
        await self.binding.attach(channel, queue, on_lost)

    async def stop_deliveries(self) -> None:
        """basic.cancel only: what was delivered is still processed and settled (shutdown)."""
        await self.binding.stop_deliveries()

    async def cancel(self) -> None:
        """Stop deliveries and close the channel (the deliveries in transit go back to the queue)."""
        await self.binding.cancel()

    def detach(self) -> None:
        """Forget the channel (the connection is closed or being closed)."""
        self.binding.detach()

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
                await self.submit()
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
            decoded = decode_raw(message.body)
        except MessageError as exc:
            await self._dead_letter(message, str(exc))
            return
        if decoded.data_type not in (None, self.kind):
            await self._dead_letter(message, f"{decoded.data_type} message on the {self.kind} queue")
            return
        if decoded.increment is not None and not await self._applies(decoded.increment):
            return
        self.refused = None  # a message applies again (after a resync, say)
        if isinstance(decoded, FileComplete):
            if await self.flush() and await self._record_version(decoded):
                await self._settle([message])
                await self._on_file_complete(self.kind, decoded)
            else:
                # Not everything before it is stored: it must come again later, not be
                # settled by a later multiple ack.
                metrics.current().count_messages(self.kind, "requeued")
                with contextlib.suppress(Exception):
                    await message.nack(requeue=True)
            return
        self._on_records(self.kind)
        try:
            # Rows are built now so the batch holds compact rows, not the messages' records.
            rows: list[Item]
            if isinstance(decoded, Deletions):
                rows = list(removals(decoded.ids))
            else:
                rows = [rows_from_json(self.kind, record) for record in decoded.records]
        except RowError as exc:
            await self._dead_letter(message, str(exc))
            return
        self._pending.add(message, rows)
        if should_flush(self._pending.count, self.batch_size, self.batch_mode):
            await self.submit()

    # --- the version gate ------------------------------------------------------------------

    async def _applies(self, increment: Increment) -> bool:
        """Whether an incremental message may be applied; refuses it (see the module) if not."""
        if self.db_version_known and table_versions.applies(self.db_version, increment):
            return True
        # Another tableinator may have moved the version on: read it again, with no batch
        # being written on the connection it uses.
        await self.flush()
        try:
            version = await self._retry(self.stores[0].version, 0)
        except _GaveUp:
            self._gave_up = True  # stopping during an outage: leave it for the next run
            return False
        self.db_version, self.db_version_known = version, True
        if table_versions.applies(version, increment):
            self.refused = None
            return True
        await self._refuse(table_versions.refusal(self.kind, version, increment))
        return False

    async def _refuse(self, reason: str) -> None:
        if reason != self.refused:
            log.error(
                "⛔ Incremental message refused: the database is not at its base version. "
                "Resync with FORCE_REPROCESS=true on the extractor",
                data_type=self.kind.value,
                reason=reason,
                hint=table_versions.RESYNC_HINT,
            )
        self.refused = reason
        # Closing the channel hands this message and every later one back to the queue; the
        # ones already in the inbox came on that channel and are dropped unacked.
        await self.cancel()
        stop = False
        while not self._inbox.empty():
            stop = self._inbox.get_nowait() is None or stop
        if stop:
            self._inbox.put_nowait(None)

    async def _record_version(self, message: FileComplete) -> bool:
        """After a file is stored: the database now reflects its version (False: outage, stop)."""
        version = message.version or version_of_dump_file(message.file)
        if version is None:
            return True  # an extractor that sends no version: nothing to record
        try:
            await self._retry(lambda: self.stores[0].set_version(version, message.mode), 0)
        except _GaveUp:
            self._gave_up = True
            return False
        self.db_version, self.db_version_known = version, True
        return True

    async def submit(self) -> None:
        """Hand the pending batch to a writer and go on collecting the next one.

        Up to one batch per store is written at once, while the next fills. A batch waits for
        any batch being written that holds one of its ids (so the later record wins), and
        batches are settled in the order they were submitted (so a ``multiple`` ack never
        covers a batch that has not committed).
        """
        pending = self._pending
        if not pending.messages:
            return
        self._pending = Pending()
        ids = pending.ids()
        while True:
            busy = [w for w in self._writing if not w.task.done()]
            clashing = [w for w in busy if w.ids & ids]
            if len(busy) < len(self.stores) and not clashing:
                break
            await asyncio.wait([w.task for w in (clashing or busy)], return_when=asyncio.FIRST_COMPLETED)
        previous = self._writing[-1].task if self._writing else None
        in_use = {id(w.store) for w in busy}
        store = next(candidate for candidate in self.stores if id(candidate) not in in_use)
        task = asyncio.create_task(self._write(pending, store, previous))
        self._writing = [*busy, Writing(pending, ids, task, store)]

    async def flush(self) -> bool:
        """Write everything delivered so far; True when all of it committed and was settled."""
        await self.submit()
        return await self._written()

    async def _written(self) -> bool:
        writing, self._writing = self._writing, []
        results = [await w.task for w in writing]
        failed, self._failed = self._failed, False
        return all(results) and not failed and not self._gave_up

    async def _write(self, pending: Pending, store: KindStore, previous: asyncio.Task[bool] | None) -> bool:
        """Store a batch, retrying outages; settle its messages after the previous batch's."""
        started = time.monotonic()
        try:
            outcome = None if self._gave_up else await self._store_with_retry(pending, store)
            if previous is not None:
                await asyncio.wait([previous])
            if outcome is None or self._gave_up:
                # Committed or not, nothing after a batch left unacked may be acked: a multiple
                # ack would cover it. The broker redelivers; the writes are idempotent.
                self._gave_up = True
                log.warning(
                    "⚠️ Leaving messages unacked for redelivery",
                    data_type=self.kind.value,
                    messages=len(pending.messages),
                )
                metrics.current().count_messages(self.kind, "requeued", len(pending.messages))
                self._failed = True
                return False
            good = []
            for index, message in enumerate(pending.messages):
                reason = outcome.failed.get(index)
                if reason is None:
                    good.append(message)
                else:
                    await self._dead_letter(message, reason, malformed=False)  # counted by the store
            await self._settle(good)
        except Exception:
            # Never leave them for a later multiple ack to settle: hand them back to the broker.
            log.exception("❌ Unexpected error writing a batch; requeueing it", data_type=self.kind.value)
            metrics.current().count_messages(self.kind, "requeued", len(pending.messages))
            for message in pending.messages:
                with contextlib.suppress(Exception):
                    await message.nack(requeue=True)
            self._failed = True
            return False
        self.stats.records += outcome.records
        self.stats.changed += outcome.changed
        self.stats.removed += outcome.removed
        self.stats.messages += len(good)
        self.stats.batches += 1
        metrics.current().count_batch(self.kind, time.monotonic() - started)
        return True

    async def _store_with_retry(self, pending: Pending, store: KindStore) -> StoreOutcome | None:
        try:
            return await self._retry(lambda: store.store(pending.rows), pending.count)
        except _GaveUp:
            return None

    async def _retry(self, call: Callable[[], _T], pending_records: int) -> _T:
        """Run a blocking database call in a thread, retrying outages; _GaveUp when stopping.

        A refusal no retry heals is handed to the service (which stops) and ends like a stop:
        nothing more is acked, the broker keeps the messages for the next run.
        """

        def failed(error: BaseException, delay: float) -> None:
            self._on_database(False, str(error))
            log.debug(
                "PostgreSQL unavailable, will retry",
                data_type=self.kind.value,
                retry_in=round(delay, 2),
                pending_records=pending_records,
            )

        try:
            outcome = await retry_transient(
                lambda: asyncio.to_thread(call),
                stop=self._stopping,
                retry_on=(DatabaseUnavailable,),
                on_retry=failed,
                initial=0.5,
                cap=self._max_backoff,
                tries_after_stop=FINAL_FLUSH_ATTEMPTS,
            )
        except (Stopped, DatabaseUnavailable):
            raise _GaveUp from None
        except PermanentFailure as failure:
            if self._on_permanent is not None:
                self._on_permanent(failure)
            self._stopping.set()
            raise _GaveUp from None
        self._on_database(True, None)
        return outcome

    async def _settle(self, messages: list[Any]) -> None:
        """Ack after commit: one ``multiple`` ack per channel, on its last delivery."""
        await ack_after_commit(messages, self.kind)

    async def _dead_letter(self, message: Any, reason: str, *, malformed: bool = True) -> None:
        self.stats.dead_lettered += 1
        counted = metrics.current()
        counted.count_messages(self.kind, "dead_lettered")
        if malformed:  # a message that cannot be decoded into rows (else: refused by PostgreSQL)
            counted.count_error("malformed_message")
        log.warning(
            "⚠️ Message dead-lettered",
            data_type=self.kind.value,
            reason=reason,
            message_id=getattr(message, "message_id", None),
            delivery_tag=getattr(message, "delivery_tag", None),
        )
        await reject_to_dead_letters(message, self.kind)


class _GaveUp(Exception):
    """Stopping during an outage: the attempts at the final flush are used up."""
