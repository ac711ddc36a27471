"""The scale benchmark's watcher: one thread sampling a long run.

Every second, the RSS of every process of the run, read from /proc: the benchmark's own
processes and their children, the PostgreSQL server's auxiliary processes and the backends of
the run's database (not other people's, on a shared server), and RabbitMQ's ``beam.smp``. Every
``interval`` seconds (10 by default), the rows written so far into each data table, the disk
used by the directories named, and the depth of the run's queues.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import aio_pika
import psycopg
from pipeline_bench import cpu_seconds, descendants, rss_mb
from scale_db import rows_written

from discogsography.amqp.topology import Topology
from discogsography.tableinator.queue_depths import queue_names, read_depths

AMQP = "amqp://guest:guest@127.0.0.1:5672/"


def parent_pid(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def postmaster_of(conninfo: str) -> int:
    """The server's postmaster: the parent of a backend serving us."""
    with psycopg.connect(conninfo) as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        assert row is not None
        return parent_pid(int(row[0]))  # while the backend still lives


def server_processes(postmaster: int, database: str) -> dict[str, int]:
    """The server's processes by name: its auxiliaries, and the backends of ``database`` only."""
    found = {"postgres postmaster": postmaster}
    for child in descendants(postmaster):
        title = command_line(child).removeprefix("postgres: ")
        cluster, _, rest = title.partition(": ")
        title = rest if rest and "/" in cluster else title  # "15/main: checkpointer"
        words = title.split()
        if not title:
            continue  # gone since it was listed
        if "(" not in title:  # not a client backend: checkpointer, WAL writer, autovacuum, ...
            found[f"postgres {title}"] = child
        elif len(words) >= 2 and words[1] == database:  # "user database host(port) state"
            found[f"postgres backend {child}"] = child
    return found


def broker_processes(home: Path) -> dict[str, int]:
    """The broker's Erlang VM: the ``beam.smp`` whose home is ``home`` (other brokers, such as the
    fault suite's private ones, have homes of their own)."""
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "beam.smp":
                pid = int(comm.parent.name)
                if f" -home {home} " in command_line(pid) + " ":
                    return {"rabbitmq beam.smp": pid}
        except OSError:
            continue
    return {}


def disk_bytes(path: Path) -> int:
    """Bytes allocated on disk below ``path`` (as du counts them)."""
    total = 0
    for directory, _, files in os.walk(path):
        for name in files:
            try:
                total += (Path(directory) / name).lstat().st_blocks * 512
            except OSError:
                continue
    return total


async def queue_depths(prefix: str) -> dict[str, int]:
    connection = await aio_pika.connect(AMQP, timeout=10)
    try:
        return dict(await read_depths(connection, queue_names(Topology(prefix))))
    finally:
        await connection.close()


class Watcher(threading.Thread):
    def __init__(
        self,
        conninfo: str,
        database: str,
        processes: dict[str, subprocess.Popen[bytes]],
        disks: dict[str, Path],
        broker_home: Path,
        prefix: str | None = None,
        interval: float = 10.0,
    ) -> None:
        super().__init__(daemon=True)
        self.conninfo, self.database, self.processes = conninfo, database, processes
        self.disks, self.prefix, self.interval = disks, prefix, interval
        self.broker_home = broker_home
        self.started = time.monotonic()
        self.rows: dict[str, list[tuple[float, int]]] = {}
        self.disk: dict[str, list[tuple[float, int]]] = {name: [] for name in disks}
        self.queues: list[tuple[float, dict[str, int]]] = []
        self.peak_rss: dict[str, float] = {}
        self.rss: dict[str, list[tuple[float, float]]] = {}  # every interval, for flatness
        self.cpu: dict[str, float] = {}  # CPU seconds of our processes, last reading kept
        self.stop = threading.Event()
        self.postmaster = postmaster_of(conninfo)

    def watched(self) -> dict[str, int]:
        pids = {}
        for name, process in list(self.processes.items()):
            if process.poll() is None:
                pids[name] = process.pid
                pids.update({f"{name} child {child}": child for child in descendants(process.pid)})
        pids.update(server_processes(self.postmaster, self.database))
        pids.update(broker_processes(self.broker_home))
        return pids

    def run(self) -> None:
        connection: psycopg.Connection[Any] | None = None
        next_slow = 0.0
        try:
            while not self.stop.is_set():
                now = time.monotonic() - self.started
                sizes = {name: rss_mb(pid) for name, pid in self.watched().items()}
                for name, mb in sizes.items():
                    self.peak_rss[name] = max(self.peak_rss.get(name, 0.0), mb)
                self.read_cpu()
                if now >= next_slow:
                    next_slow = now + self.interval
                    connection = connection or psycopg.connect(self.conninfo, autocommit=True)
                    self.sample_slow(now, connection, sizes)
                self.stop.wait(1.0)
            # a last sample, so the series end where the run ended
            self.sample_slow(time.monotonic() - self.started, connection, {})
        finally:
            if connection is not None:
                connection.close()

    def read_cpu(self) -> None:
        for name, process in list(self.processes.items()):
            for pid, label in (
                (process.pid, name),
                *((c, f"{name} child {c}") for c in descendants(process.pid)),
            ):
                self.cpu[label] = cpu_seconds(pid) or self.cpu.get(label, 0.0)

    def sample_slow(
        self, now: float, connection: psycopg.Connection[Any] | None, sizes: dict[str, float]
    ) -> None:
        if connection is None:
            connection = psycopg.connect(self.conninfo, autocommit=True)
        for table, rows in rows_written(connection).items():
            self.rows.setdefault(table, []).append((now, rows))
        for name, path in self.disks.items():
            self.disk[name].append((now, disk_bytes(path)))
        for name, mb in sizes.items():
            self.rss.setdefault(name, []).append((now, mb))
        if self.prefix is not None:
            # the broker busy or away for a moment: the next sample tells
            with contextlib.suppress(OSError, TimeoutError, aio_pika.exceptions.AMQPError):
                self.queues.append((now, asyncio.run(queue_depths(self.prefix))))

    def finish(self) -> dict[str, Any]:
        """Stop, and everything sampled as plain data."""
        self.stop.set()
        self.join()
        return {
            "rows": self.rows,
            "disk": self.disk,
            "peak_disk": {name: max((b for _, b in series), default=0) for name, series in self.disk.items()},
            "queues": self.queues,
            "peak_rss_mb": dict(sorted(self.peak_rss.items())),
            "rss_mb": self.rss,
        }
