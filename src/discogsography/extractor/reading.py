"""Reading a dump file into chunks of JSON lines, off the event loop.

Two ways, chosen by PARSER_WORKERS:

- 0: the parser runs in a thread of the service process. Parsing and publishing then share one
  interpreter lock, so the service uses about one core.
- 1 or more: the parser runs in a separate process (``DumpParser(workers=N)`` there, so 2+ fans
  out further) and sends chunks back over a bounded multiprocessing queue. Parsing gets a core of
  its own while the service process publishes; on 2 cores this is the fastest arrangement.

Either way a thread of the service calls ``handover`` for each chunk (blocking while the service's
bounded queue is full), then for the end marker or the error. The parser process ignores SIGINT
and SIGTERM: the service decides when it stops, through the ``stop`` event.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from discogsography.errors import DiscogsographyError, DumpError, RecordError
from discogsography.extractor.prefilter import KnownRecords
from discogsography.kinds import Kind
from discogsography.parsing import DumpParser

Handover = Callable[[object], None]
QUEUE_CHUNKS = 8


class AbortedError(Exception):
    """The service gave up on this file; the reading thread ends quietly."""


# Skipped records named (by id or byte offset) in the marker and the end-of-file log line; all are counted.
MAX_NAMED_SKIPS = 100


class End:
    """Handed over after the last chunk."""


END = End()


@dataclass(slots=True)
class Chunk:
    """Records in file order: their JSON lines and, alongside, what the index keeps of them.

    A record the prefilter knew unchanged has an empty line: it was not parsed.
    """

    lines: list[bytes] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)  # sha256, hex
    xml: list[bytes | None] = field(default_factory=list)  # digest of the raw XML, if known

    def __len__(self) -> int:
        return len(self.lines)


DigestOf = Callable[[int], "bytes | None"]


@dataclass(slots=True)
class ReadCounters:
    skipped: int = 0
    xml_bytes: int = 0
    skipped_refs: list[str] = field(default_factory=list)  # the first skipped records: "id 7"

    def add_skipped(self, ref: str) -> None:
        self.skipped += 1
        if len(self.skipped_refs) < MAX_NAMED_SKIPS:
            self.skipped_refs.append(ref)


def _chunks(
    parser: DumpParser, chunk_records: int, should_stop: Callable[[], bool], digest_of: DigestOf | None = None
) -> Iterator[tuple[Chunk, int]]:
    """(chunk, compressed position) pairs; stops early (after a whole chunk) when asked."""
    records = iter(parser)
    chunk = Chunk()
    try:
        for record in records:
            chunk.lines.append(record.json)
            chunk.ids.append(record.id)
            chunk.hashes.append(record.sha256)
            chunk.xml.append(digest_of(record.id) if digest_of is not None else None)
            if len(chunk.lines) >= chunk_records:
                yield chunk, parser.source.compressed_position()
                chunk = Chunk()
                if should_stop():
                    break
        if chunk:
            yield chunk, parser.source.compressed_position()
    except DumpError:
        # The records parsed before the damage are good: hand them over, then report it.
        if chunk:
            yield chunk, parser.source.compressed_position()
        raise
    finally:
        close = getattr(records, "close", None)
        if close is not None:
            close()  # ends parser worker processes when reading stopped early


class ThreadReader:
    def __init__(
        self,
        path: Path,
        on_failure: Callable[[str], None],
        max_skipped_share: float,
        known: KnownRecords | None = None,
    ) -> None:
        self.counters = ReadCounters()
        self.known = known

        def skipped(error: RecordError) -> None:
            self.counters.add_skipped(error.ref)
            on_failure(str(error))

        self.parser = DumpParser(
            path, max_skipped_share=max_skipped_share, on_failure=skipped, prefilter=known
        )
        self.kind: Kind = self.parser.kind
        self.compressed_size = self.parser.source.compressed_size

    def run(
        self, chunk_records: int, stop: threading.Event, handover: Handover, advance: Callable[[int], None]
    ) -> None:
        try:
            digest_of = self.known.take if self.known is not None else None
            for chunk, position in _chunks(self.parser, chunk_records, stop.is_set, digest_of):
                handover(chunk)
                advance(position)
            self.counters.xml_bytes = self.parser.stats.xml_bytes
            handover(END)
        except AbortedError:
            pass
        except BaseException as exc:
            with contextlib.suppress(AbortedError):
                handover(exc)

    def terminate(self) -> None:
        pass


def parse_in_child(
    path: str, workers: int, chunk_records: int, out: Any, stop: Any, max_skipped_share: float
) -> None:
    """Body of the parser process: messages ("records", chunk, position), ("skipped", text, ref),
    ("end", skipped, xml_bytes) or ("error", one-line message, is_dump_error)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        parser = DumpParser(
            path,
            workers=workers,
            max_skipped_share=max_skipped_share,
            on_failure=lambda error: out.put(("skipped", str(error), error.ref)),
        )
        for chunk, position in _chunks(parser, chunk_records, stop.is_set):
            out.put(("records", chunk, position))
        out.put(("end", parser.stats.skipped, parser.stats.xml_bytes))
    except DiscogsographyError as exc:
        out.put(("error", str(exc), isinstance(exc, DumpError)))
    except BaseException as exc:
        out.put(("error", f"{type(exc).__name__}: {exc}", False))


