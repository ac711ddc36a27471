"""Drives the real pipeline for fault injection: services as subprocesses, real broker and database.

Every scenario gets its own PostgreSQL database, queue prefix and DISCOGS_ROOT, so runs never
share state. `Pipeline` starts and kills the extractor and tableinator as an operator's process
manager would (SIGKILL included), and `verify` checks the promises after the dust settles. The
fault suite runs it on its private servers (servers.py); the e2e refresh tests on the shared ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aio_pika
import psycopg

from discogsography.amqp.topology import Topology, remove_prefix
from discogsography.kinds import Kind
from discogsography.parsing import DumpParser
from tests.support.amqp import QueueState, read_queue_depths, read_queue_states
from tests.support.servers import Servers
from tests.support.waits import wait_for


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
    servers: Servers  # the fault suite: its private servers; the e2e tests: SHARED
    extra_env: dict[str, str] = field(default_factory=dict)
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    extractor: subprocess.Popen[bytes] | None = None
    tableinator: subprocess.Popen[bytes] | None = None
    others: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)  # start_service's

    def __post_init__(self) -> None:
        self.database = f"dgtest_fault_{self.run_id}"
        self.prefix = f"dgtest-fault-{self.run_id}-"
        self.topology = Topology(self.prefix)
        self.root = self.workdir / "discogs-root"
        self.root.mkdir(parents=True, exist_ok=True)
        self.logs = self.workdir / "logs"
        self.logs.mkdir(exist_ok=True)
        self.conninfo = self.servers.create_database(self.database)

    def env(self, **overrides: str) -> dict[str, str]:
        return {
            **self.servers.service_env(
                source=self.dump, root=self.root, database=self.database, prefix=self.prefix
            ),
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

    def start_service(self, name: str, args: list[str], **overrides: str) -> subprocess.Popen[bytes]:
        """Another service process (a second tableinator), logging to ``<name>.log``."""
        self.others[name] = self._start(name, args, **overrides)
        return self.others[name]

    def start_tableinator(self, **overrides: str) -> None:
        self.tableinator = self._start("tableinator", ["tableinator"], **overrides)

    def wait_tableinator_attached(self, timeout: float = 120) -> None:
        """Until the tableinator has attached to every kind's queue: a SIGTERM before its handlers
        are in place is a silent clean exit, and what it then did not store would prove nothing."""
        assert self.tableinator is not None
        tableinator = self.tableinator

        def attached() -> bool:
            if tableinator.poll() is not None:
                raise AssertionError(
                    f"the tableinator exited ({tableinator.returncode}) before attaching:"
                    f" {self.log_text('tableinator')[-2000:]}"
                )
            kinds = {
                e.get("data_type") for e in self.log_events("tableinator") if e.get("event") == "🔗 Attached"
            }
            return kinds >= {kind.value for kind in Kind}

        wait_for(attached, timeout, "the tableinator attached to every kind", interval=0.1)

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

    def log_events(self, name: str) -> list[dict[str, Any]]:
        """A service's JSON log lines (other output, such as a one-line error, is left out)."""
        events = []
        for line in self.log_text(name).splitlines():
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    events.append(json.loads(line))
        return events

    def warnings(self, name: str) -> list[str]:
        """A service's warnings and errors, one line each (for assertion messages)."""
        events = self.log_events(name)
        return [
            f"{e.get('event')}: {e.get('error', '')}"
            for e in events
            if e.get("level") in ("warning", "error")
        ]

    def final_counts(self, name: str) -> dict[str, dict[str, int]]:
        """What a service's last ``… stopped`` log line counted (records, changed, … per kind)."""
        stopped = [e for e in self.log_events(name) if str(e.get("event", "")).endswith("stopped")]
        assert stopped, f"{name} logged no stop"
        return {key: value for key, value in stopped[-1].items() if isinstance(value, dict)}

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
        """Ready messages per queue: not final while a consumer holds deliveries (support.amqp)."""
        return asyncio.run(read_queue_depths(self.servers.amqp_url, self.topology))

    def queue_states(self) -> dict[str, QueueState]:
        """Ready messages and consumers per queue, read once."""
        return asyncio.run(read_queue_states(self.servers.amqp_url, self.topology))

    def settled_queues(self, expected: dict[str, int], timeout: float = 60) -> dict[str, QueueState]:
        """The queues once no consumer is attached and the counts are ``expected``, or as last
        read after ``timeout``, for the caller's assertion to show.

        With no consumer attached nothing delivered is still unsettled (the broker hands back
        what a closed connection held), so a ready count is then the whole count; and rejected
        messages reach their dead-letter queue asynchronously, so a single read right after
        the tableinator stopped may not show them yet.
        """
        states: dict[str, QueueState] = {}

        def settled() -> bool:
            states.update(asyncio.run(read_queue_states(self.servers.amqp_url, self.topology)))
            return all(
                state.consumers == 0 and state.ready == expected.get(name, 0)
                for name, state in states.items()
            )

        with contextlib.suppress(AssertionError):  # the caller's assertion shows what they hold
            wait_for(settled, timeout, "settled queues", interval=0.25)
        return states

    def take_dead_letters(self, kind: Kind) -> list[bytes]:
        """Consume (and so remove) everything in a kind's dead-letter queue."""

        async def read() -> list[bytes]:
            connection = await aio_pika.connect(self.servers.amqp_url)
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
            connection = await aio_pika.connect(self.servers.amqp_url)
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
        for process in self.others.values():
            self.kill(process)

        try:
            asyncio.run(remove_prefix(self.servers.amqp_url, self.prefix))
        finally:
            self.servers.drop_database(self.database)


def verify(
    pipeline: Pipeline, expected: Expected, *, dead_lettered: dict[Kind, int] | None = None
) -> list[str]:
    """The promises after a scenario, once the tableinator has stopped; returns what was checked,
    each line after the assertions it names, for the reliability report."""
    checked = []
    for kind, hashes in expected.hashes.items():
        stored = pipeline.stored(kind)
        ids = [record_id for record_id, _ in stored]
        assert len(ids) == len(set(ids)), f"{kind}: duplicate ids"
        assert dict(stored) == hashes, f"{kind}: stored ids/hashes differ from the dump"
    checked.append(
        f"all {expected.total:,} records of the dump are in their tables exactly once, each with the dump's sha256"
    )
    dead = dead_lettered or {}
    topology = pipeline.topology
    wanted = {topology.dead_letter_queue(kind): count for kind, count in dead.items()}
    states = pipeline.settled_queues(wanted)
    for kind in Kind:
        queue, dead_letters = states[topology.queue(kind)], states[topology.dead_letter_queue(kind)]
        assert queue.consumers == 0 and dead_letters.consumers == 0, (
            f"{kind}: a consumer is attached: {states}"
        )
        assert queue.ready == 0, f"{kind}: messages left in the queue: {states}"
        assert dead_letters.ready == dead.get(kind, 0), f"{kind}: dead letters: {states}"
    checked.append("no message left unacknowledged in the four queues (none ready, no consumer attached)")
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
