"""bench/scale_rates.py: rates of shares of a kind from sampled row counts."""

from __future__ import annotations

import pytest
from scale_rates import (
    fifths,
    interval_rates,
    kind_series,
    reached,
    seconds_since_first,
    share_rates,
    stamp_samples,
)

# 1,000 rows: 100 rows/s for 5 s, then 50 rows/s for 10 s; sampled every 2.5 s, from t = 10
# (the kind starts at t = 10, the last zero sample)
STEADY_THEN_SLOW = [(0.0, 0), (10.0, 0), (12.5, 250), (15.0, 500), (17.5, 625), (20.0, 750), (25.0, 1000)]


def test_the_moment_a_row_count_was_reached_is_interpolated() -> None:
    assert reached(STEADY_THEN_SLOW, 0) == 10.0
    assert reached(STEADY_THEN_SLOW, 100) == pytest.approx(11.0)
    assert reached(STEADY_THEN_SLOW, 1000) == 25.0
    assert reached(STEADY_THEN_SLOW, 1001) is None


def test_shares_and_fifths() -> None:
    assert share_rates(STEADY_THEN_SLOW, 1000, 2) == pytest.approx([100.0, 50.0])
    found = fifths(STEADY_THEN_SLOW, 1000)
    assert found.first == pytest.approx(100.0)
    assert found.last == pytest.approx(50.0)
    assert found.ratio == pytest.approx(0.5)


def test_a_kind_that_never_finished_has_no_last_fifth() -> None:
    found = fifths(STEADY_THEN_SLOW, 2000)
    assert found.last is None and found.ratio is None
    assert fifths([], 10) == fifths([(0.0, 0)], 10)


def test_interval_rates_against_rows_already_there() -> None:
    assert interval_rates(STEADY_THEN_SLOW) == [
        (0, 100.0),
        (250, 100.0),
        (500, 50.0),
        (625, 50.0),
        (750, 50.0),
    ]


# A small kind as the full-size load saw labels: 600 batches of 1,000 rows at 30,000 rows/s from
# t = 32 s to t = 52 s, one writer; the watcher samples every 10 s until the run ends at t = 80 s.
BATCH, RATE, START = 1000, 30_000.0, 32.0
SECONDS_A_BATCH = BATCH / RATE
SHORT_KIND = [(START + number * SECONDS_A_BATCH, BATCH) for number in range(600)]


def committed_by(seconds: float) -> int:
    """Rows the writer had committed by then: every batch that had ended."""
    ended = int((seconds - START) / SECONDS_A_BATCH + 1e-9)
    return BATCH * min(600, max(0, ended))


SAMPLED_EVERY_10_S = [(float(t), committed_by(t)) for t in range(0, 81, 10)]


def test_a_short_kind_sampled_every_10_s_reads_as_slowing_down() -> None:
    # why the watcher's counts cannot time it: the 10 s interval in which the kind ended is read
    # as if its rows had kept coming all through it
    assert fifths(SAMPLED_EVERY_10_S, 600_000).ratio == pytest.approx(5 / 12)


def test_batches_become_samples_of_the_rows_before_each_batch() -> None:
    stamps = [(2.0, 500), (0.0, 1000), (1.0, 1000)]  # any order, as a query may return them
    assert stamp_samples(stamps) == [(0.0, 0), (1.0, 1000), (2.0, 2000)]
    assert stamp_samples([]) == []


def test_a_short_kind_timed_by_its_stamps_keeps_its_rate() -> None:
    result = {
        "rows": {"labels": 600_000},
        "stamps": {"labels": SHORT_KIND},
        "watch": {"rows": {"labels": SAMPLED_EVERY_10_S}},
    }
    samples, spanned, source = kind_series(result, "labels")
    assert (source, spanned) == ("stamps", 599_000)  # the last batch has no end to time it by
    found = fifths(samples, spanned)
    assert found.first == pytest.approx(RATE)
    assert found.last == pytest.approx(RATE)
    assert found.ratio == pytest.approx(1.0)
    assert share_rates(samples, spanned, 10) == pytest.approx([RATE] * 10)


def test_stamps_still_show_a_real_slowdown() -> None:
    # 300 batches at 30,000 rows/s, then 300 at half that
    slow, stamps, at = 2 * SECONDS_A_BATCH, [], 0.0
    for number in range(600):
        stamps.append((at, BATCH))
        at += SECONDS_A_BATCH if number < 300 else slow
    samples = stamp_samples(stamps)
    assert fifths(samples, samples[-1][1]).ratio == pytest.approx(0.5)


def test_without_stamps_the_watchers_samples_are_used() -> None:
    result = {"rows": {"labels": 600_000}, "watch": {"rows": {"labels": SAMPLED_EVERY_10_S}}}
    assert kind_series(result, "labels") == (SAMPLED_EVERY_10_S, 600_000, "samples")


def test_stamps_are_read_as_seconds_since_the_earliest_of_any_table() -> None:
    epochs = {"labels": [(1_700_000_010.25, 3)], "artists": [(1_700_000_000.0, 1), (1_700_000_001.5, 2)]}
    assert seconds_since_first(epochs) == {"labels": [(10.25, 3)], "artists": [(0.0, 1), (1.5, 2)]}
