"""bench/next_version.py: the streamed derivation of a dump's next version."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import pytest
from make_dump import read_records
from next_version import NextVersion, Rates, record_id, split_records, write_next_version

from tests.conftest import KINDS, SAMPLES_2020

RELEASES = [f'<release id="{n}" status="Accepted"><title>T{n}</title></release>'.encode() for n in (3, 9, 4)]
FILE = b"<releases>\n" + RELEASES[0] + RELEASES[1] + b"\n" + RELEASES[2] + b"\n</releases>\n"


@pytest.mark.parametrize("size", [1, 2, 7, 50, len(FILE)])
def test_records_split_alike_whatever_the_chunk_size(size: int) -> None:
    chunks = [FILE[at : at + size] for at in range(0, len(FILE), size)]
    assert list(split_records(chunks, "releases")) == RELEASES


@pytest.mark.parametrize("kind", KINDS)
def test_a_real_sample_splits_as_make_dump_reads_it(kind: str) -> None:
    path = next(SAMPLES_2020.glob(f"*{kind}.xml.gz"))
    data = gzip.decompress(path.read_bytes())
    chunks = [data[at : at + 4096] for at in range(0, len(data), 4096)]
    assert list(split_records(chunks, kind)) == read_records(path, kind)


def derived(rates: Rates, seed: int = 7, count: int = 2000) -> tuple[list[bytes], NextVersion]:
    source = [f'<release id="{n}"><title>T</title></release>'.encode() for n in range(1, count + 1)]
    derivation = NextVersion("releases", random.Random(seed), rates)
    return list(derivation.records(source)), derivation


def test_counts_add_up_and_follow_the_rates() -> None:
    out, derivation = derived(Rates(changed=0.05, new=0.02, removed=0.02))
    counts = derivation.counts
    assert counts["removed"] + counts["changed"] + counts["unchanged"] == 2000
    assert len(out) == 2000 - counts["removed"] + counts["new"]
    assert counts["new"] == 40
    assert 50 < counts["changed"] < 150 and 15 < counts["removed"] < 65
    assert sum(b"Revised " in record for record in out[:-40]) == counts["changed"]  # new ones last


def test_new_records_get_fresh_ids_above_every_old_one() -> None:
    out, _ = derived(Rates(changed=0, new=0.1, removed=0))
    ids = [record_id(record, "releases") for record in out]
    assert ids == list(range(1, 2201))


def test_the_same_seed_gives_the_same_version() -> None:
    rates = Rates(changed=0.3, new=0.1, removed=0.1)
    assert derived(rates, seed=3)[0] == derived(rates, seed=3)[0]
    assert derived(rates, seed=3)[0] != derived(rates, seed=4)[0]


def test_zero_rates_copy_the_dump() -> None:
    out, derivation = derived(Rates(0, 0, 0))
    assert derivation.counts == {"removed": 0, "changed": 0, "new": 0, "unchanged": 2000}
    assert out == derived(Rates(0, 0, 0), seed=99)[0]


def test_a_written_version_has_a_valid_checksum_and_every_kind(tmp_path: Path) -> None:
    report = write_next_version(SAMPLES_2020, tmp_path, "20991215", Rates(), level=1)
    assert set(report) == set(KINDS)
    lines = (tmp_path / "discogs_20991215_CHECKSUM.txt").read_text().splitlines()
    assert len(lines) == 4
    for kind in KINDS:
        records = read_records(tmp_path / f"discogs_20991215_{kind}.xml.gz", kind)
        counts = report[kind]
        assert len(records) == counts["unchanged"] + counts["changed"] + counts["new"]
