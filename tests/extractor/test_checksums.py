from __future__ import annotations

import pytest

from discogsography.dumps.checksums import ChecksumError, parse_checksums
from tests.extractor.helpers import SAMPLES

A = "a" * 64
B = "B" * 64


def test_one_space_two_spaces_and_binary_star() -> None:
    text = f"{A} discogs_20260101_artists.xml.gz\n{B}  discogs_20260101_labels.xml.gz\n{A} *discogs_x.gz\n\n"
    assert parse_checksums(text) == {
        "discogs_20260101_artists.xml.gz": A,
        "discogs_20260101_labels.xml.gz": B.lower(),
        "discogs_x.gz": A,
    }


def test_real_sample_checksum_file() -> None:
    sums = parse_checksums((SAMPLES / "discogs_2025_2026" / "discogs_CHECKSUM.txt").read_text())
    assert len(sums) >= 4
    assert all(len(digest) == 64 for digest in sums.values())


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "nothex discogs_a.gz", f"{A}", f"{A} two names", "0123 short.gz"],
)
def test_malformed_checksum_files_are_refused(text: str) -> None:
    with pytest.raises(ChecksumError):
        parse_checksums(text)
