"""End-to-end benchmark: a make_dump.py dump through extractor, RabbitMQ, tableinator, PostgreSQL.

    uv run python bench/pipeline_bench.py                       # 100,000 releases, 1,000 of the rest
    uv run python bench/pipeline_bench.py --releases 400000 --others 200000   # the 1 M record soak

Both services run as their own processes on this machine, configured by environment variables,
in a database and queue prefix of the benchmark's own (dropped afterwards). Two times are shown:
the whole run, from starting the services (the tableinator first; the extractor once its /health
says it is ready) to the last row committed, and beside it the time from the first record
published (the marker's first file in progress) to the last row committed. The tableinator's
/health counts (records committed, polled ten times a second) tell when the last row is
committed, and the tables are counted once at the end to check them. Counting the
tables while the pipeline runs would cost the server a scan of a growing table each time.
Memory: every process's RSS is sampled twice a second; the peak and the RSS at each quarter of
the run show whether it stays flat.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import psycopg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from dumps import build_dump  # noqa: E402

KINDS = ("artists", "labels", "masters", "releases")
POSTGRES = "host=127.0.0.1 port=5432 user=postgres"


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of one process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def server_cpu_seconds() -> dict[str, float]:
    """CPU time so far of every PostgreSQL and RabbitMQ process on the machine, by server."""
    totals = {"postgresql": 0.0, "rabbitmq": 0.0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        command = text[text.index("(") + 1 : text.rindex(")")]
        server = (
            "postgresql" if command.startswith("postgres") else "rabbitmq" if command == "beam.smp" else None
        )
        if server:
            totals[server] += cpu_seconds(int(stat.parent.name))
    return totals


def descendants(pid: int) -> list[int]:
    children = []
    for task in Path("/proc").glob(f"{pid}/task/*/children"):
        try:
            children += [int(c) for c in task.read_text().split()]
        except OSError:
            continue
    return children + [d for child in children for d in descendants(child)]


class MemorySampler(threading.Thread):
    def __init__(self, processes: dict[str, subprocess.Popen[bytes]]) -> None:
        super().__init__(daemon=True)
        self.processes = processes
        self.samples: dict[str, list[tuple[float, float]]] = {}
        self.cpu: dict[str, float] = {}  # last CPU seconds read per process, kept after it exits
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.5):
            now = time.monotonic()
            for name, process in self.processes.items():
                if process.poll() is not None:
                    continue
                self.samples.setdefault(name, []).append((now, rss_mb(process.pid)))
                self.cpu[name] = cpu_seconds(process.pid) or self.cpu.get(name, 0.0)
                for child in descendants(process.pid):
                    worker = f"{name} worker {child}"
                    self.samples.setdefault(worker, []).append((now, rss_mb(child)))
                    self.cpu[worker] = cpu_seconds(child) or self.cpu.get(worker, 0.0)


def count_rows(conninfo: str) -> dict[str, int]:
    with psycopg.connect(conninfo) as conn:
        return {k: int(conn.execute(f"SELECT count(*) FROM {k}").fetchone()[0]) for k in KINDS}  # type: ignore[index]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def committed_records(client: httpx.Client, port: int) -> dict[str, int]:
    """Records the tableinator has committed, by kind, from its /health (zeros while it starts)."""
    try:
        counts = client.get(f"http://127.0.0.1:{port}/health").json().get("counts", {})
    except (httpx.HTTPError, ValueError):
        return dict.fromkeys(KINDS, 0)
    return {kind: int(counts.get(kind, {}).get("records", 0)) for kind in KINDS}


def wait_until_healthy(port: int, process: subprocess.Popen[bytes], logs: Path) -> None:
    """Return once the tableinator's /health says healthy (schema ready, broker connected)."""
    deadline = time.monotonic() + 120  # only an upper limit on the wait
    with httpx.Client(timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"tableinator stopped while starting; see {logs / 'tableinator.log'}")
            try:
                if client.get(f"http://127.0.0.1:{port}/health").json().get("status") == "healthy":
                    return
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.02)
    raise SystemExit(f"tableinator not healthy after 120 s; see {logs / 'tableinator.log'}")


