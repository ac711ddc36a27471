"""Extractor benchmark: publish the releases file of a make_dump.py dump to the local RabbitMQ.

    uv run python bench/extractor_bench.py [--releases 100000] [--records-per-message 100 1]
        [--workers 1] [--window 256] [--amqp amqp://guest:guest@127.0.0.1:5672/]

Builds the dump in a temporary directory (bench/make_dump.py), publishes its releases file with
the extractor's FilePublisher (publisher confirms, persistent messages) under a unique queue
prefix, and reports records/s, MB/s of uncompressed XML and peak RSS. Each configuration runs in
its own child process so peak RSS is measured per run. The queues are deleted afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import aio_pika

from discogsography.amqp.topology import Topology
from discogsography.extractor.publisher import FilePublisher, PublishOptions
from discogsography.kinds import Kind

HERE = Path(__file__).resolve().parent


async def _publish(
    path: Path, amqp: str, prefix: str, per_message: int, workers: int, window: int
) -> dict[str, float]:
    topology = Topology(prefix=prefix)
    options = PublishOptions(records_per_message=per_message, publish_window=window, parser_workers=workers)
    started = time.perf_counter()
    async with FilePublisher(path, path.name, amqp, topology, options, stop=threading.Event()) as publisher:
        stats = await publisher.publish_records()
        await publisher.send_file_complete(stats.records_published)
    seconds = time.perf_counter() - started
    return {
        "records": stats.records_published,
        "messages": stats.messages_published,
        "seconds": seconds,
        "xml_mb": stats.xml_bytes / 1e6,
    }


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


class _RssSampler(threading.Thread):
    """Peak of the summed RSS of this process and every process it started (parser workers)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = False
        self.tree_peak_kb = 0

    def run(self) -> None:
        import os

        while not self.stop:
            total = sum(_rss_kb(pid) for pid in _descendants(os.getpid()))
            self.tree_peak_kb = max(self.tree_peak_kb, total)
            time.sleep(0.25)


def _run_one(
    path: str, amqp: str, prefix: str, per_message: int, workers: int, window: int, out: str
) -> None:
    sampler = _RssSampler()
    sampler.start()
    result = asyncio.run(_publish(Path(path), amqp, prefix, per_message, workers, window))
    sampler.stop = True
    sampler.join()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    result["tree_peak_rss_mb"] = sampler.tree_peak_kb / 1024
    # ru_maxrss of this process (kB on Linux); parser worker processes are reported separately.
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Path(out).write_text(json.dumps(result))


async def _cleanup(amqp: str, prefix: str) -> int:
    topology = Topology(prefix=prefix)
    connection = await aio_pika.connect(amqp)
    async with connection:
        channel = await connection.channel()
        for kind in Kind:
            for name in (topology.queue(kind), topology.dead_letter_queue(kind)):
                await channel.queue_delete(name)
        await channel.exchange_delete(topology.exchange)
        await channel.exchange_delete(topology.dead_letter_exchange)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--records-per-message", type=int, nargs="+", default=[100, 1])
    parser.add_argument("--workers", type=int, nargs="+", default=[1])
    parser.add_argument("--window", type=int, default=256)
    parser.add_argument("--amqp", default="amqp://guest:guest@127.0.0.1:5672/")
    parser.add_argument(
        "--dump", type=Path, default=None, help="Use this releases file instead of building one."
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="extractor-bench-") as tmp:
        if args.dump is None:
            subprocess.run(
                [
                    sys.executable,
                    str(HERE / "make_dump.py"),
                    tmp,
                    "--releases",
                    str(args.releases),
                    "--artists",
                    "0",
                    "--labels",
                    "0",
                    "--masters",
                    "0",
                ],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            dump = next(Path(tmp).glob("discogs_*_releases.xml.gz"))
        else:
            dump = args.dump
        print(f"dump: {dump.name} {dump.stat().st_size / 1e6:.1f} MB gzip")
        context = multiprocessing.get_context("spawn")
        for workers in args.workers:
            for per_message in args.records_per_message:
                prefix = f"bench-{uuid.uuid4().hex[:8]}-"
                out = str(Path(tmp) / f"{prefix}result.json")
                child = context.Process(
                    target=_run_one,
                    args=(str(dump), args.amqp, prefix, per_message, workers, args.window, out),
                )
                try:
                    child.start()
                    child.join()
                finally:
                    asyncio.run(_cleanup(args.amqp, prefix))
                if child.exitcode != 0:
                    print(f"run failed: workers={workers} records_per_message={per_message}")
                    continue
                result = json.loads(Path(out).read_text())
                print(
                    f"records_per_message={per_message:<4} workers={workers} window={args.window}: "
                    f"{result['records']:.0f} records in {result['messages']:.0f} messages, "
                    f"{result['seconds']:.1f} s, {result['records'] / result['seconds']:,.0f} records/s, "
                    f"{result['xml_mb'] / result['seconds']:.1f} MB/s XML, "
                    f"peak RSS {result['peak_rss_mb']:.0f} MB "
                    f"(with parser workers {result['tree_peak_rss_mb']:.0f} MB), "
                    f"extractor CPU {result['cpu_seconds'] / result['seconds']:.2f} cores"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
