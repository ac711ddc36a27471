"""Readable summaries of the scale benchmark's results (the JSON holds everything)."""

from __future__ import annotations

from typing import Any

from scale_rates import fifths, kind_series, share_rates

MB = 1024 * 1024


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def rates_lines(result: dict[str, Any], expected: dict[str, int]) -> list[str]:
    """Per kind: first and last fifth's rate, their ratio, the rate of each tenth, and what they
    were timed by: the rows' stamps, or the watcher's samples (older results)."""
    lines = [
        f"{'kind':<9} {'rows':>10} {'1st fifth/s':>11} {'last fifth/s':>12} {'last/1st':>8} {'from':>7}"
        "   per tenth/s"
    ]
    for kind, total in expected.items():
        samples, spanned, source = kind_series(result, kind)
        found = fifths(samples, spanned)
        ratio = "-" if found.ratio is None else f"{found.ratio:.2f}"
        tenths = " ".join(_rate(rate) for rate in share_rates(samples, spanned, 10))
        lines.append(
            f"{kind:<9} {total:>10,} {_rate(found.first):>11} {_rate(found.last):>12} {ratio:>8} "
            f"{source:>7}   {tenths}"
        )
    return lines


def peaks_lines(watch: dict[str, Any]) -> list[str]:
    """Peak RSS per process; the run's PostgreSQL backends as one line (the largest of them)."""
    peaks: dict[str, float] = {}
    for name, mb in watch["peak_rss_mb"].items():
        key = "postgres backend (largest)" if name.startswith("postgres backend ") else name
        peaks[key] = max(peaks.get(key, 0.0), mb)
    return [f"  {name:<40} {mb:>8.0f} MB" for name, mb in sorted(peaks.items(), key=lambda item: -item[1])]


def sizes_lines(sizes: dict[str, dict[str, Any]]) -> list[str]:
    lines = [f"  database {sizes['database']['table'] / MB:,.0f} MB"]
    for table, size in sizes.items():
        if table == "database":
            continue
        indexes = ", ".join(f"{name} {value / MB:,.0f}" for name, value in size["indexes"].items())
        lines.append(f"  {table:<18} table {size['table'] / MB:>8,.0f} MB; indexes MB: {indexes}")
    return lines


def run_lines(result: dict[str, Any]) -> list[str]:
    """Wall time, WAL and checkpoints, peak disk, and CPU of our processes."""
    counters = result["server_counters"]
    lines = [
        f"  wall {result['seconds']:,.1f} s; WAL {counters['wal_bytes'] / MB:,.0f} MB, checkpoints "
        f"{counters['checkpoints_timed']} timed + {counters['checkpoints_requested']} requested "
        "(server-wide)",
    ]
    for name, peak in result["watch"]["peak_disk"].items():
        lines.append(f"  peak disk {name}: {peak / MB:,.0f} MB")
    cpu = ", ".join(
        f"{name} {seconds:,.1f}" for name, seconds in cpu_by_process(result["cpu_seconds"]).items()
    )
    lines.append(f"  CPU seconds: {cpu}")
    return lines


def queue_peak(result: dict[str, Any]) -> dict[str, int]:
    """The deepest each queue got while the run was sampled."""
    deepest: dict[str, int] = {}
    for _, depths in result["watch"]["queues"]:
        for name, depth in depths.items():
            deepest[name] = max(deepest.get(name, 0), depth)
    return deepest


def cpu_by_process(cpu: dict[str, float]) -> dict[str, float]:
    """CPU seconds per service, its child processes summed as one "<service> workers" entry."""
    grouped: dict[str, float] = {}
    for name, seconds in cpu.items():
        service, child, _ = name.partition(" child ")
        key = f"{service} workers" if child else service
        grouped[key] = round(grouped.get(key, 0.0) + seconds, 2)
    return grouped


def root_versions(names: list[str]) -> dict[str, list[str]]:
    """The versions in a DISCOGS_ROOT listing: those with dump files, with record indexes."""
    what = {"discogs": "dump files", "index": "record indexes"}
    found: dict[str, set[str]] = {label: set() for label in what.values()}
    for name in names:
        prefix, _, rest = name.lstrip(".").partition("_")
        date = rest.split("_")[0]
        if prefix in what and date.isdigit():
            found[what[prefix]].add(date)
    return {label: sorted(dates) for label, dates in found.items()}
