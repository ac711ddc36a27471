"""Split a stream of dump bytes into the raw bytes of each record, without parsing XML.

A record is a child of the root element and runs from its opening tag to the closing tag that
balances it. Elements with the record's own tag name may nest inside a record (labels dumps of
2017 and earlier write sub-labels as ``<sublabels><label>Name</label></sublabels>``, later ones as
``<label id="N">``), so the splitter counts the openings and closings of that one tag name; it
never needs to look at any other tag, because Discogs text never holds a raw ``<``. Splitting first
lets a malformed record be skipped on its own, and lets worker processes parse records in parallel.

``RecordSplitter`` cuts the stream into blocks of whole records and notes where each record
starts (one scan of the bytes, in the main process); ``split_block`` then slices a block into its
records without searching again. A raw record runs from its opening to the next record's opening,
so anything between two records goes with the first and makes it fail to parse rather than vanish.

When a record's closing tag is missing, its span swallows the records that follow until the depth
balances again (or until ``MAX_OPEN_RECORD`` bytes, when the splitter stops trusting the depth and
resumes at the next opening). ``split_at_openings`` re-cuts such a span at every opening so that
the records it swallowed are still delivered (see ``records.parse_block``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from discogsography.errors import DumpError
from discogsography.kinds import KindSpec

# An unbalanced record is abandoned after this many bytes (the largest real records are tens of MB).
MAX_OPEN_RECORD = 128 * 1024 * 1024

_NAME_END = frozenset(b" \t\r\n/>")


@dataclass(frozen=True, slots=True)
class RawRecord:
    offset: int  # byte offset of the record's opening in the uncompressed XML
    xml: bytes  # the record element, possibly followed by whitespace


@dataclass(frozen=True, slots=True)
class Block:
    offset: int  # byte offset of the block's first record
    data: bytes  # whole records, starting at an opening
    starts: tuple[int, ...]  # where each record starts in data; starts[0] == 0


@dataclass(frozen=True, slots=True)
class RecordTag:
    """The byte patterns of one record tag name."""

    name: bytes
    prefix: bytes  # b"<label": also the start of <labels>, told apart by the byte after it
    close: bytes  # b"</label>"
    start_tag: re.Pattern[bytes]  # a whole start tag, attribute values may hold '>'


@cache
def record_tag(name: str) -> RecordTag:
    encoded = name.encode()
    start_tag = re.compile(rb"<" + re.escape(encoded) + rb"(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
    return RecordTag(encoded, b"<" + encoded, b"</" + encoded + b">", start_tag)


_MORE = -1  # the bytes end before the tag could be read: wait for more
_OTHER = -2  # a longer tag name that starts the same (<labels> for <label)


def _read_start_tag(tag: RecordTag, data: bytes, at: int, final: bool) -> tuple[int, bool]:
    """At ``data[at:]`` = tag.prefix: (end of the start tag, self-closing) or (_MORE/_OTHER, False)."""
    after = at + len(tag.prefix)
    if after >= len(data):
        return (_OTHER if final else _MORE), False
    if data[after] not in _NAME_END:
        return _OTHER, False
    match = tag.start_tag.match(data, at)
    if match is not None:
        end = match.end()
        return end, data[end - 2] == 0x2F  # "/>"
    gt = data.find(b">", at)
    if gt == -1:
        return (len(data) if final else _MORE), False
    return gt + 1, False  # an unbalanced quote: malformed, the record parser reports it


def split_after_opening(raw: RawRecord, tag: RecordTag) -> list[RawRecord]:
    """Re-cut a span that failed to parse, taking its first start tag as the whole first record.

    For a record whose closing tag is missing, the records it swallowed come out whole again
    (each balanced on its own); the first piece is the broken record.
    """
    data = raw.xml
    end, _ = _read_start_tag(tag, data, 0, final=True)
    starts = [0]
    _scan(tag, data, max(end, 1), 0, starts, final=True)
    starts.append(len(data))
    return [
        RawRecord(raw.offset + starts[i], data[starts[i] : starts[i + 1]]) for i in range(len(starts) - 1)
    ]


def split_block(block: Block) -> list[RawRecord]:
    """The records of a block, from the starts the splitter noted."""
    data, base, starts = block.data, block.offset, block.starts
    last = len(starts) - 1
    return [
        RawRecord(base + start, data[start : starts[i + 1] if i < last else len(data)])
        for i, start in enumerate(starts)
    ]


class RecordSplitter:
    """Feed bytes in order from the start of the file; get blocks of whole records back."""

    def __init__(self, spec: KindSpec) -> None:
        self.tag = record_tag(spec.record_tag)
        self._root_close = b"</" + spec.root_tag.encode() + b">"
        self._buffer = b""
        self._base = 0  # stream offset of self._buffer[0]
        self._starts: list[int] = []  # record starts in the buffer; the last may still be open
        self._pos = 0  # where the scan resumes in the buffer
        self._depth = 0  # open record-tag elements at _pos: 0 between records
        self._closed = False

    def feed(self, data: bytes) -> Iterator[Block]:
        buffer = self._buffer + data if self._buffer else data
        starts = self._starts
        self._pos, self._depth = _scan(self.tag, buffer, self._pos, self._depth, starts, final=False)
        if len(starts) >= 2:
            first, last = starts[0], starts[-1]
            relative = tuple(starts[:-1]) if first == 0 else tuple(s - first for s in starts[:-1])
            yield Block(self._base + first, buffer[first:last], relative)
            self._buffer = buffer[last:]
            self._base += last
            self._pos -= last
            self._starts = [0]
        elif not starts:
            # Before the first record keep only what could still begin an opening or the root
            # close (a dump without records is just "<releases>\n</releases>").
            cut = max(0, min(self._pos, len(buffer.rstrip()) - len(self._root_close)))
            self._buffer = buffer[cut:]
            self._base += cut
            self._pos -= cut
        else:
            self._buffer = buffer

    def finish(self) -> Iterator[Block]:
        """At the end of the stream: the last records, after checking the root was closed."""
        if self._closed:
            return
        root = self._root_close[2:-1].decode()
        buffer = self._buffer
        end = buffer.rfind(self._root_close)
        if end == -1:
            raise DumpError(f"the XML ends before </{root}>: the file is truncated")
        if buffer[end + len(self._root_close) :].strip():
            raise DumpError(f"content after </{root}>")
        self._buffer = buffer[:end]
        self._pos, self._depth = _scan(
            self.tag, self._buffer, self._pos, self._depth, self._starts, final=True
        )
        starts = self._starts
        if starts:
            first = starts[0]
            yield Block(self._base + first, self._buffer[first:], tuple(s - first for s in starts))
        self._buffer = b""
        self._starts = []
        self._closed = True


_FAST = -1  # inside a record, no nesting seen: only the next opening is searched for
_SPACE = b" \t\r\n"


def _scan(
    tag: RecordTag, data: bytes, pos: int, depth: int, starts: list[int], final: bool
) -> tuple[int, int]:
    """Scan ``data`` from ``pos`` in state ``depth``, appending each record start to ``starts``.

    ``depth`` is 0 between records, ``_FAST`` inside a record while the common case holds, and
    the count of open record-tag elements once something nests. The common case costs one
    search per record: the next opening of the tag is found, and when the bytes before it end
    with the closing tag, the record before it is whole (no opening lies between, so that
    closing balances it). Otherwise the record is scanned again from its start, counting depth.
    Returns where to resume and the state there; stops where a tag may be cut by the end of
    the bytes (unless ``final``).
    """
    prefix, close = tag.prefix, tag.close
    size = len(data)
    while True:
        if depth >= 1:
            closing = data.find(close, pos)
            at = data.find(prefix, pos, size if closing == -1 else closing)
            if at != -1:
                end, self_closing = _read_start_tag(tag, data, at, final)
                if end == _MORE:
                    return at, depth
                pos = at + 1 if end == _OTHER else end
                if end != _OTHER and not self_closing:
                    depth += 1
                continue
            if closing != -1:
                depth -= 1
                pos = closing + len(close)
                continue
            # Neither found: resume where a tag cut by the end of the bytes could begin.
            if size - starts[-1] > MAX_OPEN_RECORD:
                return max(pos, size - len(close) + 1), 0  # a closing tag is missing: resync
            return max(pos, size - len(close) + 1), depth
        at = data.find(prefix, pos)
        if at == -1:
            return max(pos, size - len(prefix) + 1), depth
        after = at + len(prefix)
        if after >= size:
            if final:
                return size, depth
            return at, depth
        if data[after] not in _NAME_END:
            pos = at + 1  # a longer name that starts the same: <labels>, <released>
            continue
        if depth == _FAST:
            end = at
            while end > 0 and data[end - 1] in _SPACE:
                end -= 1
            if not data.startswith(close, end - len(close)):
                # Self-closing, something nests in it, or broken: read the open record again
                # from its start tag, counting depth.
                pos, self_closing = _read_start_tag(tag, data, starts[-1], True)
                depth = 0 if self_closing else 1
                continue
        starts.append(at)
        pos = after
        depth = _FAST
