"""Rates over a long run: does a kind slow down as its table grows?

A kind's samples are ``(seconds, rows)`` pairs in time order: the rows already in its table at
that moment. The rate of a share of the kind (its first fifth, its last fifth, each tenth) is
that share's rows over the time between the moments the table reached its two ends, each moment
interpolated between the two samples around it.

The samples come from the rows themselves where they can: every batch is one transaction, and
the rows it writes get its start time as ``updated_at`` (``now()``), so the table's rows grouped
by ``updated_at`` say when each batch began and how many rows it wrote (``stamp_samples``). That
is exact to the batch and costs nothing while the run goes (one grouped scan per table at the
end). The watcher's counts every 10 s (``pg_stat_user_tables``) are the fallback, for results
without stamps: the kind's start is then its last sample still at zero rows, and its end the
first sample at its total, so the rows of the intervals in which it starts and ends are spread
over those whole intervals. Over tens of minutes that is noise; a kind that loads in under a
minute gets a handful of samples, and its last fifth reads several times slower than it was.
Sampling faster would not make it exact: PostgreSQL 15's backends publish their counts at most
once a second.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

Samples = list[tuple[float, int]]
# A table's rows grouped by ``updated_at``: (seconds, rows with that stamp), one pair a batch.
Stamps = list[tuple[float, int]]


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


def stamp_samples(stamps: Stamps) -> Samples:
    """A kind's batches as samples: at each batch's start, the rows of the batches before it.

    A batch's stamp is when it began, not when it committed, so the rows it wrote are counted
    from the next batch's start on; the last batch has no end and is left out (``kind_series``
    says how many rows the samples cover). Counting a batch at its own stamp instead would make
    the first share look a batch faster than it was, and the last one not.
    """
    samples: Samples = []
    written = 0
    for seconds, rows in sorted(stamps):
        samples.append((seconds, written))
        written += rows
    return samples


def kind_series(result: dict[str, Any], kind: str) -> tuple[Samples, int, str]:
    """The samples a kind's rates come from, the rows they span, and their source: the rows'
    own stamps where the result has them, else the watcher's counts (older results)."""
    stamps = result.get("stamps", {}).get(kind)
    if stamps:
        samples = stamp_samples([(float(seconds), int(rows)) for seconds, rows in stamps])
        return samples, samples[-1][1], "stamps"
    sampled = [(float(seconds), int(rows)) for seconds, rows in result["watch"]["rows"].get(kind, [])]
    return sampled, int(result["rows"][kind]), "samples"


def seconds_since_first(epochs: dict[str, list[tuple[float, int]]]) -> dict[str, Stamps]:
    """Stamps in seconds since the earliest of any table (epoch seconds are too long to read)."""
    first = min((seconds for pairs in epochs.values() for seconds, _ in pairs), default=0.0)
    return {
        table: [(round(seconds - first, 6), rows) for seconds, rows in pairs]
        for table, pairs in epochs.items()
    }
