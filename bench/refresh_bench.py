"""Refresh benchmark: a full load of version B against the refresh A -> B, in one run.

    uv run python bench/refresh_bench.py                 # 100,000 releases, 10,000 of each other kind
    uv run python bench/refresh_bench.py --parser-workers 2

A is a make_dump.py dump; B (bench/make_refresh.py) has 5 % of A's records changed, 2 % new and
2 % removed, every kind. Two measured runs, each on the real services as separate processes:

1. full load: B into an empty database (fresh DISCOGS_ROOT, so the extractor has no index);
2. refresh: A loaded first (not measured), then the tableinator and the extractor started again
   with B at the source: the extractor diffs B against A's index.

Each run is timed from the start of both services to the moment the tableinator has handled
every kind's file_complete (its /health), so download, verification, parsing, broker, decoding
and PostgreSQL all count. Messages are the extractor's confirmed messages (state marker) plus
the four completions. Peak RSS per process is sampled twice a second. The tables of both runs
are compared (EXCEPT ALL both ways, every table) at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from dumps import build_dump  # noqa: E402
from pipeline_bench import POSTGRES, MemorySampler, free_port  # noqa: E402

from discogsography.relational.tables import LINK_TABLES, RECORD_TABLES  # noqa: E402

KINDS = ("artists", "labels", "masters", "releases")
TABLES = (*RECORD_TABLES, *LINK_TABLES)  # from ddl.sql
B_DATE = "20991215"


@dataclass
class Run:
    name: str
    seconds: float
    records: int  # records in B
    published: int  # records the extractor published
    removed: int
    messages: int
    peak_rss: dict[str, float]
    extractor_quarters: list[float]  # the extractor's RSS at 25 / 50 / 75 / 100 % of its life


class Services:
    """One database, queue prefix and DISCOGS_ROOT; starts the two services on demand."""

    def __init__(self, name: str, source: Path, options: argparse.Namespace) -> None:
        run_id = uuid.uuid4().hex[:8]
        self.database, self.prefix = f"dgbench_{name}_{run_id}", f"dgbench-{name}-{run_id}-"
        self.work = Path(tempfile.mkdtemp(prefix=f"dgbench-{name}-"))
        self.root = self.work / "root"
        self.root.mkdir()
        self.port = free_port()
        with psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')
        self.env = {
            **os.environ,
            "DISCOGS_SOURCE": source.as_uri(),
            "DISCOGS_ROOT": str(self.root),
            "AMQP_CONNECTION": "amqp://guest:guest@127.0.0.1:5672/",
            "AMQP_PREFIX": self.prefix,
            "POSTGRES_ADDRESS": "127.0.0.1:5432",
            "POSTGRES_USERNAME": "postgres",
            "POSTGRES_DATABASE": self.database,
            "POSTGRES_BATCH_SIZE": "1000",
            "POSTGRES_BATCH_FLUSH_INTERVAL": "1",
            "CONSUMER_CANCEL_DELAY": "5",
            "PARSER_WORKERS": str(options.parser_workers),
            "LOG_LEVEL": "WARNING",
        }

    def run(self, name: str, version: str, expected_records: int) -> Run:
        command = [sys.executable, "-m", "discogsography"]
        logs = self.work / name
        logs.mkdir()
        started = time.monotonic()
        processes = {
            "tableinator": subprocess.Popen(
                [*command, "tableinator"],
                env={**self.env, "HEALTH_CHECK_PORT": str(self.port)},
                stderr=(logs / "tableinator.log").open("wb"),
            ),
            "extractor": subprocess.Popen(
                [*command, "extractor", "--once"],
                env={**self.env, "HEALTH_CHECK_PORT": "0"},
                stderr=(logs / "extractor.log").open("wb"),
            ),
        }
        sampler = MemorySampler(processes)
        sampler.start()
        try:
            with httpx.Client(timeout=5) as client:
                while not self._complete(client):
                    for process_name, process in processes.items():
                        if process.poll() not in (None, 0):
                            raise SystemExit(f"{process_name} failed; see {logs}")
                    time.sleep(0.1)
            seconds = time.monotonic() - started
            if processes["extractor"].wait(timeout=600) != 0:
                raise SystemExit(f"extractor failed; see {logs}")
        finally:
            sampler.stop.set()
            sampler.join()
            for process in processes.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                    process.wait(timeout=120)
        marker = json.loads((self.root / f".extraction_status_{version}.json").read_text())
        files = marker["processing_phase"]["progress_by_file"].values()
        peaks = {
            process: max(rss for _, rss in samples) for process, samples in sampler.samples.items() if samples
        }
        rss = [value for _, value in sampler.samples.get("extractor", [])] or [0.0]
        quarters = [rss[min(len(rss) - 1, int(len(rss) * q))] for q in (0.25, 0.5, 0.75)] + [rss[-1]]
        return Run(
            name,
            seconds,
            expected_records,
            sum(entry["records_extracted"] for entry in files),
            sum(entry.get("removed", 0) for entry in files),
            sum(entry["messages_published"] for entry in files) + len(KINDS),  # + file_complete
            peaks,
            quarters,
        )

    def _complete(self, client: httpx.Client) -> bool:
        try:
            health = client.get(f"http://127.0.0.1:{self.port}/health").json()
        except (httpx.HTTPError, ValueError):
            return False
        return set(health.get("completed_kinds", [])) >= set(KINDS)

    def close(self) -> None:
        with psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        subprocess.run(
            [sys.executable, str(HERE / "delete_queues.py"), self.prefix], check=False, capture_output=True
        )
        shutil.rmtree(self.work, ignore_errors=True)


def differences(database: str, other: str) -> int:
    """Rows in one database and not the other, both ways, over every table (copied across)."""
    total = 0
    with (
        psycopg.connect(f"{POSTGRES} dbname={database}", autocommit=True) as conn,
        psycopg.connect(f"{POSTGRES} dbname={other}") as source,
    ):
        conn.execute("CREATE SCHEMA other")
        for table in TABLES:
            columns = ", ".join(
                row[0]
                for row in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
                    "AND table_name = %s AND column_name <> 'updated_at' ORDER BY ordinal_position",
                    (table,),
                ).fetchall()
            )
            conn.execute(f"CREATE TABLE other.{table} AS SELECT {columns} FROM public.{table} WITH NO DATA")
            with (
                source.cursor().copy(f"COPY (SELECT {columns} FROM {table}) TO STDOUT") as out,
                conn.cursor().copy(f"COPY other.{table} ({columns}) FROM STDIN") as into,
            ):
                for block in out:
                    into.write(block)
            for left, right in (("public", "other"), ("other", "public")):
                row = conn.execute(
                    f"SELECT count(*) FROM (SELECT {columns} FROM {left}.{table} "
                    f"EXCEPT ALL SELECT {columns} FROM {right}.{table}) d"
                ).fetchone()
                total += int(row[0]) if row else 0
    return total


def main() -> None:
    options = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    options.add_argument("--releases", type=int, default=100_000)
    options.add_argument("--others", type=int, default=10_000, help="artists, labels and masters each")
    options.add_argument("--parser-workers", type=int, default=0, help="PARSER_WORKERS for the extractor")
    args = options.parse_args()

    dump_a = build_dump(args.releases, args.others)
    dump_b = HERE / "out" / f"{dump_a.name}_refresh_{B_DATE}"
    report = HERE / "out" / f"{dump_b.name}.json"  # what make_refresh.py did, per kind
    if not report.exists():
        made = subprocess.run(
            [sys.executable, str(HERE / "make_refresh.py"), str(dump_a), str(dump_b), "--date", B_DATE],
            check=True,
            capture_output=True,
            text=True,
        )
        report.write_text(made.stdout)
    changes = json.loads(report.read_text())
    records_b = sum(kind["unchanged"] + kind["changed"] + kind["new"] for kind in changes.values())
    only_b = Path(tempfile.mkdtemp(prefix="dgbench-b-"))
    mirror = Path(tempfile.mkdtemp(prefix="dgbench-mirror-"))
    for path in dump_b.iterdir():
        shutil.copy(path, only_b / path.name)
    for path in dump_a.iterdir():
        shutil.copy(path, mirror / path.name)
    full = Services("full", only_b, args)
    refresh = Services("refresh", mirror, args)
    try:
        full_run = full.run("full", B_DATE, records_b)
        refresh.run("load-a", "20991201", 0)
        for path in dump_b.iterdir():
            shutil.copy(path, mirror / path.name)
        refresh_run = refresh.run("refresh", B_DATE, records_b)
        mismatched = differences(refresh.database, full.database)
    finally:
        full.close()
        refresh.close()
        shutil.rmtree(only_b, ignore_errors=True)
        shutil.rmtree(mirror, ignore_errors=True)

    print(f"dump B: {dump_b} ({records_b:,} records); PARSER_WORKERS={args.parser_workers}")
    print(
        f"{'run':<10} {'wall s':>7} {'records/s':>10} {'published':>10} {'removed':>8} {'messages':>9}"
        "   peak RSS MB"
    )
    for run in (full_run, refresh_run):
        peaks = ", ".join(f"{name} {mb:.0f}" for name, mb in sorted(run.peak_rss.items()))
        print(
            f"{run.name:<10} {run.seconds:>7.1f} {run.records / run.seconds:>10,.0f} {run.published:>10,} "
            f"{run.removed:>8,} {run.messages:>9,}   {peaks}"
        )
    for run in (full_run, refresh_run):
        shown = " / ".join(f"{mb:.0f}" for mb in run.extractor_quarters)
        print(f"{run.name:<10} extractor RSS MB at 25 / 50 / 75 / 100 % of its life: {shown}")
    print(
        f"refresh / full: wall {refresh_run.seconds / full_run.seconds:.1%} (target <= 40%), "
        f"messages {refresh_run.messages / full_run.messages:.1%} (target <= 12%)"
    )
    print(f"rows differing between the refreshed and the freshly loaded tables: {mismatched}")


if __name__ == "__main__":
    main()
