"""parsing/inflate.py: gzip members inflated with ISA-L, by the same rules as Python's gzip."""

from __future__ import annotations

import gzip
import io
import random
import zlib

import pytest

from discogsography.parsing.inflate import PIECE_LIMIT, CorruptGzip, inflate


def _text(size: int, seed: int) -> bytes:
    rng = random.Random(seed)
    words = [b"<release>", b"</release>", b"Caf\xc3\xa9", b"title", b" ", b"\n", b"1999"]
    return b"".join(rng.choice(words) for _ in range(size))


def _inflated(data: bytes, read_size: int = 256 * 1024) -> bytes:
    return b"".join(inflate(io.BytesIO(data), read_size))


@pytest.mark.parametrize("read_size", [1, 2, 7, 4096, 256 * 1024])
def test_members_padding_and_any_read_size_give_what_gzip_gives(read_size: int) -> None:
    members = [
        gzip.compress(_text(n, n), compresslevel=level) for n, level in ((3000, 1), (1, 9), (20000, 6))
    ]
    data = b"".join(members) + b"\x00" * 5
    assert _inflated(data, read_size) == gzip.decompress(data)


def test_an_empty_member_gives_nothing() -> None:
    assert _inflated(gzip.compress(b"")) == b""


def test_pieces_are_bounded_whatever_the_input_expands_to() -> None:
    data = gzip.compress(b"\x00" * (20 * PIECE_LIMIT))
    pieces = list(inflate(io.BytesIO(data)))
    assert max(len(piece) for piece in pieces) <= PIECE_LIMIT
    assert sum(len(piece) for piece in pieces) == 20 * PIECE_LIMIT


def test_a_truncated_stream_hands_over_everything_before_the_cut() -> None:
    data = gzip.compress(_text(200_000, 1))
    cut = data[: len(data) // 2]
    readable = zlib.decompressobj(31).decompress(cut)
    got: list[bytes] = []
    with pytest.raises(EOFError):
        got.extend(inflate(io.BytesIO(cut)))
    assert b"".join(got) == readable


def test_a_changed_byte_is_found() -> None:
    data = bytearray(gzip.compress(_text(50_000, 2)))
    data[-6] ^= 0xFF  # in the CRC-32 of the trailer
    with pytest.raises(CorruptGzip, match="checksum"):
        _inflated(bytes(data))


def test_bytes_after_a_member_that_are_no_member_are_an_error() -> None:
    with pytest.raises(CorruptGzip, match="not a gzip member"):
        _inflated(gzip.compress(b"<labels></labels>") + b"junk")
