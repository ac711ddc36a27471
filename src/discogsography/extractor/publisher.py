"""Publishing one dump file: parse in a thread (or worker processes), publish with pipelined confirms.

The parser runs off the event loop and hands chunks of JSON lines over a bounded queue, so memory
stays flat however far the broker falls behind. Each chunk is cut into messages of
``records_per_message`` records (``encode_records``: one record is sent as itself, more as a
"records" envelope). Messages are persistent and mandatory; up to ``publish_window`` of them wait
for their confirms at once. A returned (unroutable) message, a nack that outlasts NACK_ROUNDS or
a confirm that never comes counts as a failure, and a file with any failure is never reported
complete. Counters only move on confirms, so
``messages_published`` is what the broker has accepted.

Every record's (id, sha256) goes into the file's index as it is read (extractor/index.py). In
incremental mode the index also says, per record, whether the base version had it unchanged:
those are not published. Once the whole file is read and confirmed, the ids of the base that
the file lacks are published as deletion messages, and only after they are confirmed too is
the index put in place.

When the connection is lost mid-file (its node went away), the publisher moves to another node
of AMQP_CONNECTION (amqp/nodes.py) and publishes again every message that was not confirmed,
then goes on with the file: a message the lost node had taken may so arrive twice, which the
tableinator's hash comparison makes harmless. Only when no node takes it within
FAILOVER_ATTEMPTS does the file fail (and files.py processes it again). A message the broker
nacks (a quorum queue that lost the majority of its nodes cannot store it) is published again
after a wait, so publishing blocks until a majority is back (NACK_ROUNDS); the same goes for the
``file_complete``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aio_pika
import aiormq
from aio_pika.abc import AbstractExchange

from discogsography.amqp.messages import ChangeCounts, Increment
from discogsography.amqp.nodes import CONNECT_ERRORS, BrokerNodes
from discogsography.amqp.topology import Topology
from discogsography.dumps.file_stats import FileStats
from discogsography.errors import DiscogsographyError
from discogsography.extractor.index import IndexBuilder
from discogsography.extractor.message_packing import (
    PROGRESS_EVERY_RECORDS,
    Packed,
    chunk_records,
    fill_messages,
    next_progress_at,
    pack_deletions,
    pack_records,
    select_changed,
)
from discogsography.extractor.prefilter import KnownRecords
from discogsography.extractor.publish_channel import (
    PUBLISH_TIMEOUT_SECONDS,
    Completion,
    open_exchange,
    persistent_message,
    publish_file_complete,
)
from discogsography.extractor.publish_stats import PublishOptions
from discogsography.extractor.reading import (
    END,
    QUEUE_CHUNKS,
    AbortedError,
    Chunk,
    ProcessReader,
    ThreadReader,
    open_reader,
)
from discogsography.kinds import Kind
from discogsography.runtime import metrics
from discogsography.runtime.failures import is_permanent
from discogsography.runtime.logs import get_logger
from discogsography.runtime.progress_bars import byte_progress
from discogsography.runtime.retry import retrying

log = get_logger(__name__)

# Bytes of unconfirmed message bodies, at most: with big batch messages the window in messages
# alone would let a slow broker pin a lot of memory.
MAX_UNCONFIRMED_BYTES = 16 << 20
# Connection attempts after a lost connection before the file fails (backoff from 0.2 s, capped
# at FAILOVER_MAX_WAIT): about a minute in all, longer than a node takes to restart.
FAILOVER_ATTEMPTS = 20
FAILOVER_MAX_WAIT = 5.0
# A nacked message (a quorum queue that lost its majority) is published again after a wait
# doubling from 0.2 s up to NACK_WAIT_CAP, up to NACK_ROUNDS times in a row: about 3 minutes.
NACK_ROUNDS = 40
NACK_WAIT_CAP = 5.0
# What a publish that went down with its connection raises (a nack, a return or a timeout on a
# live connection is a failure of that message instead).
_NOT_A_LOSS = (aiormq.exceptions.DeliveryError, aiormq.exceptions.PublishError, TimeoutError)
# What a publish can raise when its connection went away: besides the connection errors, a
# publish on the channel that closed with it raises ChannelInvalidStateError (a RuntimeError).
_LOST = (*CONNECT_ERRORS, aiormq.exceptions.ChannelInvalidStateError)


class PublishError(DiscogsographyError):
    """Messages the broker did not accept (nacked, unroutable or timed out)."""


ProgressCallback = Callable[[FileStats], None]


def _is_nack(error: BaseException | None) -> bool:
    """A Basic.Nack (aiormq raises the same DeliveryError for a returned, unroutable message)."""
    frame = getattr(error, "frame", None)
    return isinstance(error, aiormq.exceptions.DeliveryError) and type(frame).__name__ == "Nack"


@dataclass(frozen=True, slots=True)
class _ToPublish:
    """What a chunk leaves to publish once the unchanged records are dropped."""

    lines: list[bytes]
    read: int


@dataclass(frozen=True, slots=True)
class _InFlight:
    message: Packed  # kept to publish it again should its connection be lost unconfirmed
    sequence: int  # publication order
    records: int
    batch: bool
    size: int
    removed: int = 0


Reader = ThreadReader | ProcessReader


class _Handoff:
    """The reading thread's chunks, selected in that thread, handed to the event loop over a
    bounded queue (at most QUEUE_CHUNKS wait), so memory stays flat however far the broker lags."""

    def __init__(self, select: Callable[[Chunk], _ToPublish]) -> None:
        self.queue: asyncio.Queue[object] = asyncio.Queue(maxsize=QUEUE_CHUNKS)
        self._select = select
        self._loop = asyncio.get_running_loop()
        self._abort = threading.Event()
        self._thread: threading.Thread | None = None

    def start(
        self, reader: Reader, records: int, stop: threading.Event, advance: Callable[[int], None], kind: Kind
    ) -> None:
        self._thread = threading.Thread(
            target=reader.run, args=(records, stop, self.put, advance), name=f"read-{kind.value}", daemon=True
        )
        self._thread.start()

    def put(self, item: object) -> None:
        """In the reading thread: select a chunk's records (SQLite releases the GIL), then wait
        for room in the queue; AbortedError once the publisher has gone."""
        if isinstance(item, Chunk):
            item = self._select(item)
        pending = asyncio.run_coroutine_threadsafe(self.queue.put(item), self._loop)
        while True:
            try:
                pending.result(timeout=0.5)
                return
            except concurrent.futures.TimeoutError:
                if self._abort.is_set():
                    pending.cancel()
                    raise AbortedError from None

    async def close(self) -> None:
        """Let the reading thread go (what waits is dropped) and wait for it to end."""
        self._abort.set()
        while not self.queue.empty():
            self.queue.get_nowait()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join)


class FilePublisher:
    """Publishes one dump file over its own connection; ``run`` returns when all is confirmed."""

    def __init__(
        self,
        path: Path,
        file_name: str,
        amqp_url: str | BrokerNodes,
        topology: Topology,
        options: PublishOptions,
        *,
        stop: threading.Event,
        on_progress: ProgressCallback | None = None,
        on_records: Callable[[Kind, int], None] | None = None,
        index: IndexBuilder | None = None,
        increment: Increment | None = None,
        known: KnownRecords | None = None,
    ) -> None:
        self.path = path
        self.file_name = file_name
        self.nodes = BrokerNodes.of(amqp_url)
        self.topology = topology
        self.options = options
        self.stop = stop
        self.on_progress = on_progress
        self.on_records = on_records
        self.stats = FileStats()
        self.index = index
        self.increment = increment  # None: full mode
        self.known = known  # the prefilter (PARSER_WORKERS=0)
        self._index_done = False
        self._pending: dict[asyncio.Future[Any], _InFlight] = {}
        self._pending_bytes = 0
        self._sequence = 0
        self._unconfirmed: list[_InFlight] = []  # lost with a connection, to publish again
        self._nacked: list[_InFlight] = []  # refused by the broker, to publish again after a wait
        self._nack_rounds = 0  # rounds of nacks in a row
        self._connection: aio_pika.abc.AbstractConnection | None = None
        self._exchange: AbstractExchange | None = None
        self.kind: Kind | None = None

    async def __aenter__(self) -> FilePublisher:
        try:
            self._connection, self._exchange = await open_exchange(self.nodes, self.topology)
        except (TimeoutError, aio_pika.exceptions.AMQPError, OSError):
            metrics.current().count_error("broker_unavailable")
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for future in self._pending:
            future.cancel()
        if self.index is not None and not self._index_done:
            self.index.discard()  # an interrupted or failed file never becomes a base
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
            self._connection = None

    async def purge_queue(self, kind: Kind) -> int:
        """Drop what waits in the kind's queue; returns how many messages that was."""
        assert self._connection is not None
        channel = await self._connection.channel()
        try:
            queue = await channel.get_queue(self.topology.queue(kind), ensure=True)
            result = await queue.purge()
            return int(getattr(result, "message_count", 0) or 0)
        finally:
            await channel.close()

    async def publish_records(self) -> FileStats:
        """Parse the file and publish every record; returns once every message is confirmed."""
        assert self._exchange is not None
        options, stats = self.options, self.stats
        counted = metrics.current()  # the reading thread does not see the service's context

        def on_failure(error: str) -> None:
            counted.count_error("record_skipped")
            log.warning("⚠️ Skipped a malformed record", file=self.file_name, error=error)

        reader = open_reader(
            self.path, options.parser_workers, on_failure, options.max_skipped_share, self.known
        )
        kind = self.kind = reader.kind
        counted.file_bytes(kind, read=0, total=reader.compressed_size)
        with byte_progress(options.show_progress, reader.compressed_size, f"{kind.value:>8}") as bar:

            def advance(position: int) -> None:
                bar(position)
                counted.file_bytes(kind, read=position)

            handoff = _Handoff(self._select)
            handoff.start(reader, chunk_records(options.records_per_message), self.stop, advance, kind)
            try:
                await self._publish_chunks(handoff.queue, reader)
            finally:
                await handoff.close()
                # Also when the file failed: the marker names what was skipped either way.
                self._take_skips(reader)
                stats.xml_bytes = reader.counters.xml_bytes
                stats.interrupted = self.stop.is_set()
                self._report()
        self._raise_failures()
        await self._finish()
        return stats

    async def _publish_chunks(self, queue: asyncio.Queue[object], reader: Reader) -> None:
        """Publish what the reading thread hands over, until its end or its error."""
        assert self.kind is not None
        stats, per_message = self.stats, self.options.records_per_message
        next_progress = PROGRESS_EVERY_RECORDS
        carry: list[bytes] = []  # lines held back to fill a message with the next chunk's
        while True:
            item = await queue.get()
            if item is END or isinstance(item, BaseException):
                # The records read before a damaged part are good: published and confirmed
                # first, the ones held back to fill a message included.
                if carry:
                    await self._publish_lines(carry)
                await self._reap(asyncio.ALL_COMPLETED)
                if isinstance(item, BaseException):
                    raise item
                return
            assert isinstance(item, _ToPublish)
            messages, carry = fill_messages(carry, item.lines, per_message)
            for lines in messages:
                await self._publish_lines(lines)
            stats.records_read += item.read
            if self.on_records is not None:
                self.on_records(self.kind, item.read)
            if stats.records_read >= next_progress:
                next_progress = next_progress_at(stats.records_read)
                self._take_skips(reader)
                self._report()

    def _take_skips(self, reader: Reader) -> None:
        self.stats.records_skipped = reader.counters.skipped
        self.stats.skipped_refs = reader.counters.skipped_refs

    def _report(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.stats)

    async def _finish(self) -> None:
        """Once the whole file is read and confirmed: the deletions, then the index put in place."""
        stats = self.stats
        if not stats.interrupted:  # the whole file was read: what the base has beyond it is gone
            await self._publish_deletions()
            stats.interrupted = self.stop.is_set()
        self._raise_failures()
        self._report()
        if not stats.interrupted and self.index is not None:
            await asyncio.to_thread(self.index.commit)
            self._index_done = True

    def _select(self, chunk: Chunk) -> _ToPublish:
        """Index a chunk's records; keep those to publish (all in full mode)."""
        if self.index is None:
            self.stats.new += len(chunk)
            return _ToPublish(chunk.lines, len(chunk))
        digests = [bytes.fromhex(digest) for digest in chunk.hashes]
        known = [not line for line in chunk.lines]  # the prefilter's hits come without a line
        states = self.index.add(chunk.ids, digests, chunk.xml, known)
        stats = self.stats
        if self.increment is None:
            stats.new += len(chunk)
            return _ToPublish(chunk.lines, len(chunk))
        selection = select_changed(chunk.lines, states)
        stats.changed += selection.changed
        stats.new += selection.new
        stats.unchanged += selection.unchanged
        return _ToPublish(selection.lines, len(chunk))

    async def _publish_deletions(self) -> None:
        if self.index is None or self.increment is None:
            return
        batches = self.index.removed(self.options.records_per_message)
        while not self.stop.is_set():
            ids = await asyncio.to_thread(next, batches, None)
            if ids is None:
                break
            await self._publish(pack_deletions(self.kind or Kind.RELEASES, ids, self.increment))
        await self._reap(asyncio.ALL_COMPLETED)

    async def _publish_lines(self, lines: list[bytes]) -> None:
        assert self.kind is not None
        await self._publish(pack_records(self.kind, lines, self.increment))

    async def _publish(self, message: Packed) -> None:
        """Publish one message; waits while the confirm window (messages or bytes) is full."""
        assert self._exchange is not None and self.kind is not None
        future = asyncio.ensure_future(
            self._exchange.publish(
                persistent_message(message.body, message.amqp_type),
                self.topology.routing_key(self.kind),
                mandatory=True,
                timeout=PUBLISH_TIMEOUT_SECONDS,
            )
        )
        self._sequence += 1
        what = _InFlight(
            message, self._sequence, message.records, message.batch, message.size, message.removed
        )
        self._pending[future] = what
        self._pending_bytes += what.size
        while (
            len(self._pending) >= self.options.publish_window or self._pending_bytes >= MAX_UNCONFIRMED_BYTES
        ):
            await self._reap(asyncio.FIRST_COMPLETED)

    def _raise_failures(self) -> None:
        stats = self.stats
        if stats.failures:
            raise PublishError(
                f"{self.file_name}: {stats.failures} messages were not accepted by the broker "
                f"(first: {stats.errors[0] if stats.errors else 'unknown'})"
            )

    async def _reap(self, when: str) -> None:
        while self._pending:
            done, _ = await asyncio.wait(self._pending, return_when=when)
            self._settle(done)
            if self._unconfirmed or self._nacked:
                await self._publish_again()  # what it publishes is awaited too (ALL_COMPLETED)
            if when != asyncio.ALL_COMPLETED:
                return

    def _settle(self, done: set[asyncio.Future[Any]]) -> None:
        """Count what was confirmed or refused; keep what went down with its connection, and
        what a quorum queue nacked, to publish it again."""
        stats, counted, kind = self.stats, metrics.current(), self.kind
        assert kind is not None  # set before the first message is published
        for future in done:
            what = self._pending.pop(future)
            self._pending_bytes -= what.size
            error = ConnectionError("cancelled") if future.cancelled() else future.exception()
            if error is not None and self._lost_with_connection(error):
                self._unconfirmed.append(what)
            elif _is_nack(error) and self._nack_rounds < NACK_ROUNDS:
                self._nacked.append(what)
            elif error is None:
                if self._nack_rounds:
                    log.info("▶️ The broker confirms again", file=self.file_name, node=self.nodes.node)
                    self._nack_rounds = 0
                stats.messages_published += 1
                stats.records_published += what.records
                stats.batches_sent += what.batch
                stats.removed += what.removed
                counted.count_messages(kind, "published")
                counted.count_records(kind, what.records)
            else:
                counted.count_error("message_not_accepted")
                stats.failures += 1
                if len(stats.errors) < 10:
                    stats.errors.append(f"{type(error).__name__}: {error}")

    def _lost_with_connection(self, error: BaseException) -> bool:
        connection = self._connection
        return not isinstance(error, _NOT_A_LOSS) or connection is None or connection.is_closed

    async def _publish_again(self) -> None:
        """Wait for the fate of every message still in flight; after a lost connection connect
        to a node that answers, after nacks wait a little; then publish again, in their order,
        the messages not confirmed."""
        if self._pending:
            done, _ = await asyncio.wait(self._pending, timeout=PUBLISH_TIMEOUT_SECONDS)
            self._settle(done)
            for future in list(self._pending):  # never answered: as good as lost
                future.cancel()
                self._unconfirmed.append(self._pending.pop(future))
            self._pending_bytes = 0
        again = sorted(self._unconfirmed + self._nacked, key=lambda what: what.sequence)
        lost, self._unconfirmed, self._nacked = bool(self._unconfirmed), [], []
        if lost:
            await self._reconnect(unconfirmed=len(again))
        else:
            await self._wait_after_nacks(len(again))
        for what in again:
            await self._publish(what.message)

    async def _wait_after_nacks(self, messages: int) -> None:
        """Nacked: a quorum queue without a majority of its nodes refuses what it cannot
        replicate. Publishing waits (backoff), then goes on over a new connection (the channel
        that saw the queue down keeps nacking it), until a majority is back."""
        self._nack_rounds += 1
        if self._nack_rounds == 1:
            metrics.current().count_error("message_not_accepted")
            log.warning(
                "⏸️ The broker refused messages (a queue without quorum?); publishing them again",
                file=self.file_name,
                node=self.nodes.node,
                messages=messages,
            )
        await asyncio.sleep(min(NACK_WAIT_CAP, 0.2 * 2 ** (self._nack_rounds - 1)))
        await self._open_again()

    async def _reconnect(self, *, unconfirmed: int) -> None:
        """The connection went down: connect to a node that answers (amqp/nodes.py)."""
        metrics.current().count_error("broker_unavailable")
        log.warning(
            "⚠️ RabbitMQ connection lost while publishing; moving to a node that answers",
            file=self.file_name,
            node=self.nodes.node,
            unconfirmed=unconfirmed,
        )
        await self._open_again()
        log.info("📤 Publishing the unconfirmed messages again", node=self.nodes.node, messages=unconfirmed)

    async def _open_again(self) -> None:
        """Close the connection, open one to the node the service is on, or another that answers."""
        old, self._connection, self._exchange = self._connection, None, None
        if old is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(old.close(), 5)
        async for attempt in retrying(
            None,
            attempts=FAILOVER_ATTEMPTS,
            initial=0.2,
            cap=FAILOVER_MAX_WAIT,
            worth_retrying=lambda exc: isinstance(exc, CONNECT_ERRORS) and not is_permanent(exc),
        ):
            with attempt:
                self._connection, self._exchange = await open_exchange(self.nodes, self.topology)

    async def send_file_complete(
        self, total_processed: int, *, version: str | None = None, counts: ChangeCounts | None = None
    ) -> None:
        """Publish the file's ``file_complete`` and wait for its confirm; a connection lost
        meanwhile is followed to another node, and a nack waited out, as for the records."""
        assert self.kind is not None
        completion = Completion(self.kind, self.file_name, total_processed, version, self.increment, counts)
        self._nack_rounds = 0
        for round_ in range(1, NACK_ROUNDS + 1):
            assert self._exchange is not None
            try:
                await publish_file_complete(self._exchange, self.topology, completion)
                return
            except aiormq.exceptions.DeliveryError as exc:
                if round_ == NACK_ROUNDS or not _is_nack(exc):
                    raise
                await self._wait_after_nacks(1)
            except _LOST as exc:
                if not self._lost_with_connection(exc) or round_ == NACK_ROUNDS:
                    raise
                await self._reconnect(unconfirmed=1)


__all__ = ["FilePublisher", "FileStats", "ProgressCallback", "PublishError", "PublishOptions"]
