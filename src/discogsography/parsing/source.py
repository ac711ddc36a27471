"""Reading a dump file: gzip or plain XML, its kind from the root element, its bytes in chunks.

All the ways a file can be unreadable as a whole end here as one DumpError with a clear message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from discogsography.errors import DumpError
from discogsography.kinds import KIND_BY_ROOT_TAG, Kind
from discogsography.parsing.inflate import GZIP_MAGIC, CorruptGzip, inflate

CHUNK_SIZE = 1 << 20
# How far into the file the root element must start (an XML declaration and comments fit).
PROLOG_LIMIT = 64 * 1024

_PROLOG_SKIP = re.compile(rb"\s*(?:<\?[^>]*\?>|<!--.*?-->)", re.DOTALL)
_ROOT = re.compile(rb"<([A-Za-z_][\w.\-]*)[\s>/]")


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as exc:
        raise DumpError(f"{path}: cannot open: {exc.strerror or exc}") from None


def _pieces(raw: BinaryIO, chunk_size: int) -> Iterator[bytes]:
    """The file's uncompressed bytes: inflated when it starts as gzip, as read otherwise."""
    magic = raw.read(len(GZIP_MAGIC))
    raw.seek(0)
    if magic == GZIP_MAGIC:
        return inflate(raw)
    return iter(lambda: raw.read(chunk_size), b"")


def read_chunks(pieces: Iterator[bytes], path: Path, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Yield the uncompressed bytes in chunks of about chunk_size.

    Hands over what was inflated before any failure, so the records before a truncation or
    corruption still arrive; the failure then becomes a DumpError.
    """
    gathered: list[bytes] = []
    size = 0
    while True:
        try:
            piece = next(pieces, b"")
        except EOFError:
            failure = f"{path}: the gzip stream ends early: the file is truncated"
        except CorruptGzip as exc:
            failure = f"{path}: corrupt gzip data: {exc}"
        except OSError as exc:
            failure = f"{path}: read failed: {exc}"
        else:
            if piece:
                gathered.append(piece)
                size += len(piece)
                if size >= chunk_size:
                    yield b"".join(gathered)
                    gathered, size = [], 0
                continue
            if gathered:
                yield b"".join(gathered)
            return
        if gathered:
            yield b"".join(gathered)
        raise DumpError(failure)


def detect_kind(head: bytes, path: Path) -> Kind:
    """The kind of a dump from its first bytes; refuses DOCTYPEs, which Discogs never writes."""
    if not head.strip():
        raise DumpError(f"{path}: the file is empty")
    data = head.removeprefix(b"\xef\xbb\xbf")
    position = 0
    while match := _PROLOG_SKIP.match(data, position):
        position = match.end()
    rest = data[position:].lstrip()
    if rest.startswith(b"<!DOCTYPE"):
        raise DumpError(f"{path}: has a DOCTYPE; Discogs dumps have none, refusing to read it")
    root = _ROOT.match(rest)
    if root is None:
        raise DumpError(f"{path}: not XML (no root element in the first {PROLOG_LIMIT} bytes)")
    tag = root.group(1).decode("ascii", "replace")
    kind = KIND_BY_ROOT_TAG.get(tag)
    if kind is None:
        known = ", ".join(f"<{k.spec.root_tag}>" for k in Kind)
        raise DumpError(f"{path}: not a Discogs dump: root element <{tag}> (expected one of {known})")
    return kind


class DumpSource:
    """An open dump file: its kind, its compressed size and its uncompressed chunks."""

    def __init__(self, path: Path, chunk_size: int = CHUNK_SIZE) -> None:
        self.path = path
        try:
            self.compressed_size = path.stat().st_size
        except OSError as exc:
            raise DumpError(f"{path}: cannot open: {exc.strerror or exc}") from None
        self._raw = _open(path)
        try:
            pieces = _pieces(self._raw, chunk_size)
        except OSError as exc:
            self._raw.close()
            raise DumpError(f"{path}: read failed: {exc}") from None
        self._chunks = read_chunks(pieces, path, chunk_size)
        self._closed_at: int | None = None
        self._head = b""
        for chunk in self._chunks:
            self._head += chunk
            if len(self._head) >= PROLOG_LIMIT:
                break
        self.kind = detect_kind(self._head[:PROLOG_LIMIT], path)

    def chunks(self) -> Iterator[bytes]:
        if self._head:
            head, self._head = self._head, b""
            yield head
        yield from self._chunks

    def compressed_position(self) -> int:
        """How many bytes of the file were read so far (for progress on compressed files); after
        close, where reading stopped."""
        if self._closed_at is not None:
            return self._closed_at
        try:
            return int(self._raw.tell())
        except (OSError, ValueError, AttributeError):
            return 0

    def close(self) -> None:
        if self._closed_at is None:
            self._closed_at = self.compressed_position()
        self._raw.close()

    def __enter__(self) -> DumpSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
