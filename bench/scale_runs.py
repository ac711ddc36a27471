"""The scale benchmark's runs: ``load`` into a database, and the pipeline (extractor, RabbitMQ,
tableinator) as separate processes, each watched from start to end (bench/scale_watch.py).

A run's result is plain data for the JSON report: wall seconds, what the watcher sampled, the
CPU seconds of each of our processes, and the server's WAL and checkpoints over the run.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
from pipeline_bench import free_port, server_cpu_seconds, wait_until_healthy
from scale_db import difference, server_counters
from scale_watch import Watcher, queue_depths

from discogsography.amqp.topology import remove_prefix
from discogsography.kinds import Kind

COMMAND = [sys.executable, "-m", "discogsography"]
KINDS = {kind.value for kind in Kind}


@dataclass
class Target:
    """A database of the run's own on a server (the shared one, or the benchmark's private one)."""

    server: str  # base conninfo, no dbname
    address: str  # host:port, as POSTGRES_ADDRESS
    database: str

    @classmethod
    def fresh(cls, server: str, address: str, name: str) -> Target:
        target = cls(server, address, f"dgscale_{name}_{uuid.uuid4().hex[:6]}")
        with psycopg.connect(f"{server} dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{target.database}"')
        return target

    @property
    def conninfo(self) -> str:
        return f"{self.server} dbname={self.database}"

    def drop(self) -> None:
        with psycopg.connect(f"{self.server} dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


def stop(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=120)


def _result(
    seconds: float, watcher: Watcher, counters: dict[str, int], servers: dict[str, float], target: Target
) -> dict[str, Any]:
    servers_after = server_cpu_seconds()
    return {
        "seconds": seconds,
        "watch": watcher.finish(),
        "cpu_seconds": dict(watcher.cpu),
        "server_cpu_seconds_machine_wide": {name: servers_after[name] - servers[name] for name in servers},
        "server_counters": difference(counters, server_counters(target.conninfo)),
    }


def run_load(
    target: Target, dump: Path, logs: Path, broker_home: Path, workers: int, interval: float = 10.0
) -> dict[str, Any]:
    """``discogsography load`` of a whole dump into the target's (empty) database."""
    logs.mkdir(parents=True, exist_ok=True)
    counters, servers = server_counters(target.conninfo), server_cpu_seconds()
    processes: dict[str, subprocess.Popen[bytes]] = {}
    started = time.monotonic()
    processes["load"] = subprocess.Popen(
        [*COMMAND, "load", str(dump), "--database-url", target.conninfo, "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=(logs / "load.log").open("wb"),
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )
    watcher = Watcher(target.conninfo, target.database, processes, {}, broker_home, interval=interval)
    watcher.start()
    try:
        if processes["load"].wait() != 0:
            raise SystemExit(f"load failed; see {logs / 'load.log'}")
        seconds = time.monotonic() - started
    finally:
        stop(processes)
    return _result(seconds, watcher, counters, servers, target)


class Pipeline:
    """One database, queue prefix, DISCOGS_ROOT and source mirror; runs the services on demand."""

    def __init__(
        self, target: Target, work: Path, broker_home: Path, parser_workers: int, interval: float = 10.0
    ) -> None:
        self.interval = interval
        self.target = target
        self.prefix = f"dgscale-{uuid.uuid4().hex[:8]}-"
        self.work, self.broker_home = work, broker_home
        self.root, self.mirror = work / "root", work / "mirror"
        self.root.mkdir(parents=True)
        self.mirror.mkdir()
        self.port = free_port()
        self.env = {
            **os.environ,
            "DISCOGS_SOURCE": self.mirror.as_uri(),
            "DISCOGS_ROOT": str(self.root),
            "AMQP_CONNECTION": "amqp://guest:guest@127.0.0.1:5672/",
            "AMQP_PREFIX": self.prefix,
            "POSTGRES_ADDRESS": target.address,
            "POSTGRES_USERNAME": "postgres",
            "POSTGRES_DATABASE": target.database,
            "POSTGRES_BATCH_FLUSH_INTERVAL": "1",
            "CONSUMER_CANCEL_DELAY": "5",
            "PARSER_WORKERS": str(parser_workers),
            "LOG_LEVEL": "WARNING",
        }

    def offer(self, dump: Path) -> None:
        """Make ``dump`` the newest version at the source; older ones leave the mirror (the
        extractor diffs against its own index in DISCOGS_ROOT, not against old files)."""
        for old in self.mirror.iterdir():
            old.unlink()
        for path in dump.iterdir():
            try:
                os.link(path, self.mirror / path.name)  # no copy of gigabytes
            except OSError:
                shutil.copy(path, self.mirror / path.name)

    def run(self, name: str, *, backlog: bool = False) -> dict[str, Any]:
        """The extractor once and the tableinator until every kind's file is complete. With
        ``backlog`` the tableinator starts only once the extractor has published everything."""
        logs = self.work / "logs" / name
        logs.mkdir(parents=True)
        counters, servers = server_counters(self.target.conninfo), server_cpu_seconds()
        processes: dict[str, subprocess.Popen[bytes]] = {}
        disks = {"discogs_root": self.root, "broker": self.broker_home / "mnesia"}
        watcher = Watcher(
            self.target.conninfo,
            self.target.database,
            processes,
            disks,
            self.broker_home,
            self.prefix,
            self.interval,
        )
        started = time.monotonic()
        watcher.start()
        marks: dict[str, float] = {}
        try:
            if not backlog:
                self._start_tableinator(processes, logs)
            processes["extractor"] = subprocess.Popen(
                [*COMMAND, "extractor", "--once"],
                env={**self.env, "HEALTH_CHECK_PORT": "0"},
                stderr=(logs / "extractor.log").open("wb"),
            )
            if backlog:
                if processes["extractor"].wait() != 0:
                    raise SystemExit(f"extractor failed; see {logs}")
                marks["published_all"] = time.monotonic() - started
                self._start_tableinator(processes, logs)
            self._wait_complete(processes, logs)
            seconds = time.monotonic() - started
            if processes["extractor"].wait(timeout=600) != 0:
                raise SystemExit(f"extractor failed; see {logs}")
        finally:
            stop(processes)
        result = _result(seconds, watcher, counters, servers, self.target)
        result["marks"] = marks
        result["queues_at_end"] = asyncio.run(queue_depths(self.prefix))
        result["extractor_marker"] = self._marker_totals()
        return result

    def _start_tableinator(self, processes: dict[str, subprocess.Popen[bytes]], logs: Path) -> None:
        processes["tableinator"] = subprocess.Popen(
            [*COMMAND, "tableinator"],
            env={**self.env, "HEALTH_CHECK_PORT": str(self.port)},
            stderr=(logs / "tableinator.log").open("wb"),
        )
        wait_until_healthy(self.port, processes["tableinator"], logs)

    def _wait_complete(self, processes: dict[str, subprocess.Popen[bytes]], logs: Path) -> None:
        with httpx.Client(timeout=5) as client:
            while True:
                for name, process in processes.items():
                    if process.poll() not in (None, 0):
                        raise SystemExit(f"{name} failed; see {logs}")
                try:
                    health = client.get(f"http://127.0.0.1:{self.port}/health").json()
                except (httpx.HTTPError, ValueError):
                    health = {}
                if set(health.get("completed_kinds", [])) >= KINDS:
                    return
                time.sleep(0.5)

    def _marker_totals(self) -> dict[str, int]:
        """What the extractor says it published, over the newest version's files."""
        markers = sorted(self.root.glob(".extraction_status_*.json"))
        if not markers:
            return {}
        files = json.loads(markers[-1].read_text())["processing_phase"]["progress_by_file"].values()
        return {
            "records": sum(entry["records_extracted"] for entry in files),
            "removed": sum(entry.get("removed", 0) for entry in files),
            "messages": sum(entry["messages_published"] for entry in files),
        }

    def close(self) -> None:
        self.target.drop()
        asyncio.run(remove_prefix("amqp://guest:guest@127.0.0.1:5672/", self.prefix))
        shutil.rmtree(self.work, ignore_errors=True)
