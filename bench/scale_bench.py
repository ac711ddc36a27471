"""At the real dump's size: load, pipeline, backlog, three refreshes and a small-memory load.

    uv run python bench/scale_bench.py                       # a quarter of the real dump (hours)
    uv run python bench/scale_bench.py --scale 0.005         # the end-to-end trial: every phase
    uv run python bench/scale_bench.py --phase load,refresh --scale 0.1

The dumps (bench/scale_dumps.py): A has 5,000,000 releases, 2,500,000 artists, 600,000 masters
and 600,000 labels times --scale, built by make_dump.py; B, C and D each have 5 % of the one
before's records changed, 2 % new and 2 % removed, every kind (bench/next_version.py, streamed).
All are cached under bench/out/scale/dumps/. Phases, each into a fresh database of its own,
dropped afterwards, each writing bench/out/scale/<phase>.json and <phase>.txt, and those that load
a whole version (all but refresh) <phase>.png, each kind's rate against the rows already in its
table (bench/scale_plot.py):

- load: ``discogsography load`` of A (2 workers) into an empty database;
- pipeline: extractor -> RabbitMQ -> tableinator of A, the services as separate processes;
- backlog: the same, the tableinator started only once the extractor has published every file:
  the queues' depth, the broker's memory and disk, then the drain; rows counted, dead letters 0;
- refresh: A by the pipeline, then B, C, D in a row, each timed against a fresh pipeline load of
  the same version; after each, the tables' row digests (timestamps aside) against the fresh
  load's, dead tuples, and each table's size against the fresh load's; DISCOGS_ROOT listed
  (KEEP_VERSIONS);
- small-memory: ``load`` of A on a private PostgreSQL 15 (initdb in a temp dir, a free port)
  with --small-shared-buffers and --small-cache, small against its tables.

Every run is watched (bench/scale_watch.py): rows written per table every 10 s; the peak RSS of
every process (ours, PostgreSQL's auxiliaries and the run's backends, RabbitMQ's beam.smp); disk
used by DISCOGS_ROOT and by the broker's data directory; the server's WAL and checkpoints over the
run (server-wide: on the shared server they include other people's work). At the end of a run
that loads a whole version, each record table's rows grouped by ``updated_at`` time its batches
(one transaction each), from which each kind's rate per tenth and its last fifth's rate against
its first fifth's (bench/scale_rates.py): exact to the batch, where 10 s samples are too coarse
for a kind that loads in under a minute.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from pipeline_bench import free_port  # noqa: E402
from private_postgres import PrivatePostgres  # noqa: E402
from scale_db import batch_stamps, dead_tuples, relation_sizes, row_digests  # noqa: E402
from scale_dumps import Version, versions  # noqa: E402
from scale_plot import plot_result  # noqa: E402
from scale_report import (  # noqa: E402
    cpu_by_process,
    peaks_lines,
    queue_peak,
    rates_lines,
    root_versions,
    run_lines,
    sizes_lines,
)
from scale_runs import Pipeline, Target, run_load  # noqa: E402

OUT = HERE / "out" / "scale"
SHARED = "host=127.0.0.1 port=5432 user=postgres"
SHARED_ADDRESS = "127.0.0.1:5432"
PHASES = ("load", "pipeline", "backlog", "refresh", "small-memory")

Report = tuple[dict[str, Any], list[str]]


def loaded(result: dict[str, Any], target: Target, version: Version) -> list[str]:
    """Check the rows, time the batches, measure sizes; the lines every full load's summary shares."""
    # The stamps' scan counts the rows too: one scan of each table instead of two.
    result["stamps"] = batch_stamps(target.conninfo, version.counts)
    rows = {kind: sum(count for _, count in stamps) for kind, stamps in result["stamps"].items()}
    if rows != version.counts:
        raise SystemExit(f"{target.database} holds {rows}, version {version.name} has {version.counts}")
    result["rows"] = rows
    result["sizes"] = relation_sizes(target.conninfo)
    total = sum(rows.values())
    return [
        f"  {total:,} records in {result['seconds']:,.1f} s = {total / result['seconds']:,.0f} records/s",
        *run_lines(result),
        "rate per kind (rows/s), against rows already in its table:",
        *rates_lines(result, version.counts),
        "peak RSS:",
        *peaks_lines(result["watch"]),
        "sizes:",
        *sizes_lines(result["sizes"]),
    ]


