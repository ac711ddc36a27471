"""Drives the real pipeline for fault injection: services as subprocesses, real broker and database.

Every scenario gets its own PostgreSQL database, queue prefix and DISCOGS_ROOT, so runs never
share state. `Pipeline` starts and kills the extractor and tableinator as an operator's process
manager would (SIGKILL included), and `verify` checks the promises after the dust settles.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aio_pika
import psycopg

from discogsography.amqp.topology import Topology, remove_prefix
from discogsography.kinds import Kind
from discogsography.parsing import DumpParser

POSTGRES = "host=127.0.0.1 port=5432 user=postgres"
AMQP = "amqp://guest:guest@127.0.0.1:5672/"


async def read_queue_depths(amqp_url: str, topology: Topology) -> dict[str, int]:
    """Messages waiting in each queue and dead-letter queue of a topology (-1: no such queue)."""
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        depths = {}
        for kind in Kind:
            for name in (topology.queue(kind), topology.dead_letter_queue(kind)):
                try:
                    queue = await channel.declare_queue(name, passive=True)
                except aio_pika.exceptions.ChannelClosed:
                    channel = await connection.channel()
                    depths[name] = -1
                    continue
                depths[name] = queue.declaration_result.message_count or 0
        return depths


def wait_for(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


@dataclass
class Expected:
    """What the dump holds, read by the parser: id -> sha256 per kind."""

    hashes: dict[Kind, dict[int, str]]
    files: dict[Kind, str]

    @classmethod
    def of(cls, dump: Path) -> Expected:
        hashes: dict[Kind, dict[int, str]] = {}
        files: dict[Kind, str] = {}
        for path in sorted(dump.glob("*.xml.gz")):
            parser = DumpParser(path)
            hashes[parser.kind] = {record.id: record.sha256 for record in parser}
            files[parser.kind] = path.name
        return cls(hashes, files)

    @property
    def total(self) -> int:
        return sum(len(ids) for ids in self.hashes.values())


@dataclass
class Pipeline:
    dump: Path
    workdir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    extractor: subprocess.Popen[bytes] | None = None
    tableinator: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        self.database = f"dgtest_fault_{self.run_id}"
        self.prefix = f"dgtest-fault-{self.run_id}-"
        self.topology = Topology(self.prefix)
        self.root = self.workdir / "discogs-root"
        self.root.mkdir(parents=True, exist_ok=True)
        self.logs = self.workdir / "logs"
        self.logs.mkdir(exist_ok=True)
        with psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')

    @property
    def conninfo(self) -> str:
        return f"{POSTGRES} dbname={self.database}"

    def env(self, **overrides: str) -> dict[str, str]:
        return {
            **os.environ,
            "DISCOGS_SOURCE": self.dump.as_uri(),
            "DISCOGS_ROOT": str(self.root),
            "AMQP_CONNECTION": AMQP,
            "AMQP_PREFIX": self.prefix,
            "POSTGRES_ADDRESS": "127.0.0.1:5432",
            "POSTGRES_USERNAME": "postgres",
            "POSTGRES_DATABASE": self.database,
            "CONSUMER_CANCEL_DELAY": "600",
            "QUEUE_CHECK_INTERVAL": "2",
            "POSTGRES_BATCH_FLUSH_INTERVAL": "0.5",
            "HEALTH_CHECK_PORT": "0",
            "PROGRESS_INTERVAL_SECONDS": "5",
            **self.extra_env,
            **overrides,
        }

    def _start(self, name: str, args: list[str], **overrides: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        return subprocess.Popen(
            [sys.executable, "-m", "discogsography", *args],
            env=self.env(**overrides),
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def start_tableinator(self, **overrides: str) -> None:
        self.tableinator = self._start("tableinator", ["tableinator"], **overrides)

    def start_extractor(self, **overrides: str) -> None:
        self.extractor = self._start("extractor", ["extractor", "--once"], **overrides)

    def wait_extractor(self, timeout: float = 300) -> int:
        assert self.extractor is not None
        return self.extractor.wait(timeout=timeout)

    @staticmethod
    def kill(process: subprocess.Popen[bytes] | None) -> None:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)

    @staticmethod
    def stop(process: subprocess.Popen[bytes] | None, timeout: float = 60) -> int | None:
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=timeout)
        return process.returncode

    def log_text(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- observations ---------------------------------------------------------------------

    def marker(self) -> dict[str, Any] | None:
        markers = sorted(self.root.glob(".extraction_status_*.json"))
        if not markers:
            return None
        data: dict[str, Any] = json.loads(markers[-1].read_text())
        return data

    def file_progress(self, file: str) -> dict[str, Any]:
        marker = self.marker() or {}
        progress: dict[str, Any] = (
            marker.get("processing_phase", {}).get("progress_by_file", {}).get(file, {})
        )
        return progress

    def row_count(self, kind: Kind) -> int:
        try:
            with psycopg.connect(self.conninfo) as conn:
                row = conn.execute(f"SELECT count(*) FROM {kind.value}").fetchone()
        except psycopg.Error:
            return 0
        return int(row[0]) if row else 0

    def stored(self, kind: Kind) -> list[tuple[int, str]]:
        with psycopg.connect(self.conninfo) as conn:
            return [
                (int(r[0]), str(r[1])) for r in conn.execute(f"SELECT id, hash FROM {kind.value} ORDER BY id")
            ]

    def queue_depths(self) -> dict[str, int]:
        return asyncio.run(read_queue_depths(AMQP, self.topology))

    def take_dead_letters(self, kind: Kind) -> list[bytes]:
        """Consume (and so remove) everything in a kind's dead-letter queue."""

        async def read() -> list[bytes]:
            connection = await aio_pika.connect(AMQP)
            bodies = []
            async with connection:
                channel = await connection.channel()
                queue = await channel.declare_queue(self.topology.dead_letter_queue(kind), passive=True)
                while (message := await queue.get(no_ack=True, fail=False)) is not None:
                    bodies.append(message.body)
            return bodies

        return asyncio.run(read())

    def publish_raw(self, kind: Kind, bodies: list[bytes]) -> None:
        async def publish() -> None:
            connection = await aio_pika.connect(AMQP)
            async with connection:
                channel = await connection.channel(publisher_confirms=True)
                exchange = await channel.get_exchange(self.topology.exchange)
                for body in bodies:
                    await exchange.publish(
                        aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                        routing_key=self.topology.routing_key(kind),
                    )

        asyncio.run(publish())

    def wait_all_stored(self, expected: Expected, timeout: float = 300) -> None:
        def done() -> bool:
            return all(self.row_count(kind) >= len(ids) for kind, ids in expected.hashes.items())

        wait_for(done, timeout, "every record in its table")

    def close(self) -> None:
        self.kill(self.extractor)
        self.kill(self.tableinator)

        try:
            asyncio.run(remove_prefix(AMQP, self.prefix))
        finally:
            with psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


