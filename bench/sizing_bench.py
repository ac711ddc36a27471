"""Sizing: database size per kind, time per kind and memory per service, and the effect of
per-database PostgreSQL settings on the pipeline benchmark.

    uv run python bench/sizing_bench.py sizes                 # two dump sizes, all four kinds
    uv run python bench/sizing_bench.py settings --pairs 3    # baseline / setting, alternating

Every run is the whole pipeline (extractor -> RabbitMQ -> tableinator -> PostgreSQL, both
services as their own processes) into a database and queue prefix of its own, dropped
afterwards. The extractor publishes the files one after the other, so each kind's time is read
off the tableinator's /health counts (ten times a second): from its first committed record to
its last. Settings are tried with ALTER DATABASE ... SET on the run's own database only, so
nothing changes for anyone else on the server; settings that need a reload or a restart of the
server (max_wal_size, checkpoint_timeout) are tried by bench/server_settings_bench.py on a
private server of its own. The `wal` mode reads the run's own WAL with pg_walinspect, holding
it meanwhile with a temporary replication slot of the benchmark's session.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg import sql

from discogsography.relational.tables import TABLES

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from pipeline_bench import (  # noqa: E402
    KINDS,
    POSTGRES,
    MemorySampler,
    committed_records,
    free_port,
    server_cpu_seconds,
)

# Link tables and the kind whose records fill them (from ddl.sql).
LINK_TABLES = {link.name: kind.value for kind, tables in TABLES.items() for link in tables.links}
# Per-database settings worth trying for a bulk load; each is compared with the server's default.
SETTINGS = {
    "synchronous_commit": "off",
    "wal_compression": "lz4",
    "maintenance_work_mem": "1GB",
}


def build_dump(counts: dict[str, int]) -> Path:
    name = "_".join(f"{kind[0]}{counts[kind]}" for kind in KINDS)
    out = HERE / "out" / f"sizing_{name}"
    if not (out / "discogs_20991201_CHECKSUM.txt").exists():
        out.mkdir(parents=True, exist_ok=True)
        args = [f"--{kind}={counts[kind]}" for kind in KINDS]
        subprocess.run([sys.executable, str(HERE / "make_dump.py"), str(out), *args], check=True)
    return out


def wal_lsn_and_checkpoints(conn: psycopg.Connection[Any]) -> tuple[int, int, int, int]:
    """The WAL position, the checkpoints so far (timed, requested) and the full-page images so far."""
    row = conn.execute(
        "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn, checkpoints_timed, checkpoints_req, wal_fpi"
        " FROM pg_stat_bgwriter, pg_stat_wal"
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def table_sizes(conninfo: str) -> dict[str, dict[str, int]]:
    """Bytes per kind: heap (with TOAST), indexes, and the link tables it fills."""
    sizes = {kind: {"table": 0, "indexes": 0, "links": 0} for kind in KINDS}
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # sizes as a finished load leaves them, free space counted
        for table in (*KINDS, *LINK_TABLES):
            row = conn.execute(
                "SELECT pg_table_size(%s::regclass), pg_indexes_size(%s::regclass)", (table, table)
            ).fetchone()
            assert row is not None
            kind = LINK_TABLES.get(table, table)
            if table in LINK_TABLES:
                sizes[kind]["links"] += int(row[0]) + int(row[1])
            else:
                sizes[kind]["table"] += int(row[0])
                sizes[kind]["indexes"] += int(row[1])
    return sizes


def own_wal(conninfo: str, start: int, end: int) -> dict[str, int]:
    """WAL records between two LSNs that touch this database's relations (pg_walinspect).

    The server's WAL carries everyone's work; a block reference names its database
    (``rel TABLESPACE/DATABASE/RELATION``), so this run's own volume can be told apart.
    """
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_walinspect")
        oid = conn.execute("SELECT oid FROM pg_database WHERE datname = current_database()").fetchone()
        assert oid is not None
        row = conn.execute(
            "SELECT count(*), coalesce(sum(record_length), 0), coalesce(sum(fpi_length), 0)"
            " FROM pg_get_wal_records_info(%s::pg_lsn, %s::pg_lsn)"
            " WHERE block_ref LIKE %s",
            (_lsn(start), _lsn(end), f"%/{oid[0]}/%"),
        ).fetchone()
    assert row is not None
    return {"records": int(row[0]), "bytes": int(row[1]), "fpi_bytes": int(row[2])}


def _lsn(value: int) -> str:
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


def run_pipeline(
    counts: dict[str, int],
    database_settings: dict[str, str] | None = None,
    *,
    inspect_wal: bool = False,
    batch_size: int = 1000,
    postgres: str = POSTGRES,
    server_cpu: Callable[[], float] | None = None,
) -> dict[str, Any]:
    """One whole pipeline run; ``postgres`` is the server's base connection string (no dbname),
    ``server_cpu`` (when given) that server's CPU seconds so far, read at both ends of the run."""
    dump = build_dump(counts)
    xml_gz = {kind: next(dump.glob(f"*_{kind}.xml.gz")).stat().st_size for kind in KINDS}
    run_id = uuid.uuid4().hex[:8]
    database, prefix = f"dgsizing_{run_id}", f"dgsizing-{run_id}-"
    root = Path(tempfile.mkdtemp(prefix="dgsizing-root-"))
    admin = psycopg.connect(f"{postgres} dbname=postgres", autocommit=True)
    admin.execute(f'CREATE DATABASE "{database}"')
    for name, value in (database_settings or {}).items():
        admin.execute(
            sql.SQL("ALTER DATABASE {} SET {} = {}").format(
                sql.Identifier(database), sql.Identifier(name), sql.Literal(value)
            )
        )
    conninfo = f"{postgres} dbname={database}"
    health_port = free_port()
    env = {
        **os.environ,
        "DISCOGS_SOURCE": dump.as_uri(),
        "DISCOGS_ROOT": str(root),
        "AMQP_CONNECTION": "amqp://guest:guest@127.0.0.1:5672/",
        "AMQP_PREFIX": prefix,
        "DATABASE_URL": conninfo,
        "POSTGRES_BATCH_SIZE": str(batch_size),
        "POSTGRES_BATCH_FLUSH_INTERVAL": "1",
        "CONSUMER_CANCEL_DELAY": "5",
        "HEALTH_CHECK_PORT": str(health_port),
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "discogsography"]
    logs = root / "logs"
    logs.mkdir()
    processes: dict[str, subprocess.Popen[bytes]] = {}
    first: dict[str, float] = {}
    done: dict[str, float] = {}
    try:
        processes["tableinator"] = subprocess.Popen(
            [*command, "tableinator"], env=env, stderr=(logs / "tableinator.log").open("wb")
        )
        time.sleep(1.0)  # the tableinator declares the topology and the schema
        if inspect_wal:
            # A temporary slot keeps the run's WAL until it is read (others' checkpoints would
            # recycle it); it goes with this session, whatever happens to the benchmark.
            admin.execute("SELECT pg_create_physical_replication_slot(%s, true, true)", (database,))
        wal_start, timed_start, req_start, fpi_start = wal_lsn_and_checkpoints(admin)
        servers_start = server_cpu_seconds()
        own_server_start = server_cpu() if server_cpu else 0.0
        processes["extractor"] = subprocess.Popen(
            [*command, "extractor", "--once"],
            env={**env, "HEALTH_CHECK_PORT": "0"},
            stderr=(logs / "extractor.log").open("wb"),
        )
        sampler = MemorySampler(processes)
        sampler.start()
        with httpx.Client(timeout=5) as client:
            while len(done) < len(KINDS):
                now = time.monotonic()
                for kind, records in committed_records(client, health_port).items():
                    if records and kind not in first:
                        first[kind] = now
                    if records >= counts[kind] and kind not in done:
                        done[kind] = now
                if processes["tableinator"].poll() is not None:
                    raise SystemExit(f"tableinator stopped; see {logs / 'tableinator.log'}")
                if processes["extractor"].poll() not in (None, 0):
                    raise SystemExit(f"extractor failed; see {logs / 'extractor.log'}")
                time.sleep(0.1)
        seconds = max(done.values()) - min(first.values())
        servers_end = server_cpu_seconds()
        own_server_cpu = server_cpu() - own_server_start if server_cpu else None
        wal_end, timed_end, req_end, fpi_end = wal_lsn_and_checkpoints(admin)
        processes["extractor"].wait(timeout=600)
        sampler.stop.set()
        sampler.join()
        sizes = table_sizes(conninfo)
        database_bytes = admin.execute("SELECT pg_database_size(%s)", (database,)).fetchone()
        wal = None
        if inspect_wal:
            wal = own_wal(conninfo, wal_start, wal_end)
            admin.execute("SELECT pg_drop_replication_slot(%s)", (database,))
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=120)
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()
        subprocess.run(
            [sys.executable, str(HERE / "delete_queues.py"), prefix], check=False, capture_output=True
        )
    peak = {name: max(rss for _, rss in samples) for name, samples in sampler.samples.items() if samples}
    cpu = dict(sampler.cpu)
    for server, start in servers_start.items():
        cpu[server] = servers_end[server] - start
    return {
        "counts": counts,
        "settings": database_settings or {},
        "batch_size": batch_size,
        "seconds": seconds,
        "records_per_second": sum(counts.values()) / seconds,
        "kind_seconds": {kind: done[kind] - first[kind] for kind in KINDS},
        "xml_gz_bytes": xml_gz,
        "sizes": sizes,
        "database_bytes": int(database_bytes[0]) if database_bytes else 0,
        "wal_bytes": wal_end - wal_start,  # the whole server's WAL over the run, others' included
        "wal_fpi": fpi_end - fpi_start,  # full-page images written, the whole server's
        "own_wal": wal,  # this run's database only (inspect_wal)
        "checkpoints": {"timed": timed_end - timed_start, "requested": req_end - req_start},
        "server_cpu_seconds": own_server_cpu,  # the given server's alone (server_cpu)
        "peak_rss_mb": peak,
        "cpu_seconds": cpu,
    }


