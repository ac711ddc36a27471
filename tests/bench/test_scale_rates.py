"""bench/scale_rates.py: rates of shares of a kind from sampled row counts."""

from __future__ import annotations

import pytest
from scale_rates import fifths, interval_rates, reached, share_rates

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
