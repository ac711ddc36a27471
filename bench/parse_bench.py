"""Parser benchmark: records/s, MB/s of XML and peak RSS per kind, on make_dump.py dumps.

    uv run python bench/parse_bench.py                  # 200,000 releases + 100,000 of each other kind
    uv run python bench/parse_bench.py --releases 50000 --others 20000

Each measurement runs in a fresh process that parses the file (parse + convert + hash, the
records' JSON discarded) and reports its own peak RSS and, in multi-process mode, the largest
peak RSS among its worker processes. Dumps are cached under bench/out/ by size.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from dumps import build_dump  # noqa: E402

KINDS = ("artists", "labels", "masters", "releases")


def descendant_peak_rss_mb(root: int, peaks: dict[int, float]) -> None:
    """Record the peak RSS (VmHWM) of every process below ``root`` (workers live under a
    forkserver, so they are grandchildren that getrusage never sees)."""
    parents: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            parents[int(status.parent.name)] = int(fields["PPid"])
            if "VmHWM" in fields:
                pid = int(status.parent.name)
                peaks[pid] = max(peaks.get(pid, 0.0), int(fields["VmHWM"].split()[0]) / 1024)
        except (OSError, KeyError, ValueError):
            continue
    family = {root}
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in family and pid not in family:
                family.add(pid)
                changed = True
    for pid in list(peaks):
        if pid not in family:
            del peaks[pid]


def measure_one(path: Path, workers: int) -> dict[str, float]:
    import os
    import threading

    from discogsography.parsing import DumpParser

    peaks: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            descendant_peak_rss_mb(os.getpid(), peaks)

    sampler = threading.Thread(target=sample, daemon=True)
    if workers > 1:
        sampler.start()
    parser = DumpParser(path, workers=workers)
    started = time.perf_counter()
    records = 0
    for _ in parser:
        records += 1
    seconds = time.perf_counter() - started
    done.set()
    peaks.pop(os.getpid(), None)
    return {
        "records": records,
        "skipped": parser.stats.skipped,
        "seconds": seconds,
        "xml_mb": parser.stats.xml_bytes / 1e6,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_rss_mb": max(peaks.values(), default=0.0),
    }


def run_measurement(path: Path, workers: int) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--measure", str(path), "--workers", str(workers)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(output)
    return result


def main() -> None:
    options = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    options.add_argument("--releases", type=int, default=200_000)
    options.add_argument("--others", type=int, default=100_000, help="artists, labels and masters each")
    options.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    options.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    options.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = options.parse_args()
    if args.measure is not None:
        print(json.dumps(measure_one(args.measure, args.workers[0])))
        return

    dump = build_dump(args.releases, args.others)
    print(f"dump: {dump}")
    header = (
        f"{'kind':<9} {'workers':>7} {'records':>9} {'seconds':>8} {'records/s':>10} "
        f"{'MB/s XML':>9} {'RSS MB':>7} {'worker RSS MB':>13}"
    )
    print(header)
    print("-" * len(header))
    for kind in args.kinds:
        path = dump / f"discogs_20991201_{kind}.xml.gz"
        for workers in args.workers:
            r = run_measurement(path, workers)
            worker_rss = f"{r['worker_rss_mb']:.0f}" if workers > 1 else "-"
            print(
                f"{kind:<9} {workers:>7} {r['records']:>9.0f} {r['seconds']:>8.2f} "
                f"{r['records'] / r['seconds']:>10,.0f} {r['xml_mb'] / r['seconds']:>9.1f} "
                f"{r['rss_mb']:>7.0f} {worker_rss:>13}",
                flush=True,
            )


if __name__ == "__main__":
    main()
