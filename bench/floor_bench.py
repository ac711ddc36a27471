"""The physical floor on this machine: what inflating, parsing and COPY cost on their own.

    uv run python bench/floor_bench.py            # the 100,000-release dump of peers_bench.py

Each step runs alone, in this one process, on the releases of a make_dump.py dump:
  inflate   gzip to bytes (DumpSource.chunks), nothing else;
  split     cutting the bytes into records (RecordSplitter), without parsing;
  libxml2   lxml's parse of every record (etree.fromstring), no conversion;
  convert   our whole parse: libxml2, conversion, canonical JSON and sha256 (parse_block);
  rows      the tableinator's rows from the records' JSON (rows_from_json);
  COPY      the rows of --copy-records releases encoded as binary COPY tuples (as the workers
            of `load` do) and COPied into a fresh database, with the ordinary
            schema and into bare tables (the fast path), the CPU of our server process counted.
Printed as µs per release of one core.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from lxml import etree

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from dumps import build_dump  # noqa: E402
from pipeline_bench import cpu_seconds  # noqa: E402

from discogsography.kinds import Kind  # noqa: E402
from discogsography.load import fastpath  # noqa: E402
from discogsography.load.kind_store import LoadStore  # noqa: E402
from discogsography.parsing.records import ParsedRecord, parse_block  # noqa: E402
from discogsography.parsing.source import DumpSource  # noqa: E402
from discogsography.parsing.splitter import RecordSplitter, split_block  # noqa: E402
from discogsography.relational.copy_binary import encode  # noqa: E402
from discogsography.relational.migrations import ensure_schema  # noqa: E402
from discogsography.relational.table_rows import RecordRows, rows_from_json  # noqa: E402
from discogsography.relational.tables import TABLES  # noqa: E402

POSTGRES = "host=127.0.0.1 port=5432 user=postgres"


def timed(label: str, records: int, step: Callable[[], Any]) -> Any:
    started = time.process_time()
    result = step()
    used = time.process_time() - started
    print(f"{label:<34} {used:7.2f} s CPU  {used / records * 1e6:7.1f} µs/release")
    return result


def copy_cost(rows: list[RecordRows], *, fast: bool) -> None:
    name = f"dgfloor_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(f"{POSTGRES} dbname={name}", autocommit=True) as conn:
            ensure_schema(conn)
            if fast:
                fastpath.strip(conn, Kind.RELEASES)
            store = LoadStore(conn, Kind.RELEASES, track_ids=False, fast=True)
            links = tuple(link.name for link in TABLES[Kind.RELEASES].links)
            cpu = time.process_time()
            batches = [encode(rows[at : at + 2000], store.types, links) for at in range(0, len(rows), 2000)]
            encoding = time.process_time() - cpu
            row = conn.execute("SELECT pg_backend_pid()").fetchone()
            backend = int(row[0]) if row else 0  # this connection's server process: its CPU only
            servers = cpu_seconds(backend)
            started, cpu = time.monotonic(), time.process_time()
            for encoded in batches:
                store.write([encoded])
            wall, client = time.monotonic() - started, time.process_time() - cpu
            server = cpu_seconds(backend) - servers
            label = "COPY, no indexes or keys" if fast else "COPY, ordinary schema"
            n = len(rows)
            print(
                f"{label:<34} {wall:7.2f} s wall  encode (in the workers) {encoding / n * 1e6:5.1f}, "
                f"client {client / n * 1e6:6.1f} µs/release, "
                f"PostgreSQL {server / n * 1e6:6.1f} µs/release"
            )
            if fast:
                started = time.monotonic()
                servers = cpu_seconds(backend)
                fastpath.restore(conn, Kind.RELEASES)
                server = cpu_seconds(backend) - servers
                print(
                    f"{'  then keys and indexes built':<34} {time.monotonic() - started:7.2f} s wall  "
                    f"PostgreSQL {server / n * 1e6:6.1f} µs/release"
                )
    finally:
        with psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    options = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    options.add_argument("--releases", type=int, default=100_000)
    options.add_argument("--others", type=int, default=1000)
    options.add_argument("--copy-records", type=int, default=30_000)
    args = options.parse_args()
    path = build_dump(args.releases, args.others) / "discogs_20991201_releases.xml.gz"
    n = args.releases

    def inflate() -> list[bytes]:
        source = DumpSource(path)
        try:
            return list(source.chunks())
        finally:
            source.close()

    chunks = timed("inflate (gzip)", n, inflate)
    blocks = timed("split into records", n, lambda: split(chunks))
    chunks.clear()
    raws = [raw.xml for block in blocks for raw in split_block(block)]
    timed("libxml2 parse (etree.fromstring)", n, lambda: libxml2(raws))
    raws.clear()
    records: list[Any] = timed(
        "parse, convert, JSON, sha256", n, lambda: [r for b in blocks for r in parse_block(Kind.RELEASES, b)]
    )
    blocks.clear()
    subset = [record.json for record in records[: args.copy_records] if isinstance(record, ParsedRecord)]
    records.clear()
    rows = timed(
        "rows (rows_from_json)", len(subset), lambda: [rows_from_json(Kind.RELEASES, j) for j in subset]
    )
    copy_cost(rows, fast=False)
    copy_cost(rows, fast=True)


def split(chunks: list[bytes]) -> list[Any]:
    splitter = RecordSplitter(Kind.RELEASES.spec)
    blocks = [block for chunk in chunks for block in splitter.feed(chunk)]
    return blocks + list(splitter.finish())


def libxml2(raws: list[bytes]) -> None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    for xml in raws:
        etree.fromstring(xml, parser)


if __name__ == "__main__":
    main()
