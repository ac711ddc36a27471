"""Split a stream of dump bytes into the raw bytes of each record, without parsing XML.

Every record starts with an opening (``KindSpec.record_opening``) that never occurs nested and
never inside text (Discogs text holds no raw '<'), so a record runs from one opening to the next,
or to the root's closing tag for the last one. Splitting first lets a malformed record be skipped
on its own, and lets worker processes parse records in parallel.
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


class RecordSplitter:
    """Feed bytes in order (from the start of the file); get complete raw records back."""

    def __init__(self, spec: KindSpec) -> None:
        self._opening = spec.record_opening
        self._root_close = b"</" + spec.root_tag.encode() + b">"
        self._buffer = b""
        self._buffer_offset = 0  # stream offset of self._buffer[0]
        self._in_record = False  # True once the buffer starts at a record opening
        self._closed = False  # the root's closing tag was seen

    def feed(self, data: bytes) -> Iterator[RawRecord]:
        if self._closed:
            if data.strip():
                raise DumpError(f"content after </{self._root_close[2:-1].decode()}>")
            return
        buffer = self._buffer + data if self._buffer else data
        opening = self._opening
        start = 0
        if not self._in_record:
            start = buffer.find(opening)
            if start == -1:
                self._keep_tail(buffer)
                return
            self._in_record = True
        base = self._buffer_offset
        while True:
            following = buffer.find(opening, start + len(opening))
            if following == -1:
                break
            yield RawRecord(base + start, buffer[start:following])
            start = following
        self._buffer = buffer[start:]
        self._buffer_offset = base + start

    def finish(self) -> Iterator[RawRecord]:
        """Called at the end of the stream: returns the last record, checks the root was closed."""
        if self._closed:
            return
        buffer = self._buffer
        end = buffer.rfind(self._root_close)
        if end == -1:
            raise DumpError(
                f"the XML ends before </{self._root_close[2:-1].decode()}>: the file is truncated"
            )
        if buffer[end + len(self._root_close) :].strip():
            raise DumpError(f"content after </{self._root_close[2:-1].decode()}>")
        if self._in_record:
            yield RawRecord(self._buffer_offset, buffer[:end])
        self._buffer = b""
        self._closed = True

    def _keep_tail(self, buffer: bytes) -> None:
        # Before the first record only keep what could still be the start of an opening or the
        # root close (an empty dump is just "<releases>\n</releases>").
        keep = max(len(self._opening), len(self._root_close))
        self._buffer_offset += max(0, len(buffer) - keep)
        self._buffer = buffer[-keep:]
