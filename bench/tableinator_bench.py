"""Tableinator benchmark: a make_dump.py releases dump through RabbitMQ into PostgreSQL.

    uv run python bench/tableinator_bench.py [--releases 100000] [--batch-size 1000]
        [--records-per-message 100] [--dump DIR] [--keep]

1. builds the dump (bench/make_dump.py, releases only) unless --dump points at one;
2. parses it and publishes every record to a queue of its own prefix, as batch envelopes, with
   publisher confirms pipelined, then a file_complete;
3. runs `discogsography tableinator` as a subprocess against a fresh database and measures
   rows committed per second (first delivery to file_complete done) and its peak RSS (VmHWM);
4. in-process, on the same records: where the time goes (decode, row building, COPY into
   staging, upsert, link rows) and the COPY path against executemany.
Everything it creates (database, queues, exchanges) is removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import psycopg

from discogsography.amqp.messages import RawBatch, decode_raw, encode_file_complete, encode_records
from discogsography.amqp.topology import Topology, declare
from discogsography.kinds import Kind
from discogsography.parsing import DumpParser
from discogsography.relational.copy_writer import KindWriter, dedupe
from discogsography.relational.migrations import ensure_schema
from discogsography.relational.table_rows import RecordRows, rows_from_json
from discogsography.relational.tables import TABLES
from discogsography.runtime.collector import collect_rarely

HERE = Path(__file__).resolve().parent
PG_ADDRESS = os.environ.get("BENCH_POSTGRES_ADDRESS", "127.0.0.1:5432")
PG_USER = os.environ.get("BENCH_POSTGRES_USERNAME", "postgres")
AMQP_URL = os.environ.get("BENCH_AMQP_CONNECTION", "amqp://guest:guest@127.0.0.1:5672/")


def conninfo(dbname: str) -> str:
    host, _, port = PG_ADDRESS.rpartition(":")
    return psycopg.conninfo.make_conninfo(host=host, port=port, user=PG_USER, dbname=dbname)


def make_dump(out: Path, releases: int) -> Path:
    command = [sys.executable, str(HERE / "make_dump.py"), str(out), "--releases", str(releases)]
    command += ["--artists", "0", "--labels", "0", "--masters", "0"]
    subprocess.run(command, check=True, capture_output=True)
    return next(out.glob("*releases.xml.gz"))


def message_bodies(dump: Path, per_message: int) -> tuple[list[bytes], int]:
    """The dump's records as batch-envelope bodies (kept in memory: this is the publisher's side)."""
    bodies, lines, total = [], [], 0
    for record in DumpParser(dump):
        lines.append(record.json)
        total += 1
        if len(lines) == per_message:
            bodies.append(encode_records(Kind.RELEASES, lines)[1])
            lines = []
    if lines:
        bodies.append(encode_records(Kind.RELEASES, lines)[1])
    return bodies, total


async def publish_all(topology: Topology, bodies: list[bytes], total: int, window: int = 500) -> float:
    connection = await aio_pika.connect(AMQP_URL)
    try:
        channel = await connection.channel(publisher_confirms=True)
        await declare(channel, topology)
        exchange = await channel.get_exchange(topology.exchange)
        key = topology.routing_key(Kind.RELEASES)
        started = time.perf_counter()
        in_flight: set[asyncio.Future[Any]] = set()
        for body in bodies:
            message = aio_pika.Message(body, type="records", delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
            in_flight.add(asyncio.ensure_future(exchange.publish(message, routing_key=key)))
            if len(in_flight) >= window:
                done, in_flight = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                for future in done:
                    future.result()
        await asyncio.gather(*in_flight)
        complete = encode_file_complete(Kind.RELEASES, total, "bench_releases.xml.gz")
        await exchange.publish(aio_pika.Message(complete, type="file_complete"), routing_key=key)
        return time.perf_counter() - started
    finally:
        await connection.close()


async def delete_topology(topology: Topology) -> None:
    connection = await aio_pika.connect(AMQP_URL)
    try:
        channel = await connection.channel()
        for kind in Kind:
            for name in (topology.queue(kind), topology.dead_letter_queue(kind)):
                with contextlib.suppress(Exception):
                    await channel.queue_delete(name)
        for name in (topology.exchange, topology.dead_letter_exchange):
            with contextlib.suppress(Exception):
                await channel.exchange_delete(name)
    finally:
        await connection.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_service(
    database: str, topology: Topology, total: int, batch_size: int, flush: float
) -> dict[str, Any]:
    port = free_port()
    env = {
        **os.environ,
        "POSTGRES_ADDRESS": PG_ADDRESS,
        "POSTGRES_USERNAME": PG_USER,
        "POSTGRES_DATABASE": database,
        "AMQP_CONNECTION": AMQP_URL,
        "AMQP_QUEUE_PREFIX": topology.prefix,
        "HEALTH_CHECK_PORT": str(port),
        "POSTGRES_BATCH_SIZE": str(batch_size),
        "POSTGRES_BATCH_FLUSH_INTERVAL": str(flush),
    }
    log = tempfile.TemporaryFile()  # noqa: SIM115 - read back only when the run fails
    command = [str(Path(sys.executable).parent / "discogsography"), "tableinator", "--log-level", "WARNING"]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/health"
    first_at = done_at = None
    try:
        with httpx.Client(timeout=2) as client:
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline:
                time.sleep(0.05)
                try:
                    body = client.get(url).json()
                except httpx.HTTPError:
                    continue
                releases = body["counts"]["releases"]
                if first_at is None and (releases["pending"] or releases["records"]):
                    first_at = time.perf_counter()
                if "releases" in body["completed_kinds"]:
                    done_at = time.perf_counter()
                    break
        rss = peak_rss_mb(process.pid)
        process.send_signal(signal.SIGTERM)
        process.wait(60)
    finally:
        if process.poll() is None:
            process.kill()
    if first_at is None or done_at is None:
        log.seek(0)
        raise SystemExit("the tableinator did not finish:\n" + log.read().decode()[-3000:])
    seconds = done_at - first_at
    return {
        "seconds": seconds,
        "rows_per_second": total / seconds,
        "peak_rss_mb": rss,
        "exit": process.returncode,
    }


def stage_profile(database: str, bodies: list[bytes], batch_size: int) -> dict[str, float]:
    """Time of each step for the same records, in this process (fresh tables)."""
    collect_rarely()  # as the service does
    with psycopg.connect(conninfo(database), autocommit=True) as conn:
        conn.execute("TRUNCATE releases, release_labels, release_artists")
        writer = KindWriter(conn, Kind.RELEASES)
        timings = {"decode": 0.0, "rows": 0.0}
        pending: list[Any] = []
        for body in bodies:
            started = time.perf_counter()
            batch = decode_raw(body)  # as the service: records stay JSON text
            assert isinstance(batch, RawBatch)
            records = batch.records
            decoded = time.perf_counter()
            pending.extend(rows_from_json(Kind.RELEASES, record) for record in records)
            timings["decode"] += decoded - started
            timings["rows"] += time.perf_counter() - decoded
            if len(pending) >= batch_size:
                writer.write(pending)
                pending = []
        writer.write(pending)
        timings.update(writer.timings)
        return timings


def executemany_rate(database: str, bodies: list[bytes], limit: int, batch_size: int) -> float:
    """The alternative to COPY: executemany INSERT ... ON CONFLICT, link rows likewise."""
    tables = TABLES[Kind.RELEASES]
    columns = ", ".join(tables.columns)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in tables.columns if c != "id")
    values = ", ".join(["%s"] * len(tables.columns))
    upsert = (
        f"INSERT INTO releases AS t ({columns}) VALUES ({values}) "
        f"ON CONFLICT (id) DO UPDATE SET {updates} WHERE t.hash IS DISTINCT FROM EXCLUDED.hash"
    )
    rows = built_rows(bodies, limit)
    with psycopg.connect(conninfo(database), autocommit=True) as conn:
        conn.execute("TRUNCATE releases, release_labels, release_artists")
        started = time.perf_counter()
        for start in range(0, len(rows), batch_size):
            batch = [r for r in dedupe(rows[start : start + batch_size]) if isinstance(r, RecordRows)]
            with conn.transaction(), conn.cursor() as cur:
                data = tables.columns.index("data")  # JSON text as bytes: send it as text
                cur.executemany(
                    upsert, [(*r.row[:data], r.row[data].decode(), *r.row[data + 1 :]) for r in batch]
                )
                for link in tables.links:
                    link_rows = [lr for r in batch for lr in r.links[link.name]]
                    if link_rows:
                        placeholders = ", ".join(["%s"] * len(link.columns))
                        cur.executemany(
                            f"INSERT INTO {link.name} ({', '.join(link.columns)}) VALUES ({placeholders})",
                            link_rows,
                        )
        return len(rows) / (time.perf_counter() - started)


def built_rows(bodies: list[bytes], limit: int) -> list[RecordRows]:
    rows: list[RecordRows] = []
    for body in bodies:
        batch = decode_raw(body)
        assert isinstance(batch, RawBatch)
        rows.extend(rows_from_json(Kind.RELEASES, record) for record in batch.records)
        if len(rows) >= limit:
            break
    return rows[:limit]


def copy_rate(database: str, bodies: list[bytes], limit: int, batch_size: int) -> float:
    rows = built_rows(bodies, limit)
    with psycopg.connect(conninfo(database), autocommit=True) as conn:
        conn.execute("TRUNCATE releases, release_labels, release_artists")
        writer = KindWriter(conn, Kind.RELEASES)
        started = time.perf_counter()
        for start in range(0, len(rows), batch_size):
            writer.write(rows[start : start + batch_size])
        return len(rows) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=1000, help="POSTGRES_BATCH_SIZE of the run")
    parser.add_argument("--flush-interval", type=float, default=2.0)
    parser.add_argument("--records-per-message", type=int, default=100)
    parser.add_argument("--dump", type=Path, help="a folder with a releases dump (skips make_dump)")
    parser.add_argument("--compare-rows", type=int, default=20_000, help="rows for COPY vs executemany")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tableinator-bench-") as scratch:
        dump = (
            next(args.dump.glob("*releases.xml.gz")) if args.dump else make_dump(Path(scratch), args.releases)
        )
        bodies, total = message_bodies(dump, args.records_per_message)
        database = "dgbench_tbl_" + secrets.token_hex(4)
        topology = Topology(f"dgbench-tbl-{secrets.token_hex(4)}-")
        with psycopg.connect(conninfo("postgres"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{database}"')
        try:
            with psycopg.connect(conninfo(database)) as conn:
                ensure_schema(conn)
            publish_seconds = asyncio.run(publish_all(topology, bodies, total))
            rate = total / publish_seconds
            print(f"published {total} releases in {len(bodies)} messages: {rate:,.0f} records/s")
            result = run_service(database, topology, total, args.batch_size, args.flush_interval)
            with psycopg.connect(conninfo(database)) as conn:
                stored = conn.execute("SELECT count(*) FROM releases").fetchone()
            print(
                f"tableinator (POSTGRES_BATCH_SIZE={args.batch_size}, "
                f"{args.records_per_message} records/message): {total} releases in "
                f"{result['seconds']:.1f} s = {result['rows_per_second']:,.0f} rows/s committed; "
                f"peak RSS {result['peak_rss_mb']:.0f} MB; exit {result['exit']}; "
                f"rows stored {stored[0] if stored else 0}"
            )
            # The same dump again (a republished dump): every hash unchanged, nothing written.
            asyncio.run(publish_all(topology, bodies, total))
            again = run_service(database, topology, total, args.batch_size, args.flush_interval)
            print(
                f"republished unchanged: {total} releases in {again['seconds']:.1f} s = "
                f"{again['rows_per_second']:,.0f} records/s checked; peak RSS {again['peak_rss_mb']:.0f} MB"
            )
            timings = stage_profile(database, bodies, args.batch_size)
            spent = sum(timings.values())
            print(f"in-process, one thread, {total} releases: {total / spent:,.0f} rows/s; time per step:")
            for step, seconds in timings.items():
                share = 100 * seconds / spent
                print(f"  {step:7s} {seconds:6.2f} s  {share:4.1f} %  ({total / seconds:,.0f} rows/s)")
            limit = min(args.compare_rows, total)
            print(
                f"write path on {limit} new rows (rows built beforehand): KindWriter (COPY) "
                f"{copy_rate(database, bodies, limit, args.batch_size):,.0f} rows/s, executemany "
                f"{executemany_rate(database, bodies, limit, args.batch_size):,.0f} rows/s"
            )
        finally:
            asyncio.run(delete_topology(topology))
            with psycopg.connect(conninfo("postgres"), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
