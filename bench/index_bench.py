"""The published-records index at scale: build and diff 2,000,000 ids, memory sampled as it grows.

    uv run python bench/index_bench.py [--ids 2000000]

Two candidate structures, each used the way the extractor uses its index (chunks of 1,000
records in file order: store each (id, sha256), look each id up in the previous version's index;
at the end list the ids the new version lacks):

- sqlite: extractor/index.py itself (one B-tree keyed by id, a bounded page cache), with the
  16-byte XML digest of every record as the extractor keeps it;
- sorted fixed-width array: 40-byte records (id, sha256) in id order in a flat file, looked up
  by binary search over a memory map (what a numpy-free sorted array amounts to in Python).

Version A has the ids 1..N, version B drops 2 %, changes 5 % and adds 2 % new ids. Printed per
structure: seconds to build A, to diff B against A (lookups, writing B, listing removed ids),
bytes per id on disk, and the process's RSS after every quarter of B (VmRSS; mapped file pages
count in it). Each structure runs in a fresh process so the numbers do not mix.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import itertools
import mmap
import os
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from discogsography.extractor.index import IndexBuilder
from discogsography.kinds import Kind

CHUNK = 1000
RECORD = struct.Struct(">Q32s")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def digest(record_id: int, version: int) -> bytes:
    return hashlib.sha256(f"{record_id}:{version}".encode()).digest()


def xml(record_id: int, version: int) -> bytes:
    """Stands for the 16-byte digest of a record's raw XML the index also keeps."""
    return digest(record_id, version + 2)[:16]


def version_a(count: int) -> Iterator[tuple[int, int]]:
    return ((record_id, 0) for record_id in range(1, count + 1))


def version_b(count: int) -> Iterator[tuple[int, int]]:
    """(id, content version) of B in file order: 2 % gone, 5 % changed, 2 % new at the end."""
    for record_id in range(1, count + 1):
        slot = record_id % 100
        if slot >= 2:
            yield record_id, 1 if slot < 7 else 0
    yield from ((count + n, 0) for n in range(1, count // 50 + 1))


def chunks(pairs: Iterator[tuple[int, int]]) -> Iterator[list[tuple[int, int]]]:
    """Chunks of CHUNK records, generated as they go: the benchmark itself holds no list of ids."""
    while chunk := list(itertools.islice(pairs, CHUNK)):
        yield chunk


def quarter(count: int) -> int:
    """Chunks in a quarter of version B."""
    return max(1, (count - count // 50 + count // 50) // CHUNK // 4)


def run_sqlite(count: int, root: Path) -> dict[str, object]:
    started = time.perf_counter()
    builder = IndexBuilder(root, "20990101", Kind.RELEASES)
    for chunk in chunks(version_a(count)):
        builder.add([i for i, _ in chunk], [digest(i, v) for i, v in chunk], [xml(i, v) for i, v in chunk])
    base = builder.commit()
    built = time.perf_counter() - started
    samples = []
    started = time.perf_counter()
    builder = IndexBuilder(root, "20990201", Kind.RELEASES, base)
    states = [0, 0, 0]
    for number, chunk in enumerate(chunks(version_b(count)), 1):
        hashes, digests = [digest(i, v) for i, v in chunk], [xml(i, v) for i, v in chunk]
        for state in builder.add([i for i, _ in chunk], hashes, digests):
            states[state] += 1
        if number % quarter(count) == 0:
            samples.append(round(rss_mb()))
    removed = sum(len(ids) for ids in builder.removed(100))
    builder.commit()
    diffed = time.perf_counter() - started
    return {
        "build_s": round(built, 1),
        "diff_s": round(diffed, 1),
        "new_changed_unchanged": states,
        "removed": removed,
        "bytes_per_id": round(base.stat().st_size / count, 1),
        "rss_mb_by_quarter": samples,
    }


def run_array(count: int, root: Path) -> dict[str, object]:
    path = root / "a.bin"
    started = time.perf_counter()
    with path.open("wb") as out:  # ids already ascending: a real dump would need a sort first
        for chunk in chunks(version_a(count)):
            out.write(b"".join(RECORD.pack(i, digest(i, v)) for i, v in chunk))
    built = time.perf_counter() - started
    samples = []
    started = time.perf_counter()
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
        entries = len(view) // RECORD.size

        class Ids:
            def __len__(self) -> int:
                return entries

            def __getitem__(self, index: int) -> int:
                return int(RECORD.unpack_from(view, index * RECORD.size)[0])

        ids = Ids()
        states = [0, 0, 0]
        seen = bytearray(entries)  # which base entries B still has, for the removed ids
        with (root / "b.bin").open("wb") as out:
            for number, chunk in enumerate(chunks(version_b(count)), 1):
                for record_id, version in chunk:
                    new = digest(record_id, version)
                    at = bisect.bisect_left(ids, record_id)
                    if at < entries and ids[at] == record_id:
                        seen[at] = 1
                        states[2 if RECORD.unpack_from(view, at * RECORD.size)[1] == new else 1] += 1
                    else:
                        states[0] += 1
                    out.write(RECORD.pack(record_id, new))
                if number % quarter(count) == 0:
                    samples.append(round(rss_mb()))
        removed = entries - sum(seen)
    diffed = time.perf_counter() - started
    return {
        "build_s": round(built, 1),
        "diff_s": round(diffed, 1),
        "new_changed_unchanged": states,
        "removed": removed,
        "bytes_per_id": round(path.stat().st_size / count, 1),
        "rss_mb_by_quarter": samples,
    }


def main() -> None:
    options = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    options.add_argument("--ids", type=int, default=2_000_000)
    options.add_argument("--only", choices=("sqlite", "array"))
    args = options.parse_args()
    if args.only:
        with tempfile.TemporaryDirectory(prefix="dgbench-index-") as folder:
            run = run_sqlite if args.only == "sqlite" else run_array
            print(f"{args.only}: {run(args.ids, Path(folder))}")
        return
    for structure in ("sqlite", "array"):
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        subprocess.run(
            [sys.executable, __file__, "--ids", str(args.ids), "--only", structure], check=True, env=env
        )


if __name__ == "__main__":
    main()
