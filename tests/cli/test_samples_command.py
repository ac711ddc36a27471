"""`discogsography samples`: the bundled sample dumps, found from a clone as from a wheel."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from discogsography.cli.samples_command import samples_root
from tests.conftest import SAMPLES, sample_files


def _run(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "discogsography", "samples", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def test_lists_every_bundled_dump_file_and_checksum() -> None:
    listed = [Path(line) for line in _run().splitlines()]
    assert samples_root() == SAMPLES  # in a clone: the repository's samples/
    assert set(sample_files()) <= set(listed)
    assert {p.name for p in listed if p.suffix == ".txt"} == {
        "discogs_20200806_CHECKSUM.txt",
        "discogs_CHECKSUM.txt",
    }
    assert all(p.is_file() for p in listed)


def test_source_is_a_mirror_the_extractor_can_read() -> None:
    source = _run("--source").strip()
    assert source == (SAMPLES / "discogs_20200806").as_uri()
    assert (SAMPLES / "discogs_20200806" / "discogs_20200806_CHECKSUM.txt").is_file()