def phase_load(args: argparse.Namespace, dumps: list[Version], work: Path) -> Report:
    target = Target.fresh(SHARED, SHARED_ADDRESS, "load")
    try:
        result = run_load(target, dumps[0].path, work / "logs", args.broker_home, args.workers, args.interval)
        return result, ["load of A, shared server:", *loaded(result, target, dumps[0])]
    finally:
        target.drop()


def pipeline_phase(args: argparse.Namespace, dumps: list[Version], work: Path, backlog: bool) -> Report:
    target = Target.fresh(SHARED, SHARED_ADDRESS, "pipe")
    pipeline = Pipeline(target, work / "pipeline", args.broker_home, args.workers, args.interval)
    try:
        pipeline.offer(dumps[0].path)
        result = pipeline.run("A", backlog=backlog)
        lines = [
            f"pipeline of A{' with a backlog' if backlog else ''}:",
            *loaded(result, pipeline.target, dumps[0]),
        ]
    finally:
        pipeline.close()
    dead = {name: depth for name, depth in result["queues_at_end"].items() if name.endswith(".dlq")}
    left = {name: depth for name, depth in result["queues_at_end"].items() if not name.endswith(".dlq")}
    lines.append(f"  at the end: dead letters {sum(dead.values())}, messages left {sum(left.values())}")
    if backlog:
        lines.append(f"  extractor done publishing at {result['marks']['published_all']:,.1f} s")
        lines.append(f"  deepest queues: {queue_peak(result)}")
    if any(dead.values()) or any(left.values()):
        raise SystemExit(f"messages lost or left: {result['queues_at_end']}")
    return result, lines


def phase_pipeline(args: argparse.Namespace, dumps: list[Version], work: Path) -> Report:
    return pipeline_phase(args, dumps, work, backlog=False)


def phase_backlog(args: argparse.Namespace, dumps: list[Version], work: Path) -> Report:
    return pipeline_phase(args, dumps, work, backlog=True)


def phase_refresh(args: argparse.Namespace, dumps: list[Version], work: Path) -> Report:
    target = Target.fresh(SHARED, SHARED_ADDRESS, "refresh")
    refreshed = Pipeline(target, work / "refresh", args.broker_home, args.workers, args.interval)
    results: dict[str, Any] = {}
    lines = ["refreshes A -> B -> C -> D through the pipeline, each against a fresh load:"]
    try:
        refreshed.offer(dumps[0].path)
        results["A"] = refreshed.run("A")
        for version in dumps[1:]:
            refreshed.offer(version.path)
            refresh = refreshed.run(version.name)
            fresh = Pipeline(
                Target.fresh(SHARED, SHARED_ADDRESS, f"fresh{version.name}"),
                work / f"fresh-{version.name}",
                args.broker_home,
                args.workers,
                args.interval,
            )
            try:
                fresh.offer(version.path)
                full = fresh.run(version.name)
                full["sizes"] = relation_sizes(fresh.target.conninfo)
                same = row_digests(refreshed.target.conninfo) == row_digests(fresh.target.conninfo)
            finally:
                fresh.close()
            refresh["sizes"] = relation_sizes(refreshed.target.conninfo)
            refresh["dead_tuples"] = dead_tuples(refreshed.target.conninfo)
            refresh["discogs_root"] = sorted(path.name for path in refreshed.root.iterdir())
            results[version.name] = {"refresh": refresh, "fresh": full, "tables_equal": same}
            lines += refresh_lines(version, refresh, full, same)
    finally:
        refreshed.close()
    return results, lines


