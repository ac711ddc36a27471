"""The scale benchmark's plot: each kind's rate against the rows already in its table.

    uv run python bench/scale_plot.py bench/out/scale/load.json bench/out/scale/load.png

bench/scale_bench.py draws it at the end of every phase that loads a whole version (load,
pipeline, backlog, small-memory), next to the phase's JSON. One panel per kind, since the kinds'
rates differ by an order of magnitude; each with its first fifth's rate and 85 % of it, the
least the last fifth should keep (docs/sizing.md). Reading the results (``kind_points``) is kept
apart from drawing them (``draw``), so the points can be checked without a figure.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from scale_rates import fifths, interval_rates, kind_series, share_rates

# Points per kind drawn from the stamps: a fiftieth of 5,000,000 releases is 100 batches of
# load's 1,000 rows, enough to smooth one slow batch and still show a trend.
PARTS = 50
KEEP = 0.85  # the floor for the last fifth's rate over the first's


@dataclass(frozen=True)
class KindPoints:
    kind: str
    source: str  # "stamps" or "samples" (bench/scale_rates.py)
    points: list[tuple[float, float]]  # (rows already in the table, rows/s)
    first_fifth: float | None
    last_over_first: float | None  # the last fifth's rate over the first's


def kind_points(result: dict[str, Any], parts: int = PARTS) -> list[KindPoints]:
    """What the plot draws, from one phase's result: per kind, in the result's order."""
    drawn = []
    for kind in result["rows"]:
        samples, spanned, source = kind_series(result, kind)
        if source == "stamps":
            # equal shares, each plotted at the rows the table held when it began
            rates = share_rates(samples, spanned, parts)
            points = [(spanned * part / parts, rate) for part, rate in enumerate(rates) if rate is not None]
        else:
            # without stamps, every sampling interval is a point, as sampled
            points = [(float(rows), rate) for rows, rate in interval_rates(samples)]
        found = fifths(samples, spanned)
        drawn.append(KindPoints(kind, source, points, found.first, found.ratio))
    return drawn


def _thousands(value: float, _: int | None) -> str:
    return f"{value:,.0f}"


def draw(kinds: list[KindPoints], title: str, out: Path) -> None:
    """A PNG of one panel per kind, on the Agg canvas (no display needed)."""
    columns = 2 if len(kinds) > 1 else 1
    rows = max(1, math.ceil(len(kinds) / columns))
    figure = Figure(figsize=(6 * columns, 4 * rows), layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(title)
    for place, kind in enumerate(kinds, start=1):
        axes = figure.add_subplot(rows, columns, place)
        if kind.points:
            axes.plot(*zip(*kind.points, strict=True), marker=".", linewidth=1, label="rate")
        if kind.first_fifth:
            axes.axhline(kind.first_fifth, linestyle="--", color="grey", label="first fifth")
            axes.axhline(KEEP * kind.first_fifth, linestyle=":", color="red", label=f"{KEEP:.0%} of it")
        ratio = "-" if kind.last_over_first is None else f"{kind.last_over_first:.2f}"
        axes.set_title(f"{kind.kind}: last fifth / first {ratio} (timed by its {kind.source})")
        axes.set_xlabel("rows already in the table")
        axes.set_ylabel("rows/s")
        axes.set_xlim(left=0)
        axes.set_ylim(bottom=0)
        axes.xaxis.set_major_formatter(FuncFormatter(_thousands))
        axes.yaxis.set_major_formatter(FuncFormatter(_thousands))
        if kind.points or kind.first_fifth:
            axes.legend(loc="lower left", fontsize="small")
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=100)


def plot_result(result: dict[str, Any], out: Path) -> None:
    title = f"{result.get('phase', 'run')} at scale {result.get('scale', '?')}: rate against table size"
    draw(kind_points(result), title, out)


def main(argv: list[str] | None = None) -> None:
    options = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    options.add_argument("results", type=Path, help="a phase's JSON, bench/out/scale/<phase>.json")
    options.add_argument("out", type=Path, help="the PNG to write")
    args = options.parse_args(argv)
    result = json.loads(args.results.read_text())
    if "rows" not in result:
        options.error(f"{args.results}: not a phase that loads a whole version (no rows per kind)")
    plot_result(result, args.out)
    print(args.out)


if __name__ == "__main__":
    main()
