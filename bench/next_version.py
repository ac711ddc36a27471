"""Next month's dump from a dump, streamed: some records changed, some new, some removed.

The derivation reads each file once, record by record, and writes as it reads, so its memory
does not grow with the dump: the only state kept is the largest id seen, the counts, and a
bounded reservoir of records that the new ones are copied from (new records are copies of real
ones with ids above the largest). A seeded random generator makes every choice, so the same
arguments always give the same dump. bench/make_refresh.py is its command line.
"""

from __future__ import annotations

import gzip
import hashlib
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from make_dump import ID_PATTERNS, KINDS, RECORD_OPENINGS

# What "changed" edits: the title or name, else the data quality (every kind has one).
CHANGE_TARGETS = {
    "releases": (b"<title>", b"<data_quality>"),
    "masters": (b"<title>", b"<data_quality>"),
    "artists": (b"<name>", b"<data_quality>"),
    "labels": (b"<name>", b"<data_quality>"),
}
READ_BYTES = 1 << 20
RESERVOIR = 1000  # records new ones are copied from; bounded so memory stays flat


@dataclass(frozen=True)
class Rates:
    changed: float = 0.05
    new: float = 0.02
    removed: float = 0.02


def change(record: bytes, kind: str) -> bytes | None:
    """The record with "Revised " put before its title or name (None when it has neither)."""
    for opening in CHANGE_TARGETS[kind]:
        at = record.find(opening)
        if at >= 0:
            cut = at + len(opening)
            return record[:cut] + b"Revised " + record[cut:]
    return None


def split_records(chunks: Iterable[bytes], kind: str) -> Iterator[bytes]:
    """The records of a dump file read as chunks of any size (an opening may span two)."""
    opening = RECORD_OPENINGS[kind]
    closing = b"</" + kind.encode() + b">"
    buffer = b""
    started = False
    for chunk in chunks:
        buffer += chunk
        if not started:
            at = buffer.find(opening)
            if at < 0:
                continue
            buffer, started = buffer[at:], True
        # Text never holds a raw '<' and these openings never nest, so each marks a record start.
        begin = 0
        while (following := buffer.find(opening, begin + 1)) >= 0:
            yield buffer[begin:following].rstrip()
            begin = following
        buffer = buffer[begin:]
    if started:
        end = buffer.rfind(closing)
        yield (buffer[:end] if end >= 0 else buffer).rstrip()


def record_id(record: bytes, kind: str) -> int:
    found = ID_PATTERNS[kind].search(record)
    if found is None:
        raise ValueError(f"a {kind} record without an id: {record[:80]!r}")
    return int(found.group(1))


def with_id(record: bytes, kind: str, new_id: int) -> bytes:
    found = ID_PATTERNS[kind].search(record)
    assert found is not None
    start, end = found.span(1)  # the id's digits
    return record[:start] + str(new_id).encode() + record[end:]


@dataclass
class NextVersion:
    """One kind's derivation; ``counts`` fills in as ``records`` is consumed."""

    kind: str
    rng: random.Random
    rates: Rates = field(default_factory=Rates)
    counts: dict[str, int] = field(
        default_factory=lambda: {"removed": 0, "changed": 0, "new": 0, "unchanged": 0}
    )

    def records(self, source: Iterable[bytes]) -> Iterator[bytes]:
        top = 0
        seen = 0
        reservoir: list[bytes] = []
        for record in source:
            top = max(top, record_id(record, self.kind))
            seen += 1
            # reservoir sampling: every source record equally likely to be a new one's model
            if len(reservoir) < RESERVOIR:
                reservoir.append(record)
            else:
                slot = self.rng.randrange(seen)
                if slot < RESERVOIR:
                    reservoir[slot] = record
            draw = self.rng.random()
            if draw < self.rates.removed:
                self.counts["removed"] += 1
                continue
            edited = change(record, self.kind) if draw < self.rates.removed + self.rates.changed else None
            if edited is not None:
                self.counts["changed"] += 1
                yield edited
            else:
                self.counts["unchanged"] += 1
                yield record
        for n in range(round(seen * self.rates.new)):
            model = reservoir[self.rng.randrange(len(reservoir))]
            self.counts["new"] += 1
            yield with_id(model, self.kind, top + n + 1)


def _chunks(path: Path) -> Iterator[bytes]:
    with gzip.open(path, "rb") as handle:
        while chunk := handle.read(READ_BYTES):
            yield chunk


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def write_next_version(
    source: Path,
    out: Path,
    date: str,
    rates: Rates,
    *,
    seed: int = 1,
    level: int = 6,
    kinds: Iterable[str] = KINDS,
) -> dict[str, dict[str, int]]:
    """Write the version after the dump in ``source`` to ``out`` (CHECKSUM included); kinds not in
    ``kinds`` are copied unchanged. Returns what was done per kind."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    changing = set(kinds)
    report: dict[str, dict[str, int]] = {}
    lines = []
    for kind in KINDS:
        found = sorted(source.glob(f"discogs_*_{kind}.xml.gz"))
        if not found:
            continue
        derivation = NextVersion(kind, rng, rates if kind in changing else Rates(0, 0, 0))
        name = f"discogs_{date}_{kind}.xml.gz"
        with gzip.open(out / name, "wb", compresslevel=level) as handle:
            handle.write(b"<" + kind.encode() + b">\n")
            for record in derivation.records(split_records(_chunks(found[0]), kind)):
                handle.write(record + b"\n")
            handle.write(b"</" + kind.encode() + b">\n")
        report[kind] = derivation.counts
        lines.append(f"{sha256_of(out / name)} {name}\n")
    (out / f"discogs_{date}_CHECKSUM.txt").write_text("".join(lines))
    return report