def verify(
    pipeline: Pipeline, expected: Expected, *, dead_lettered: dict[Kind, int] | None = None
) -> list[str]:
    """The promises after a scenario; returns what was checked, for the reliability report."""
    checked = []
    for kind, hashes in expected.hashes.items():
        stored = pipeline.stored(kind)
        ids = [record_id for record_id, _ in stored]
        assert len(ids) == len(set(ids)), f"{kind}: duplicate ids"
        assert dict(stored) == hashes, f"{kind}: stored ids/hashes differ from the dump"
    checked.append(
        f"all {expected.total:,} records of the dump are in their tables exactly once, each with the dump's sha256"
    )
    depths = pipeline.queue_depths()
    dead = dead_lettered or {}
    for kind in Kind:
        assert depths[pipeline.topology.queue(kind)] == 0, f"{kind}: messages left in the queue: {depths}"
        assert depths[pipeline.topology.dead_letter_queue(kind)] == dead.get(kind, 0), depths
    checked.append("no message left unacknowledged in the four queues")
    checked.append(
        "dead-letter queues hold exactly the malformed messages" if dead else "dead-letter queues are empty"
    )
    marker = pipeline.marker()
    assert marker is not None
    for kind, file in expected.files.items():
        progress = marker["processing_phase"]["progress_by_file"][file]
        assert progress["status"] == "completed", (file, progress)
        assert progress["records_extracted"] == len(expected.hashes[kind]), (file, progress)
    assert marker["processing_phase"]["status"] == "completed"
    checked.append("the state marker shows every file completed with its true record count")
    return checked
