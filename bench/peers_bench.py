"""Side by side with discogskit 0.2.0, alternating runs (A B A B) on make_dump.py dumps.

    uv run python bench/peers_bench.py                          # 100,000 and 1,000,000 releases
    uv run python bench/peers_bench.py --releases 100000 1000000 --rounds 2 1
    uv run python bench/peers_bench.py --rounds 1 --releases 20000
    uv run python bench/peers_bench.py --releases 1000000 --only load --kit-chunk-mb load=16

discogskit is installed into a venv of its own under bench/out if missing; dumps are cached under
bench/out (bench/dumps.py). Each peer runs at its best for the dump at hand: before the rounds,
discogskit's `load` and `convert -f parquet` each run once at every --chunk-mb of CHUNK_SIZES,
and the fastest of each is kept for the rounds (printed); --kit-chunk-mb KIND=MB gives the size an
earlier sweep on the same dump kept, and skips that sweep. Every run gets a fresh database (or
output directory) and 2 parse workers. Compared, alternating within each round:
  - discogskit `load` against our `load` (ordinary and --fast) and our pipeline
    (bench/pipeline_bench.py: timed from starting its services to the last row committed; the
    time from the first record published is shown beside it, named as such);
  - discogskit `convert -f parquet` against our `export --format parquet`, with the bytes written
    per kind.
Every command is timed as a whole process. Rates are records (and releases) over that wall
time; memory is the peak RSS of the command's largest process and of its process tree; CPU is
per process over the run, PostgreSQL's included.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psycopg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from dumps import build_dump  # noqa: E402
from pipeline_bench import cpu_seconds, descendants, rss_mb  # noqa: E402

POSTGRES = "host=127.0.0.1 port=5432 user=postgres"
DISCOGSKIT = "discogskit==0.2.0"
VENV = HERE / "out" / "discogskit-venv"
OURS = [sys.executable, "-m", "discogsography"]


def discogskit() -> Path:
    """The discogskit command, installed from PyPI into bench/out when missing."""
    command = VENV / "bin" / "discogskit"
    if not command.exists():
        uv = shutil.which("uv")
        if uv is None:
            raise SystemExit("uv is needed to install discogskit")
        subprocess.run([uv, "venv", "-q", str(VENV)], check=True)
        subprocess.run(
            [uv, "pip", "install", "-q", "--python", str(VENV / "bin" / "python"), DISCOGSKIT], check=True
        )
    return command


CHUNK_SIZES = (8, 16, 32, 64, 256)  # discogskit's --chunk-mb tried; 256 is its default


@dataclass
class Run:
    name: str
    seconds: float
    releases_per_s: float
    peak_tree_mb: float
    peak_process_mb: float
    cpu: dict[str, float] = field(default_factory=dict)  # seconds per process (and PostgreSQL)
    load_average: float = 0.0  # the machine's 1-minute load average when the run ended
    records: int = 0  # every record of the dump (releases and the rest)
    releases: int = 0
    first_publish_seconds: float = 0.0  # the pipeline only: first record published to last commit
    bytes_by_kind: dict[str, int] = field(default_factory=dict)  # the exports only

    @property
    def records_per_s(self) -> float:
        return self.records / self.seconds


def backends(database: str) -> list[int]:
    """The PostgreSQL backends serving ``database`` (their titles name it): CPU of this run only,
    not of the other work sharing the server."""
    found = []
    needle = f" {database} ".encode()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes()
        except OSError:
            continue
        if text.startswith(b"postgres:") and needle in text:
            found.append(int(cmdline.parent.name))
    return found


class Sampler(threading.Thread):
    """RSS and CPU of a process and its descendants (and the database's backends), 5 times a second."""

    def __init__(self, pid: int, database: str | None) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.database = database
        self.server: dict[int, float] = {}
        self.peak_tree = 0.0
        self.peak_process = 0.0
        self.cpu: dict[int, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.2):
            pids = [self.pid, *descendants(self.pid)]
            sizes = [rss_mb(pid) for pid in pids]
            self.peak_tree = max(self.peak_tree, sum(sizes))
            self.peak_process = max(self.peak_process, *sizes)
            for pid in pids:
                self.cpu[pid] = cpu_seconds(pid) or self.cpu.get(pid, 0.0)
            for pid in backends(self.database) if self.database else ():
                self.server[pid] = cpu_seconds(pid) or self.server.get(pid, 0.0)


def measured(name: str, argv: list[str], dump: Dump, database: str | None = None) -> Run:
    started = time.monotonic()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = Sampler(process.pid, database)
    sampler.start()
    _, stderr = process.communicate()
    seconds = time.monotonic() - started
    sampler.stop.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{name} failed ({process.returncode}): {stderr.decode()[-2000:]}")
    cpu = {("main" if pid == process.pid else f"child {pid}"): used for pid, used in sampler.cpu.items()}
    if database:
        cpu["postgresql"] = sum(sampler.server.values())
    return Run(
        name,
        seconds,
        dump.releases / seconds,
        sampler.peak_tree,
        sampler.peak_process,
        cpu,
        records=dump.records,
        releases=dump.releases,
    )


def fresh_database() -> str:
    name = f"dgpeers_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(name: str) -> None:
    with psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Dump:
    path: Path
    releases: int
    others: int

    @property
    def records(self) -> int:
        return self.releases + 3 * self.others


def load_run(name: str, dump: Dump, kit: Path, chunk_mb: int) -> Run:
    database = fresh_database()
    url = f"postgresql://postgres@127.0.0.1:5432/{database}"
    try:
        if name.startswith("discogskit load"):
            argv = [str(kit), "load", str(dump.path), "--dsn", url, "--parse-workers", "2", "--no-progress"]
            argv += ["--chunk-mb", str(chunk_mb)]
        else:
            argv = [*OURS, "load", str(dump.path), "--database-url", url, "--workers", "2", "--no-progress"]
            if name.endswith("--fast"):
                argv.append("--fast")
        return measured(name, argv, dump, database)
    finally:
        drop_database(database)


def pipeline_run(dump: Dump) -> Run:
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            str(HERE / "pipeline_bench.py"),
            "--releases",
            str(dump.releases),
            "--others",
            str(dump.others),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    whole = re.search(r"^whole run: [\d,]+ rows committed ([\d.]+) s after starting", result.stdout, re.M)
    rate = re.search(r"in ([\d.]+) s = [\d,]+ records/s \(([\d,]+) releases/s\)", result.stdout)
    if rate is None or whole is None:
        raise SystemExit(f"pipeline_bench printed no rate:\n{result.stdout}")
    peaks = [float(m) for m in re.findall(r"^\S.*?\s+(\d+)\s+\d+ / ", result.stdout, re.MULTILINE)]
    cpu = {
        m.group(1).strip(): float(m.group(2))
        for m in re.finditer(r"^(\S[^\n]*?)\s+([\d.]+)\s+\d+\s+\d+%$", result.stdout, re.MULTILINE)
        if m.group(1).strip() != "all"
    }
    print(f"  (pipeline_bench took {time.monotonic() - started:.0f} s in all)")
    seconds = float(whole.group(1))
    return Run(
        "our pipeline",
        seconds,
        dump.releases / seconds,
        0.0,
        max(peaks, default=0.0),
        cpu,
        records=dump.records,
        releases=dump.releases,
        first_publish_seconds=float(rate.group(1)),
    )


def export_run(name: str, dump: Dump, kit: Path, chunk_mb: int) -> Run:
    out = Path(tempfile.mkdtemp(prefix="dgpeers-out-"))
    try:
        if name.startswith("discogskit convert"):
            argv = [str(kit), "convert", str(dump.path), "-f", "parquet", "--output", str(out)]
            argv += ["--parse-workers", "2", "--no-progress", "--chunk-mb", str(chunk_mb)]
        else:
            argv = [*OURS, "export", str(dump.path), "-f", "parquet", "-o", str(out), "--workers", "2"]
            argv.append("--no-progress")
        run = measured(name, argv, dump)
        # Both write one directory per kind (artists/, labels/, masters/, releases/).
        for path in out.rglob("*"):
            if path.is_file():
                kind = path.relative_to(out).parts[0]
                run.bytes_by_kind[kind] = run.bytes_by_kind.get(kind, 0) + path.stat().st_size
        return run
    finally:
        shutil.rmtree(out, ignore_errors=True)


def show(run: Run) -> None:
    run.load_average = os.getloadavg()[0]
    cpu = ", ".join(f"{k} {v / run.releases * 1e6:.0f}" for k, v in sorted(run.cpu.items()) if v > 0.05)
    extra = f" (from first publish {run.first_publish_seconds:.1f} s)" if run.first_publish_seconds else ""
    print(
        f"  {run.name:<26} {run.seconds:7.1f} s{extra} {run.records_per_s:9,.0f} records/s "
        f"peak {run.peak_tree_mb:6.0f} MB (largest process {run.peak_process_mb:4.0f} MB); "
        f"µs/release: {cpu}; load average {run.load_average:.1f}"
    )
    if run.bytes_by_kind:
        sizes = ", ".join(f"{kind} {size:,}" for kind, size in sorted(run.bytes_by_kind.items()))
        print(f"  {'':<26} bytes written: {sizes}")


def best_chunk(kind: str, dump: Dump, kit: Path) -> tuple[int, list[Run]]:
    """Each --chunk-mb of CHUNK_SIZES once; the fastest, and the runs."""
    tried = []
    for chunk_mb in CHUNK_SIZES:
        name = f"discogskit {kind} --chunk-mb {chunk_mb}"
        run = load_run(name, dump, kit, chunk_mb) if kind == "load" else export_run(name, dump, kit, chunk_mb)
        show(run)
        tried.append(run)
    fastest = min(zip(CHUNK_SIZES, tried, strict=True), key=lambda pair: pair[1].seconds)
    print(f"  discogskit {kind}: kept --chunk-mb {fastest[0]} ({fastest[1].seconds:.1f} s)")
    return fastest[0], tried


def one_size(
    dump: Dump,
    rounds: int,
    kit: Path,
    only: str | None,
    skip_pipeline: bool,
    given_chunks: dict[str, int],
) -> dict[str, object]:
    print(f"\n== {dump.releases:,} releases, {dump.others:,} each of the rest ({dump.path})")
    chunks: dict[str, int] = {}
    sweep: list[Run] = []
    for kind, half in (("load", "load"), ("convert", "export")):
        if kind in given_chunks:
            chunks[kind] = given_chunks[kind]
            print(f"discogskit {kind}: --chunk-mb {chunks[kind]} as given (kept by an earlier sweep)")
        elif only in (None, half):
            print(f"discogskit {kind}: trying --chunk-mb {', '.join(map(str, CHUNK_SIZES))}")
            chunks[kind], tried = best_chunk(kind, dump, kit)
            sweep += tried
    runs: list[Run] = []
    for round_number in range(1, rounds + 1):
        print(f"round {round_number}")
        if only in (None, "load"):
            for name in ("discogskit load", "our load", "our load --fast"):
                runs.append(load_run(name, dump, kit, chunks["load"]))
                show(runs[-1])
            if not skip_pipeline:
                runs.append(pipeline_run(dump))
                show(runs[-1])
        if only in (None, "export"):
            for name in ("discogskit convert", "our export"):
                runs.append(export_run(name, dump, kit, chunks["convert"]))
                show(runs[-1])

    def of(name: str) -> list[Run]:
        return [run for run in runs if run.name == name]

    def mean_rate(name: str) -> float:
        found = of(name)
        return sum(run.records_per_s for run in found) / len(found) if found else 0.0

    def per_round(name: str, peer: str) -> str:
        """Each round's ratio (the two ran next to each other) and their median."""
        ratios = [
            ours.records_per_s / theirs.records_per_s
            for ours, theirs in zip(of(name), of(peer), strict=False)
        ]
        shown = ", ".join(f"{ratio:.2f}" for ratio in ratios)
        return f"rounds {shown}; median {statistics.median(ratios):.2f}"

    print(
        f"\n{dump.releases:,} releases: discogskit load at --chunk-mb {chunks.get('load', '-')}, "
        f"convert at --chunk-mb {chunks.get('convert', '-')}; ratio > 1: ours is faster"
    )
    print(
        "| command | seconds per run | records/s (mean) | ours / peer | "
        "largest process, MB | target |\n|---|---|---|---|---|---|"
    )
    rows = (
        ("discogskit load", "", None),
        ("our load", "discogskit load", 1.5),
        ("our load --fast", "discogskit load", 1.5),
        ("our pipeline", "discogskit load", 1.2),
        ("discogskit convert", "", None),
        ("our export", "discogskit convert", 2.0),
    )
    for name, peer, target in rows:
        found = of(name)
        if not found:
            continue
        seconds = ", ".join(f"{run.seconds:.1f}" for run in found)
        if name == "our pipeline":
            seconds += (
                " (from first publish: " + ", ".join(f"{r.first_publish_seconds:.1f}" for r in found) + ")"
            )
        ratio = ""
        if peer and of(peer):
            ratio = f"**{mean_rate(name) / mean_rate(peer):.2f}** ({per_round(name, peer)})"
        largest = max(run.peak_process_mb for run in found)
        print(
            f"| {name} | {seconds} | {mean_rate(name):,.0f} | {ratio} | {largest:.0f} | "
            f"{f'≥ {target}' if target else ''} |"
        )
    for name in ("discogskit convert", "our export"):
        found = of(name)
        if found:
            sizes = found[-1].bytes_by_kind
            shown = ", ".join(f"{kind} {size / 1e6:.1f}" for kind, size in sorted(sizes.items()))
            print(f"  {name} wrote MB: {shown}; in all {sum(sizes.values()) / 1e6:.1f}")
    averages = [run.load_average for run in sweep + runs]
    print(f"  load average at the end of each run: {min(averages):.1f} to {max(averages):.1f}")
    return {
        "releases": dump.releases,
        "others": dump.others,
        "chunk_mb": chunks,
        "sweep": [asdict(run) for run in sweep],
        "runs": [asdict(run) for run in runs],
    }


def main() -> None:
    options = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    options.add_argument("--releases", type=int, nargs="+", default=[100_000, 1_000_000])
    options.add_argument("--others", type=int, default=1000)
    options.add_argument(
        "--rounds",
        type=int,
        nargs="+",
        default=[2],
        help="rounds per size, in --releases order (last repeats)",
    )
    options.add_argument("--skip-pipeline", action="store_true")
    options.add_argument(
        "--kit-chunk-mb",
        action="append",
        default=[],
        metavar="KIND=MB",
        help="discogskit's --chunk-mb for load or convert, kept by an earlier sweep on the same dump:"
        " skips that sweep (repeatable)",
    )
    options.add_argument("--only", choices=("load", "export"), default=None, help="one half of the runs")
    args = options.parse_args()
    given_chunks = {}
    for item in args.kit_chunk_mb:
        kind, _, value = item.partition("=")
        if kind not in ("load", "convert") or not value.isdigit():
            options.error(f"--kit-chunk-mb {item}: expected load=MB or convert=MB")
        given_chunks[kind] = int(value)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress in a log as it comes
    kit = discogskit()
    results = []
    for index, releases in enumerate(args.releases):
        rounds = args.rounds[min(index, len(args.rounds) - 1)]
        dump = Dump(build_dump(releases, args.others), releases, args.others)
        results.append(one_size(dump, rounds, kit, args.only, args.skip_pipeline, given_chunks))
        (HERE / "out" / f"peers-{args.only or 'all'}.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
