"""Split a stream of dump bytes into the raw bytes of each record, without parsing XML.

Every record starts with an opening (``KindSpec.record_opening``) that never occurs nested and
never inside text (Discogs text holds no raw '<'), so a record runs from one opening to the next,
or to the root's closing tag for the last one. Splitting first lets a malformed record be skipped
on its own, and lets worker processes parse records in parallel.

The stream is first cut into blocks of whole records (cheap: one search per chunk), which the
parallel parser ships to workers as they are; ``split_block`` then cuts a block into records.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from discogsography.errors import DumpError
from discogsography.kinds import KindSpec


@dataclass(frozen=True, slots=True)
class RawRecord:
    offset: int  # byte offset of the record's opening in the uncompressed XML
    xml: bytes  # the record element, possibly followed by whitespace


@dataclass(frozen=True, slots=True)
class Block:
    offset: int  # byte offset of the block's first record
    data: bytes  # whole records, starting at an opening


def split_block(block: Block, opening: bytes) -> list[RawRecord]:
    """Cut a block of whole records at each record opening."""
    data = block.data
    records = []
    start = 0
    step = len(opening)
    while True:
        following = data.find(opening, start + step)
        if following == -1:
            records.append(RawRecord(block.offset + start, data[start:]))
            return records
        records.append(RawRecord(block.offset + start, data[start:following]))
        start = following


class BlockSplitter:
    """Feed bytes in order from the start of the file; get blocks of whole records back."""

    def __init__(self, spec: KindSpec) -> None:
        self.opening = spec.record_opening
        self._root_close = b"</" + spec.root_tag.encode() + b">"
        self._buffer = b""
        self._buffer_offset = 0  # stream offset of self._buffer[0]
        self._in_records = False  # True once the buffer starts at a record opening
        self._closed = False

    def feed(self, data: bytes) -> Iterator[Block]:
        buffer = self._buffer + data if self._buffer else data
        if not self._in_records:
            first = buffer.find(self.opening)
            if first == -1:
                self._keep_tail(buffer)
                return
            self._in_records = True
            self._buffer_offset += first
            buffer = buffer[first:]
        last = buffer.rfind(self.opening)
        if last > 0:
            yield Block(self._buffer_offset, buffer[:last])
            self._buffer_offset += last
            buffer = buffer[last:]
        self._buffer = buffer

    def finish(self) -> Iterator[Block]:
        """At the end of the stream: the last records, after checking the root was closed."""
        root = self._root_close[2:-1].decode()
        if self._closed:
            return
        buffer = self._buffer
        end = buffer.rfind(self._root_close)
        if end == -1:
            raise DumpError(f"the XML ends before </{root}>: the file is truncated")
        if buffer[end + len(self._root_close) :].strip():
            raise DumpError(f"content after </{root}>")
        if self._in_records:
            yield Block(self._buffer_offset, buffer[:end])
        self._buffer = b""
        self._closed = True

    def _keep_tail(self, buffer: bytes) -> None:
        # Before the first record keep only what could still begin an opening or the root close
        # (a dump without records is just "<releases>\n</releases>").
        keep = max(len(self.opening), len(self._root_close))
        cut = max(0, len(buffer.rstrip()) - keep)
        self._buffer_offset += cut
        self._buffer = buffer[cut:]
