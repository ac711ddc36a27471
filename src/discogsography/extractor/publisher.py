"""Publishing one dump file: parse in a thread (or worker processes), publish with pipelined confirms.

The parser runs off the event loop and hands chunks of JSON lines over a bounded queue, so memory
stays flat however far the broker falls behind. Each chunk is cut into messages of
``records_per_message`` records (``encode_records``: one record is sent as itself, more as a
"records" envelope). Messages are persistent and mandatory; up to ``publish_window`` of them wait
for their confirms at once. A nack or a returned (unroutable) message counts as a failure, and a
file with any failure is never reported complete. Counters only move on confirms, so
``messages_published`` is what the broker has accepted.

Every record's (id, sha256) goes into the file's index as it is read (extractor/index.py). In
incremental mode the index also says, per record, whether the base version had it unchanged:
those are not published. Once the whole file is read and confirmed, the ids of the base that
the file lacks are published as deletion messages, and only after they are confirmed too is
the index put in place.
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
from aio_pika.abc import AbstractExchange

from discogsography.amqp.messages import (
    BATCH_TYPE,
    ChangeCounts,
    Increment,
    encode_deletions,
    encode_records,
)
from discogsography.amqp.topology import Topology
from discogsography.dumps.file_stats import FileStats
from discogsography.errors import DiscogsographyError
from discogsography.extractor.index import CHANGED, NEW, UNCHANGED, IndexBuilder
from discogsography.extractor.prefilter import KnownRecords
from discogsography.extractor.publish_channel import (
    PUBLISH_TIMEOUT_SECONDS,
    Completion,
    open_exchange,
    persistent_message,
    publish_file_complete,
)
from discogsography.extractor.publish_stats import PublishOptions
from discogsography.extractor.reading import END, QUEUE_CHUNKS, AbortedError, Chunk, open_reader
from discogsography.kinds import Kind
from discogsography.runtime import metrics
from discogsography.runtime.logs import get_logger
from discogsography.runtime.progress_bars import byte_progress

log = get_logger(__name__)

PROGRESS_EVERY_RECORDS = 5_000
# Records per hand-over from the reading thread; at most QUEUE_CHUNKS chunks wait.
CHUNK_TARGET_RECORDS = 1_000
# Bytes of unconfirmed message bodies, at most: with big batch messages the window in messages
# alone would let a slow broker pin a lot of memory.
MAX_UNCONFIRMED_BYTES = 16 << 20


class PublishError(DiscogsographyError):
    """Messages the broker did not accept (nacked, unroutable or timed out)."""


ProgressCallback = Callable[[FileStats], None]


@dataclass(frozen=True, slots=True)
class _ToPublish:
    """What a chunk leaves to publish once the unchanged records are dropped."""

    lines: list[bytes]
    read: int


@dataclass(frozen=True, slots=True)
class _InFlight:
    records: int
    batch: bool
    size: int
    removed: int = 0


class FilePublisher:
    """Publishes one dump file over its own connection; ``run`` returns when all is confirmed."""

    def __init__(
        self,
        path: Path,
        file_name: str,
        amqp_url: str,
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
        self.amqp_url = amqp_url
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
        self._connection: aio_pika.abc.AbstractConnection | None = None
        self._exchange: AbstractExchange | None = None
        self.kind: Kind | None = None

    async def __aenter__(self) -> FilePublisher:
        try:
            self._connection, self._exchange = await open_exchange(self.amqp_url, self.topology)
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
        options = self.options
        stats = self.stats
        counted = metrics.current()  # the reading thread does not see the service's context

        def on_failure(error: str) -> None:
            counted.count_error("record_skipped")
            log.warning("⚠️ Skipped a malformed record", file=self.file_name, error=error)

        reader = open_reader(
            self.path, options.parser_workers, on_failure, options.max_skipped_share, self.known
        )
        kind = self.kind = reader.kind
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[object] = asyncio.Queue(maxsize=QUEUE_CHUNKS)
        per_message = options.records_per_message
        chunk_records = max(per_message, (CHUNK_TARGET_RECORDS // per_message) * per_message)

        abort = threading.Event()

        def handover(item: object) -> None:
            if isinstance(item, Chunk):
                item = self._select(item)  # in the reading thread: SQLite releases the GIL
            pending = asyncio.run_coroutine_threadsafe(queue.put(item), loop)
            while True:
                try:
                    pending.result(timeout=0.5)
                    return
                except concurrent.futures.TimeoutError:
                    if abort.is_set():
                        pending.cancel()
                        raise AbortedError from None

        next_progress = PROGRESS_EVERY_RECORDS
        counted.file_bytes(kind, read=0, total=reader.compressed_size)
        with byte_progress(options.show_progress, reader.compressed_size, f"{kind.value:>8}") as bar:

            def advance(position: int) -> None:
                bar(position)
                counted.file_bytes(kind, read=position)

            thread = threading.Thread(
                target=reader.run,
                args=(chunk_records, self.stop, handover, advance),
                name=f"read-{kind.value}",
                daemon=True,
            )
            thread.start()
            # Lines left over from earlier chunks: in incremental mode a chunk keeps only a few of
            # its records, so messages are filled across chunks rather than sent one per chunk.
            carry: list[bytes] = []
            try:
                while True:
                    item = await queue.get()
                    if item is END:
                        if carry:
                            await self._publish_lines(carry)
                        break
                    if isinstance(item, BaseException):
                        # The records read before a damaged part are good: published and
                        # confirmed first, the ones held back to fill a message included.
                        if carry:
                            await self._publish_lines(carry)
                        await self._reap(asyncio.ALL_COMPLETED)
                        raise item
                    assert isinstance(item, _ToPublish)
                    carry.extend(item.lines)
                    whole = len(carry) - len(carry) % per_message
                    for start in range(0, whole, per_message):
                        await self._publish_lines(carry[start : start + per_message])
                    del carry[:whole]
                    stats.records_read += item.read
                    if self.on_records is not None:
                        self.on_records(kind, item.read)
                    if stats.records_read >= next_progress:
                        next_progress = (
                            stats.records_read // PROGRESS_EVERY_RECORDS + 1
                        ) * PROGRESS_EVERY_RECORDS
                        stats.records_skipped = reader.counters.skipped
                        stats.skipped_refs = reader.counters.skipped_refs
                        if self.on_progress is not None:
                            self.on_progress(stats)
                await self._reap(asyncio.ALL_COMPLETED)
            finally:
                abort.set()
                while not queue.empty():
                    queue.get_nowait()
                await asyncio.to_thread(thread.join)
                # Also when the file failed: the marker names what was skipped either way.
                stats.records_skipped = reader.counters.skipped
                stats.skipped_refs = reader.counters.skipped_refs
                stats.xml_bytes = reader.counters.xml_bytes
                stats.interrupted = self.stop.is_set()
                if self.on_progress is not None:
                    self.on_progress(stats)
        self._raise_failures()
        if not stats.interrupted:  # the whole file was read: what the base has beyond it is gone
            await self._publish_deletions()
            stats.interrupted = self.stop.is_set()
        self._raise_failures()
        if self.on_progress is not None:
            self.on_progress(stats)
        if not stats.interrupted and self.index is not None:
            await asyncio.to_thread(self.index.commit)
            self._index_done = True
        return stats

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
        kept = [line for line, state in zip(chunk.lines, states, strict=True) if state != UNCHANGED]
        changed = states.count(CHANGED)
        stats.changed += changed
        stats.new += states.count(NEW)
        stats.unchanged += len(states) - len(kept)
        return _ToPublish(kept, len(chunk))

    async def _publish_deletions(self) -> None:
        if self.index is None or self.increment is None:
            return
        batches = self.index.removed(self.options.records_per_message)
        while not self.stop.is_set():
            ids = await asyncio.to_thread(next, batches, None)
            if ids is None:
                break
            amqp_type, body = encode_deletions(self.kind or Kind.RELEASES, ids, self.increment)
            await self._publish(body, amqp_type, _InFlight(0, False, len(body), removed=len(ids)))
        await self._reap(asyncio.ALL_COMPLETED)

    async def _publish_lines(self, lines: list[bytes]) -> None:
        assert self.kind is not None
        amqp_type, body = encode_records(self.kind, lines, self.increment)
        await self._publish(body, amqp_type, _InFlight(len(lines), amqp_type == BATCH_TYPE, len(body)))

    async def _publish(self, body: bytes, amqp_type: str, what: _InFlight) -> None:
        """Publish one message; waits while the confirm window (messages or bytes) is full."""
        assert self._exchange is not None and self.kind is not None
        future = asyncio.ensure_future(
            self._exchange.publish(
                persistent_message(body, amqp_type),
                self.topology.routing_key(self.kind),
                mandatory=True,
                timeout=PUBLISH_TIMEOUT_SECONDS,
            )
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
        if not self._pending:
            return
        done, _ = await asyncio.wait(self._pending, return_when=when)
        stats, counted, kind = self.stats, metrics.current(), self.kind
        assert kind is not None  # set before the first message is published
        for future in done:
            what = self._pending.pop(future)
            self._pending_bytes -= what.size
            error = future.exception()
            if error is None:
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

    async def send_file_complete(
        self, total_processed: int, *, version: str | None = None, counts: ChangeCounts | None = None
    ) -> None:
        assert self._exchange is not None and self.kind is not None
        completion = Completion(self.kind, self.file_name, total_processed, version, self.increment, counts)
        await publish_file_complete(self._exchange, self.topology, completion)


__all__ = ["FilePublisher", "FileStats", "ProgressCallback", "PublishError", "PublishOptions"]
