"""Side by side with discogskit 0.2.0, alternating runs (A B A B) on one make_dump.py dump.

    uv run python bench/peers_bench.py                 # 100,000 releases, 2 rounds
    uv run python bench/peers_bench.py --rounds 1 --releases 20000

discogskit is installed into a venv of its own under bench/out if missing. Every run gets a
fresh database (or output directory) and 2 parse workers. Compared:
  - discogskit `load` against our `load` (ordinary and --fast) and our pipeline
    (bench/pipeline_bench.py, which measures from the first record published);
  - discogskit `convert -f parquet` against our `export --format parquet`.
Rates are releases over the command's wall time; memory is the peak RSS of the command's process
tree (and of its largest process); CPU is per process over the run, PostgreSQL's included.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
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


@dataclass
class Run:
    name: str
    seconds: float
    releases_per_s: float
    peak_tree_mb: float
    peak_process_mb: float
    cpu: dict[str, float] = field(default_factory=dict)  # seconds per process (and PostgreSQL)
    load_average: float = 0.0  # the machine's 1-minute load average when the run ended


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


def measured(name: str, argv: list[str], releases: int, database: str | None = None) -> Run:
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
    return Run(name, seconds, releases / seconds, sampler.peak_tree, sampler.peak_process, cpu)


def fresh_database() -> str:
    name = f"dgpeers_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(name: str) -> None:
    with psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load_run(name: str, dump: Path, releases: int, kit: Path) -> Run:
    database = fresh_database()
    url = f"postgresql://postgres@127.0.0.1:5432/{database}"
    try:
        if name == "discogskit load":
            argv = [str(kit), "load", str(dump), "--dsn", url, "--parse-workers", "2", "--no-progress"]
        else:
            argv = [*OURS, "load", str(dump), "--database-url", url, "--workers", "2", "--no-progress"]
            if name.endswith("--fast"):
                argv.append("--fast")
        return measured(name, argv, releases, database)
    finally:
        drop_database(database)


def pipeline_run(releases: int, others: int) -> Run:
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            str(HERE / "pipeline_bench.py"),
            "--releases",
            str(releases),
            "--others",
            str(others),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    rate = re.search(r"in ([\d.]+) s = [\d,]+ records/s \(([\d,]+) releases/s\)", result.stdout)
    if rate is None:
        raise SystemExit(f"pipeline_bench printed no rate:\n{result.stdout}")
    peaks = [float(m) for m in re.findall(r"^\S.*?\s+(\d+)\s+\d+ / ", result.stdout, re.MULTILINE)]
    cpu = {
        m.group(1).strip(): float(m.group(2))
        for m in re.finditer(r"^(\S[^\n]*?)\s+([\d.]+)\s+\d+\s+\d+%$", result.stdout, re.MULTILINE)
        if m.group(1).strip() != "all"
    }
    print(f"  (pipeline_bench took {time.monotonic() - started:.0f} s in all)")
    seconds = float(rate.group(1))
    return Run(
        "our pipeline", seconds, float(rate.group(2).replace(",", "")), 0.0, max(peaks, default=0.0), cpu
    )


def export_run(name: str, dump: Path, releases: int, kit: Path) -> Run:
    out = Path(tempfile.mkdtemp(prefix="dgpeers-out-"))
    try:
        if name == "discogskit convert":
            argv = [
                str(kit),
                "convert",
                str(dump),
                "-f",
                "parquet",
                "--output",
                str(out),
                "--parse-workers",
                "2",
            ]
            argv.append("--no-progress")
        else:
            argv = [
                *OURS,
                "export",
                str(dump),
                "-f",
                "parquet",
                "-o",
                str(out),
                "--workers",
                "2",
                "--no-progress",
            ]
        run = measured(name, argv, releases)
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        print(f"  {name}: {size / 1e6:.1f} MB of output")
        return run
    finally:
        shutil.rmtree(out, ignore_errors=True)


def show(run: Run, releases: int) -> None:
    run.load_average = os.getloadavg()[0]
    cpu = ", ".join(f"{k} {v / releases * 1e6:.0f}" for k, v in sorted(run.cpu.items()) if v > 0.05)
    print(
        f"  {run.name:<22} {run.seconds:7.1f} s {run.releases_per_s:8,.0f} releases/s "
        f"peak {run.peak_tree_mb:6.0f} MB (largest process {run.peak_process_mb:4.0f} MB); µs/release: {cpu}"
        f"; load average {run.load_average:.1f}"
    )


def main() -> None:
    options = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    options.add_argument("--releases", type=int, default=100_000)
    options.add_argument("--others", type=int, default=1000)
    options.add_argument("--rounds", type=int, default=2)
    options.add_argument("--skip-pipeline", action="store_true")
    options.add_argument("--only", choices=("load", "export"), default=None, help="one half of the runs")
    args = options.parse_args()
    kit = discogskit()
    dump = build_dump(args.releases, args.others)
    # Only the dump files: discogskit takes every .xml.gz of a directory.
    runs: list[Run] = []
    for round_number in range(1, args.rounds + 1):
        print(f"round {round_number}")
        for name in ("discogskit load", "our load", "our load --fast") if args.only != "export" else ():
            runs.append(load_run(name, dump, args.releases, kit))
            show(runs[-1], args.releases)
        if not args.skip_pipeline and args.only is None:
            runs.append(pipeline_run(args.releases, args.others))
            show(runs[-1], args.releases)
        for name in ("discogskit convert", "our export") if args.only != "load" else ():
            runs.append(export_run(name, dump, args.releases, kit))
            show(runs[-1], args.releases)

    def best(name: str) -> list[Run]:
        return [run for run in runs if run.name == name]

    def mean_rate(name: str) -> float:
        found = best(name)
        return sum(run.releases_per_s for run in found) / len(found) if found else 0.0

    def per_round(name: str, peer: str) -> str:
        pairs = zip(best(name), best(peer), strict=False)
        return ", ".join(f"{ours.releases_per_s / theirs.releases_per_s:.2f}" for ours, theirs in pairs)

    kit_load, kit_convert = mean_rate("discogskit load") or 1.0, mean_rate("discogskit convert") or 1.0
    print("\nratios (mean of the rounds; > 1: we are faster)")
    for name, target in (("our load", 1.5), ("our load --fast", 1.5), ("our pipeline", 1.2)):
        if best(name):
            print(
                f"  {name:<18} / discogskit load    {mean_rate(name) / kit_load:5.2f}  (target {target}; "
                f"round by round {per_round(name, 'discogskit load')})"
            )
    if best("our export"):
        memory = max(r.peak_tree_mb for r in best("our export")) / max(
            r.peak_tree_mb for r in best("discogskit convert")
        )
        speed = mean_rate("our export") / kit_convert
        print(
            f"  our export         / discogskit convert {speed:5.2f}  (target 2.0; "
            f"round by round {per_round('our export', 'discogskit convert')})"
        )
        print(f"  peak memory, export / convert            {memory:5.2f}  (target at most 0.25)")
    averages = [run.load_average for run in runs]
    print(f"  load average at the end of each run: {min(averages):.1f} to {max(averages):.1f}")
    (HERE / "out" / f"peers-{args.only or 'all'}.json").write_text(
        json.dumps([asdict(run) for run in runs], indent=1)
    )


if __name__ == "__main__":
    main()