def refresh_lines(version: Version, refresh: dict[str, Any], full: dict[str, Any], same: bool) -> list[str]:
    ratio = refresh["seconds"] / full["seconds"]
    grown = {
        table: refresh["sizes"][table]["table"] / full["sizes"][table]["table"]
        for table in version.counts
        if full["sizes"][table]["table"]
    }
    dead = {
        table: counts["dead"] for table, counts in refresh["dead_tuples"].items() if table in version.counts
    }
    published = refresh["extractor_marker"]
    return [
        f"{version.name}: refresh {refresh['seconds']:,.1f} s, fresh load {full['seconds']:,.1f} s: "
        f"{ratio:.1%} (target <= 25 %); tables equal to the fresh load: {same}",
        f"  published {published.get('records', 0):,} records, {published.get('removed', 0):,} removals; "
        f"CPU s refresh {cpu_by_process(refresh['cpu_seconds'])}, "
        f"fresh {cpu_by_process(full['cpu_seconds'])}",
        "  table size / fresh load's: " + ", ".join(f"{table} {share:.2f}" for table, share in grown.items()),
        f"  dead tuples: {dead}; DISCOGS_ROOT holds {root_versions(refresh['discogs_root'])}",
    ]


def phase_small_memory(args: argparse.Namespace, dumps: list[Version], work: Path) -> Report:
    server = PrivatePostgres(free_port())
    settings = {"shared_buffers": args.small_shared_buffers, "effective_cache_size": args.small_cache}
    try:
        server.start(settings)
        target = Target.fresh(server.conninfo, f"127.0.0.1:{server.port}", "small")
        result = run_load(target, dumps[0].path, work / "logs", args.broker_home, args.workers, args.interval)
        result["settings"] = settings
        summary = loaded(result, target, dumps[0])
    finally:
        server.remove()
    return result, [f"load of A, private server with {settings}:", *summary]


RUNNERS: dict[str, Callable[[argparse.Namespace, list[Version], Path], Report]] = {
    "load": phase_load,
    "pipeline": phase_pipeline,
    "backlog": phase_backlog,
    "refresh": phase_refresh,
    "small-memory": phase_small_memory,
}


def main() -> None:
    options = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    options.add_argument("--scale", type=float, default=1.0, help="fraction of the quarter-size dump")
    options.add_argument("--phase", default=",".join(PHASES), help=f"comma-separated, of {', '.join(PHASES)}")
    options.add_argument(
        "--workers", type=int, default=2, help="load --workers and the extractor's PARSER_WORKERS"
    )
    options.add_argument(
        "--broker-home", type=Path, default=Path("/var/lib/rabbitmq"), help="the broker's home"
    )
    options.add_argument(
        "--interval", type=float, default=10.0, help="seconds between samples of rows and disk"
    )
    options.add_argument("--small-shared-buffers", default="32MB")
    options.add_argument("--small-cache", default="64MB", help="effective_cache_size of the small-memory run")
    args = options.parse_args()
    phases = args.phase.split(",")
    if unknown := set(phases) - set(PHASES):
        options.error(f"unknown phases: {', '.join(sorted(unknown))}")
    started = time.monotonic()
    dumps = versions(args.scale, how_many=4 if "refresh" in phases else 1)
    print(
        f"dumps ready in {time.monotonic() - started:,.0f} s: "
        + "; ".join(f"{v.name} {v.counts}" for v in dumps)
    )
    OUT.mkdir(parents=True, exist_ok=True)
    for phase in phases:
        with tempfile.TemporaryDirectory(prefix=f"dgscale-{phase}-") as work:
            result, lines = RUNNERS[phase](args, dumps, Path(work))
        result = {"phase": phase, "scale": args.scale, "counts": {v.name: v.counts for v in dumps}, **result}
        (OUT / f"{phase}.json").write_text(json.dumps(result, indent=1))
        (OUT / f"{phase}.txt").write_text("\n".join(lines) + "\n")
        print("\n".join(lines), flush=True)
        if "rows" in result:  # a phase that loaded a whole version (not refresh's several)
            plotted(result, OUT / f"{phase}.png")


def plotted(result: dict[str, Any], out: Path) -> None:
    """The phase's plot next to its JSON. A failed plot must not cost the phases still to run
    (hours each): the JSON is written, and bench/scale_plot.py draws it again."""
    try:
        plot_result(result, out)
    except Exception as error:
        redraw = f"uv run python bench/scale_plot.py {out.with_suffix('.json')} {out}"
        print(f"no plot ({error!r}); redraw it with: {redraw}")
    else:
        print(f"plot: {out}")


if __name__ == "__main__":
    main()
