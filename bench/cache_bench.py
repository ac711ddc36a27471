"""Benchmark of `discogsography cache build` on a make_dump.py dump.

    uv run python bench/cache_bench.py [--releases 100000] [--dump-dir DIR] [--workers 1] [--keep]

Builds (or reuses) a releases-only dump of N releases with make_dump.py, a library.db holding about
a third of the dump's main artists, each with every other one of its titles (so verify has releases
to prune), then runs the whole build as a
subprocess into a fresh PostgreSQL database (dgbench_cache_<random>, dropped afterwards unless
--keep) and reports the time of every step (from the state file), the total, releases/s and the
peak RSS of the build process (ru_maxrss of the child).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

from discogsography.cache.normalize import is_compilation
from discogsography.parsing import DumpParser

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent / "samples" / "discogs_20200806" / "discogs_20200806_releases.xml.gz"
ADMIN_URL = os.environ.get("CACHE_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def make_dump(out: Path, releases: int) -> Path:
    dump = next(out.glob("*_releases.xml.gz"), None)
    if dump is None:
        command = [sys.executable, str(HERE / "make_dump.py"), str(out), "--releases", str(releases)]
        subprocess.run([*command, "--artists", "0", "--labels", "0", "--masters", "0"], check=True)
        dump = next(out.glob("*_releases.xml.gz"))
    return dump


def make_library(path: Path) -> tuple[int, int]:
    """Every third main artist of the sample (the dump repeats the sample), every other title of each."""
    by_artist: dict[str, set[str]] = {}
    for record in DumpParser(SAMPLE):
        data = record.data
        for artist in (data.get("artists") or {}).get("artist", []):
            name = artist.get("name")
            if name and not is_compilation(name):
                by_artist.setdefault(name, set()).add(data.get("title") or "")
    chosen = sorted(by_artist)[::3]
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("CREATE TABLE library (id INTEGER PRIMARY KEY, artist TEXT, title TEXT)")
        connection.executemany(
            "INSERT INTO library (artist, title) VALUES (?, ?)",
            [(name, title) for name in chosen for title in sorted(by_artist[name])[::2]],
        )
    connection.close()
    return len(chosen), len(by_artist)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--dump-dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="Keep the benchmark database.")
    parser.add_argument("--workers", type=int, default=1, help="Parser processes for convert.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cache_bench_") as scratch_name:
        scratch = Path(scratch_name)
        dump_dir = args.dump_dir or scratch / "dump"
        dump = make_dump(dump_dir, args.releases)
        chosen, artists = make_library(scratch / "library.db")
        print(f"dump: {dump} ({dump.stat().st_size / 1e6:.1f} MB gz, {args.releases:,} releases)")
        print(f"library: {chosen:,} of {artists:,} distinct main artists")

        name = f"dgbench_cache_{secrets.token_hex(4)}"
        url = psycopg.conninfo.make_conninfo(ADMIN_URL, dbname=name)
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        state_file = scratch / "state.json"
        command = [
            sys.executable, "-c", "from discogsography.cli import main; main()", "cache", "build",
            "--xml", str(dump), "--library-db", str(scratch / "library.db"), "--database-url", url,
            "--work-dir", str(scratch / "work"), "--state-file", str(state_file), "--prune", "--no-progress",
            "--workers", str(args.workers),
        ]  # fmt: skip
        try:
            started = time.monotonic()
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            total = time.monotonic() - started
            peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            if result.returncode != 0:
                print(result.stderr, file=sys.stderr)
                return 1
            steps = json.loads(state_file.read_text())["steps"]
            print(f"{'step':<16}{'seconds':>9}  summary")
            for step, entry in steps.items():
                print(f"{step:<16}{entry['seconds']:>9.2f}  {entry.get('summary', '')}")
            print(f"total wall time {total:.2f} s (process start included)")
            print(f"throughput {args.releases / total:,.0f} releases/s through the whole build")
            convert_seconds = steps["convert"]["seconds"]
            mb = dump.stat().st_size / 1e6
            print(
                f"convert: {args.releases / convert_seconds:,.0f} releases/s, {mb / convert_seconds:.1f} MB/s"
                " of gzip"
            )
            print(f"peak RSS of the build process: {peak_kib / 1024:.1f} MiB")
        finally:
            if not args.keep:
                with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                    admin.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