class ParserProcessError(DiscogsographyError):
    """The parser process failed in a way that is not a problem of the dump."""


class ProcessReader:
    def __init__(
        self, path: Path, workers: int, on_failure: Callable[[str], None], max_skipped_share: float
    ) -> None:
        probe = DumpParser(path)  # only to learn the kind and size before the child starts
        self.kind = probe.kind
        self.compressed_size = probe.source.compressed_size
        probe.source.close()
        self.path = path
        self.workers = workers
        self.on_failure = on_failure
        self.max_skipped_share = max_skipped_share
        self.counters = ReadCounters()
        # forkserver, not fork: the service runs threads, and the child stays small.
        self._context = multiprocessing.get_context("forkserver")
        self._process: Any = None

    def run(
        self, chunk_records: int, stop: threading.Event, handover: Handover, advance: Callable[[int], None]
    ) -> None:
        context = self._context
        out = context.Queue(maxsize=QUEUE_CHUNKS)
        child_stop = context.Event()
        self._process = context.Process(
            target=parse_in_child,
            args=(str(self.path), self.workers, chunk_records, out, child_stop, self.max_skipped_share),
            name=f"parse-{self.kind.value}",
            daemon=False,  # with PARSER_WORKERS >= 2 it starts parser workers of its own
        )
        self._process.start()
        try:
            while True:
                if stop.is_set():
                    child_stop.set()
                try:
                    message = out.get(timeout=0.5)
                except queue.Empty:
                    if not self._process.is_alive() and out.empty():
                        raise ParserProcessError(
                            f"{self.path.name}: the parser process ended unexpectedly "
                            f"(exit code {self._process.exitcode})"
                        ) from None
                    continue
                tag = message[0]
                if tag == "records":
                    handover(message[1])
                    advance(message[2])
                elif tag == "skipped":
                    self.counters.add_skipped(message[2])
                    self.on_failure(message[1])
                elif tag == "end":
                    self.counters.skipped, self.counters.xml_bytes = message[1], message[2]
                    handover(END)
                    return
                else:
                    error_type = DumpError if message[2] else ParserProcessError
                    raise error_type(message[1])
        except AbortedError:
            pass
        except BaseException as exc:
            with contextlib.suppress(AbortedError):
                handover(exc)
        finally:
            child_stop.set()
            self.terminate()
            out.close()
            out.cancel_join_thread()

    def terminate(self) -> None:
        process = self._process
        if process is None:
            return
        process.join(timeout=0.2)
        if process.is_alive():
            process.terminate()
            process.join(timeout=5)


def open_reader(
    path: Path,
    workers: int,
    on_failure: Callable[[str], None],
    max_skipped_share: float,
    known: KnownRecords | None = None,
) -> ThreadReader | ProcessReader:
    """The reader for PARSER_WORKERS; only the thread reader uses the prefilter (``known``)."""
    if workers <= 0:
        return ThreadReader(path, on_failure, max_skipped_share, known)
    return ProcessReader(path, workers, on_failure, max_skipped_share)
