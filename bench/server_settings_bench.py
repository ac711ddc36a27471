"""Server-wide PostgreSQL settings for a bulk load, each against the default, on a private server.

    uv run python bench/server_settings_bench.py --pairs 3     # or: make bench-pg-settings

The whole pipeline benchmark of bench/sizing_bench.py (100,000 releases and 1,000 of each other
kind by default) runs against a PostgreSQL 15 server of its own (bench/private_postgres.py: a
throwaway initdb on a free port), never the shared one. Each setting is tried in pairs of runs
alternating with the default (default, setting, default, setting, ...), the server started
afresh with exactly that run's settings before each run and stopped after it. Each line gives
the run's records per second, the private server's own CPU seconds over the run, its WAL,
full-page images and checkpoints (the server holds only this benchmark's work, so its counters
are the run's own) and the ratios to the default run of its pair. The server's CPU is far less
disturbed by a busy machine than the wall time is.

``max_wal_size = 32MB`` is not advice: it makes checkpoints come about as often, for the size
of the tables, as the default 1GB does during a whole-dump load (about a hundred of them), so
its ratio shows what the checkpoints cost that raising max_wal_size saves there.
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import sys
from pathlib import Path
from typing import Any

import psycopg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from pipeline_bench import free_port  # noqa: E402
from private_postgres import PrivatePostgres  # noqa: E402
from sizing_bench import run_pipeline  # noqa: E402

# Each tried alone against the server's default (initdb's postgresql.conf).
SETTINGS = {
    "max_wal_size=16GB": {"max_wal_size": "16GB"},
    "checkpoint_timeout=30min": {"checkpoint_timeout": "30min"},
    "maintenance_work_mem=1GB": {"maintenance_work_mem": "1GB"},
    "synchronous_commit=off": {"synchronous_commit": "off"},
    "max_wal_size=32MB": {"max_wal_size": "32MB"},
}
SHOWN = ("shared_buffers", "max_wal_size", "checkpoint_timeout", "maintenance_work_mem", "synchronous_commit")


def one_run(server: PrivatePostgres, counts: dict[str, int], settings: dict[str, str]) -> dict[str, Any]:
    server.start(settings)
    try:
        return run_pipeline(counts, postgres=server.conninfo, server_cpu=server.cpu_seconds)
    finally:
        server.stop()


def describe(result: dict[str, Any]) -> str:
    checkpoints = result["checkpoints"]
    return (
        f"{result['records_per_second']:,.0f} records/s, server CPU {result['server_cpu_seconds']:.1f} s,"
        f" WAL {result['wal_bytes'] / 1e6:,.0f} MB,"
        f" {result['wal_fpi']:,} full-page images,"
        f" checkpoints {checkpoints['timed']} timed + {checkpoints['requested']} requested"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pairs", type=int, default=3, help="alternating default/setting pairs per setting")
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--others", type=int, default=1000, help="artists, labels and masters each")
    parser.add_argument("--only", choices=sorted(SETTINGS), action="append")
    parser.add_argument("--port", type=int, default=0, help="the private server's port (default: a free one)")
    parser.add_argument("--json", type=Path, help="append every run's figures to this JSON Lines file")
    args = parser.parse_args()
    # A stop (SIGTERM) unwinds like an error, so the private server and the services are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    counts = {"releases": args.releases, **dict.fromkeys(("artists", "labels", "masters"), args.others)}
    server = PrivatePostgres(args.port or free_port())
    try:
        server.start()
        with psycopg.connect(f"{server.conninfo} dbname=postgres") as conn:
            shown = {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in SHOWN}  # type: ignore[index]
        server.stop()
        print(f"private server on port {server.port}, defaults: {shown}", flush=True)
        summary: dict[str, list[float]] = {}
        cpu_ratios: dict[str, list[float]] = {}
        for label in args.only or list(SETTINGS):
            ratios = []
            for _ in range(args.pairs):
                base = one_run(server, counts, {})
                tried = one_run(server, counts, SETTINGS[label])
                for result in (base, tried):
                    if args.json:
                        with args.json.open("a") as out:
                            out.write(json.dumps({**result, "server_settings": label}) + "\n")
                ratios.append(tried["records_per_second"] / base["records_per_second"])
                cpu_ratios.setdefault(label, []).append(
                    tried["server_cpu_seconds"] / base["server_cpu_seconds"]
                )
                print(f"{label}: default {describe(base)}", flush=True)
                print(
                    f"{label}: with it {describe(tried)}: ratio {ratios[-1]:.2f},"
                    f" server CPU ratio {cpu_ratios[label][-1]:.2f}",
                    flush=True,
                )
            summary[label] = ratios
        for label, ratios in summary.items():
            shown_ratios = ", ".join(f"{r:.2f}" for r in sorted(ratios))
            cpu = ", ".join(f"{r:.2f}" for r in sorted(cpu_ratios[label]))
            print(
                f"{label}: records/s ratios {shown_ratios} (median {statistics.median(ratios):.2f});"
                f" server CPU ratios {cpu} (median {statistics.median(cpu_ratios[label]):.2f})"
            )
    finally:
        server.remove()


if __name__ == "__main__":
    main()