def main() -> None:
    options = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    options.add_argument("--releases", type=int, default=100_000)
    # The extractor takes only complete versions (all four kinds), so the others are never 0.
    options.add_argument("--others", type=int, default=1000, help="artists, labels and masters each")
    options.add_argument("--batch-size", default="1000", help="POSTGRES_BATCH_SIZE for the tableinator")
    options.add_argument("--records-per-message", default=None, help="RECORDS_PER_MESSAGE for the extractor")
    args = options.parse_args()

    dump = build_dump(args.releases, args.others)
    expected = {"releases": args.releases, **dict.fromkeys(("artists", "labels", "masters"), args.others)}
    total = sum(expected.values())
    run_id = uuid.uuid4().hex[:8]
    database, prefix = f"dgbench_{run_id}", f"dgbench-{run_id}-"
    root = Path(tempfile.mkdtemp(prefix="dgbench-root-"))
    with psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    conninfo = f"{POSTGRES} dbname={database}"
    health_port = free_port()
    env = {
        **os.environ,
        "DISCOGS_SOURCE": dump.as_uri(),
        "DISCOGS_ROOT": str(root),
        "AMQP_CONNECTION": "amqp://guest:guest@127.0.0.1:5672/",
        "AMQP_PREFIX": prefix,
        "POSTGRES_ADDRESS": "127.0.0.1:5432",
        "POSTGRES_USERNAME": "postgres",
        "POSTGRES_DATABASE": database,
        "POSTGRES_BATCH_SIZE": args.batch_size,
        "POSTGRES_BATCH_FLUSH_INTERVAL": "1",
        "CONSUMER_CANCEL_DELAY": "5",
        "HEALTH_CHECK_PORT": str(health_port),
        "LOG_LEVEL": "WARNING",
    }
    if args.records_per_message:
        env["RECORDS_PER_MESSAGE"] = args.records_per_message
    command = [sys.executable, "-m", "discogsography"]
    logs = root / "logs"
    logs.mkdir()
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        started = time.monotonic()
        processes["tableinator"] = subprocess.Popen(
            [*command, "tableinator"], env=env, stderr=(logs / "tableinator.log").open("wb")
        )
        # The tableinator declares the topology and the schema; it says healthy once both are done.
        wait_until_healthy(health_port, processes["tableinator"], logs)
        processes["extractor"] = subprocess.Popen(
            [*command, "extractor", "--once"],
            env={**env, "HEALTH_CHECK_PORT": "0"},  # the port above is the tableinator's
            stderr=(logs / "extractor.log").open("wb"),
        )
        sampler = MemorySampler(processes)
        sampler.start()
        first_publish = None
        while first_publish is None:
            markers = list(root.glob(".extraction_status_*.json"))
            if markers:
                try:
                    marker = json.loads(markers[0].read_text())
                except ValueError:
                    marker = {}
                files = marker.get("processing_phase", {}).get("progress_by_file", {})
                if files:
                    first_publish = time.monotonic()
                    servers_at_start = server_cpu_seconds()
            if processes["extractor"].poll() not in (None, 0):
                raise SystemExit(f"extractor failed; see {logs / 'extractor.log'}")
            time.sleep(0.05)
        with httpx.Client(timeout=5) as client:
            while True:
                committed = committed_records(client, health_port)
                if all(committed[k] >= expected[k] for k in KINDS):
                    break
                if processes["tableinator"].poll() is not None:
                    raise SystemExit(f"tableinator stopped; see {logs / 'tableinator.log'}")
                time.sleep(0.1)
        finished = time.monotonic()
        seconds = finished - first_publish
        whole = finished - started
        servers_at_end = server_cpu_seconds()
        rows = count_rows(conninfo)
        if rows != expected:
            raise SystemExit(f"tables hold {rows}, the dump {expected}; see {logs}")
        extractor_status = processes["extractor"].wait(timeout=600)
        sampler.stop.set()
        sampler.join()
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=120)
        with psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        subprocess.run(
            [sys.executable, str(HERE / "delete_queues.py"), prefix], check=False, capture_output=True
        )

    print(f"dump: {dump} ({total:,} records)")
    print(
        f"whole run: {total:,} rows committed {whole:.1f} s after starting the services = "
        f"{total / whole:,.0f} records/s ({args.releases / whole:,.0f} releases/s)"
    )
    print(
        f"end to end: {total:,} rows committed in {seconds:.1f} s = {total / seconds:,.0f} records/s "
        f"({args.releases / seconds:,.0f} releases/s); extractor exit status {extractor_status}"
    )
    print(f"{'process':<28} {'peak RSS MB':>11}   RSS MB at 25% / 50% / 75% / end of its life")
    for name, samples in sorted(sampler.samples.items()):
        if not samples:
            continue
        values = [rss for _, rss in samples]
        quarters = [values[min(len(values) - 1, int(len(values) * q))] for q in (0.25, 0.5, 0.75)] + [
            values[-1]
        ]
        shown = " / ".join(f"{value:.0f}" for value in quarters)
        print(f"{name:<28} {max(values):>11.0f}   {shown}")
    # Where the time goes: CPU seconds per process over the run (the services' whole lives,
    # the servers' from first publish to last commit), and per record.
    cpu = dict(sampler.cpu)
    for server, start in servers_at_start.items():
        cpu[server] = servers_at_end[server] - start
    print(f"{'CPU over the run':<28} {'seconds':>11}   {'µs/record':>9}   {'% of one core':>13}")
    for name, used in sorted(cpu.items()):
        print(f"{name:<28} {used:>11.1f}   {used / total * 1e6:>9.0f}   {used / seconds * 100:>12.0f}%")
    busy = sum(cpu.values())
    print(f"{'all':<28} {busy:>11.1f}   {busy / total * 1e6:>9.0f}   {busy / seconds * 100:>12.0f}%")


if __name__ == "__main__":
    main()
