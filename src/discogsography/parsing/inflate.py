"""Inflating a gzip dump file, member after member, with ISA-L (python-isal).

ISA-L inflates these files in about a third of zlib's CPU time (bench/floor_bench.py), and
inflating is the main process's largest cost in `parse`, `load` and `export`. The members are
read here rather than through ``isal.igzip`` so that everything inflated before a truncation or a
corruption is handed over first: a truncated dump still delivers every record that was whole.

The same rules as Python's gzip module: members follow each other, zero bytes may pad the end,
anything else after a member is an error; each member's CRC-32 and length are checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from isal import isal_zlib

GZIP_MAGIC = b"\x1f\x8b"
_GZIP_WBITS = 16 + 15  # the gzip header and trailer, a 32 KB window
READ_SIZE = 64 * 1024  # compressed bytes per read: about 400 KB inflated
# The most bytes one call hands back, whatever the input expands to (a run of zeros inflates
# a thousandfold).
PIECE_LIMIT = 1 << 20


class CorruptGzip(Exception):
    """The compressed bytes are not valid gzip (the message says how)."""


def inflate(raw: BinaryIO, read_size: int = READ_SIZE) -> Iterator[bytes]:
    """The uncompressed bytes of the gzip stream ``raw``, in pieces of at most PIECE_LIMIT.

    Raises EOFError where the stream ends inside a member, CorruptGzip where it is damaged.
    """
    decompressor = isal_zlib.decompressobj(_GZIP_WBITS)
    in_member = False  # bytes of the current member were read
    pending = b""
    while True:
        data = pending or raw.read(read_size)
        pending = b""
        if not data:
            if in_member:
                raise EOFError("the stream ends inside a gzip member")
            return
        if not in_member:
            data = data.lstrip(b"\x00")  # padding after the last member
            if not data:
                continue
            if len(data) < len(GZIP_MAGIC):
                data += raw.read(read_size)  # the magic itself may straddle two reads
            if not data.startswith(GZIP_MAGIC):
                raise CorruptGzip(f"not a gzip member after the end of the previous one ({data[:2]!r})")
            in_member = True
        try:
            while data:
                piece = decompressor.decompress(data, PIECE_LIMIT)
                if piece:
                    yield piece
                data = decompressor.unconsumed_tail
        except isal_zlib.error as exc:  # type: ignore[misc]  # the stub types the class as an instance
            raise CorruptGzip(str(exc)) from None
        if decompressor.eof:
            pending = decompressor.unused_data
            decompressor = isal_zlib.decompressobj(_GZIP_WBITS)
            in_member = False
