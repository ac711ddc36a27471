"""Rates over a long run, from rows sampled every few seconds: does a kind slow down as its table grows?

A kind's samples are ``(seconds, rows)`` pairs in time order: the rows already in its table at
that moment. The rate of a share of the kind (its first fifth, its last fifth, each tenth) is
that share's rows over the time between the moments the table reached its two ends, each moment
interpolated between the two samples around it. The kind's start is its last sample still at
zero rows, so the first share includes up to one sampling interval before the first row: at the
full size, a few seconds in tens of minutes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

Samples = list[tuple[float, int]]


def reached(samples: Samples, rows: float) -> float | None:
    """The moment the table first held ``rows`` rows (None if it never did)."""
    if rows <= 0:
        zeros = [seconds for seconds, count in samples if count <= 0]
        return zeros[-1] if zeros else (samples[0][0] if samples else None)
    for (before, rows_before), (after, rows_after) in itertools.pairwise(samples):
        if rows_after >= rows > rows_before:
            return before + (after - before) * (rows - rows_before) / (rows_after - rows_before)
    if samples and samples[0][1] >= rows:
        return samples[0][0]
    return None


def share_rates(samples: Samples, total: int, parts: int) -> list[float | None]:
    """Rows per second of each of ``parts`` equal shares of ``total`` rows, in order."""
    moments = [reached(samples, total * part / parts) for part in range(parts + 1)]
    rates: list[float | None] = []
    for start, end in itertools.pairwise(moments):
        if start is None or end is None or end <= start:
            rates.append(None)
        else:
            rates.append(total / parts / (end - start))
    return rates


@dataclass(frozen=True)
class Fifths:
    first: float | None
    last: float | None

    @property
    def ratio(self) -> float | None:
        """The last fifth's rate over the first's (the issue asks for at least 0.85)."""
        return self.last / self.first if self.first and self.last is not None else None


def fifths(samples: Samples, total: int) -> Fifths:
    rates = share_rates(samples, total, 5)
    return Fifths(rates[0], rates[-1])


def interval_rates(samples: Samples) -> list[tuple[int, float]]:
    """Per sampling interval: the rows already in the table at its start, and its rate (for a
    plot of rate against table size); intervals with no time or before the first row left out."""
    points = []
    for (before, rows_before), (after, rows_after) in itertools.pairwise(samples):
        if after > before and rows_after > 0:
            points.append((rows_before, (rows_after - rows_before) / (after - before)))
    return points