def print_sizes(result: dict[str, Any]) -> None:
    counts, sizes = result["counts"], result["sizes"]
    print(f"dump {counts}: {result['seconds']:.1f} s, {result['records_per_second']:,.0f} records/s")
    print(
        f"{'kind':<9} {'records':>8} {'xml.gz MB':>9} {'table MB':>9} {'index MB':>9} {'links MB':>9}"
        f" {'B/record':>9} {'s':>6} {'rec/s':>8}"
    )
    for kind in KINDS:
        size = sizes[kind]
        total = size["table"] + size["indexes"] + size["links"]
        print(
            f"{kind:<9} {counts[kind]:>8,} {result['xml_gz_bytes'][kind] / 1e6:>9.1f}"
            f" {size['table'] / 1e6:>9.1f}"
            f" {size['indexes'] / 1e6:>9.1f} {size['links'] / 1e6:>9.1f} {total / counts[kind]:>9,.0f}"
            f" {result['kind_seconds'][kind]:>6.1f} {counts[kind] / result['kind_seconds'][kind]:>8,.0f}"
        )
    print(
        f"database {result['database_bytes'] / 1e6:.1f} MB;"
        f" server WAL over the run {result['wal_bytes'] / 1e6:.0f} MB;"
        f" checkpoints {result['checkpoints']}"
    )
    print("peak RSS MB:", {name: round(mb) for name, mb in result["peak_rss_mb"].items()})


def commit_latency(commits: int) -> None:
    """Median time of a one-row INSERT and COMMIT, synchronous_commit on and off, alternating."""
    database = f"dgsizing_commit_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        try:
            with psycopg.connect(f"{POSTGRES} dbname={database}") as conn:
                conn.execute("CREATE TABLE t (x int)")
                conn.commit()
                timings: dict[str, list[float]] = {"on": [], "off": []}
                for index in range(commits * 2):
                    mode = "on" if index % 2 == 0 else "off"
                    conn.execute(sql.SQL("SET synchronous_commit = {}").format(sql.Literal(mode)))
                    conn.commit()
                    started = time.perf_counter()
                    conn.execute("INSERT INTO t VALUES (1)")
                    conn.commit()
                    timings[mode].append(time.perf_counter() - started)
        finally:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
    for mode, values in timings.items():
        values.sort()
        print(
            f"synchronous_commit={mode}: median {values[len(values) // 2] * 1000:.2f} ms,"
            f" p90 {values[int(len(values) * 0.9)] * 1000:.2f} ms per INSERT + COMMIT"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="mode", required=True)
    sizes = sub.add_parser("sizes", help="two dump sizes, four kinds each")
    sizes.add_argument("--releases", type=int, nargs=2, default=[50_000, 200_000])
    sizes.add_argument("--artists", type=int, nargs=2, default=[25_000, 100_000])
    sizes.add_argument("--labels", type=int, nargs=2, default=[6_000, 24_000])
    sizes.add_argument("--masters", type=int, nargs=2, default=[6_000, 24_000])
    tried = sub.add_parser("settings", help="the pipeline benchmark with and without each setting")
    tried.add_argument("--pairs", type=int, default=3, help="alternating baseline/setting pairs per setting")
    tried.add_argument("--releases", type=int, default=100_000)
    tried.add_argument("--others", type=int, default=1000)
    tried.add_argument("--only", choices=sorted(SETTINGS), action="append")
    tried.add_argument("--batch-size", type=int, default=1000, help="POSTGRES_BATCH_SIZE of the tableinator")
    wal = sub.add_parser("wal", help="this run's own WAL per record, with and without wal_compression")
    wal.add_argument("--pairs", type=int, default=2)
    wal.add_argument("--releases", type=int, default=20_000)
    wal.add_argument("--others", type=int, default=1000)
    commit = sub.add_parser("commit", help="commit latency with synchronous_commit on and off")
    commit.add_argument("--commits", type=int, default=300)
    parser.add_argument("--json", type=Path, help="append every run's figures to this JSON Lines file")
    args = parser.parse_args()

    def record(result: dict[str, Any]) -> None:
        if args.json:
            with args.json.open("a") as out:
                out.write(json.dumps(result) + "\n")

    if args.mode == "sizes":
        for index in range(2):
            counts = {kind: getattr(args, kind)[index] for kind in KINDS}
            result = run_pipeline(counts)
            record(result)
            print_sizes(result)
        return
    if args.mode == "commit":
        commit_latency(args.commits)
        return
    counts = {"releases": args.releases, **dict.fromkeys(("artists", "labels", "masters"), args.others)}
    if args.mode == "wal":
        for _ in range(args.pairs):
            for settings in ({}, {"wal_compression": "lz4"}):
                result = run_pipeline(counts, settings, inspect_wal=True)
                record(result)
                own = result["own_wal"]
                per_record = own["bytes"] / sum(counts.values())
                label = settings or "default"
                rate = result["records_per_second"]
                print(
                    f"{label}: own WAL {own['bytes'] / 1e6:.0f} MB ({per_record:,.0f} B/record,"
                    f" full-page images {own['fpi_bytes'] / 1e6:.0f} MB),"
                    f" database {result['database_bytes'] / 1e6:.0f} MB, {rate:,.0f} records/s",
                    flush=True,
                )
        return
    for name in args.only or sorted(SETTINGS):
        pairs = []
        for _ in range(args.pairs):
            base = run_pipeline(counts, batch_size=args.batch_size)
            tried_run = run_pipeline(counts, {name: SETTINGS[name]}, batch_size=args.batch_size)
            record(base)
            record(tried_run)
            pairs.append((base["records_per_second"], tried_run["records_per_second"]))
            print(
                f"{name}={SETTINGS[name]}: baseline {base['records_per_second']:,.0f} records/s "
                f"(WAL {base['wal_bytes'] / 1e6:.0f} MB), with it {tried_run['records_per_second']:,.0f} "
                f"(WAL {tried_run['wal_bytes'] / 1e6:.0f} MB): ratio {pairs[-1][1] / pairs[-1][0]:.2f}",
                flush=True,
            )
        ratios = sorted(t / b for b, t in pairs)
        print(f"{name}={SETTINGS[name]}: ratios {', '.join(f'{r:.2f}' for r in ratios)}", flush=True)


if __name__ == "__main__":
    main()
