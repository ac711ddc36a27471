"""bench/scale_dumps.py: the sizes of the scale benchmark's dumps."""

from __future__ import annotations

from scale_dumps import DATES, QUARTER, counts_at


def test_the_default_is_a_quarter_of_the_real_dump() -> None:
    assert counts_at(1.0) == {
        "releases": 5_000_000,
        "artists": 2_500_000,
        "masters": 600_000,
        "labels": 600_000,
    }


def test_a_fraction_shrinks_every_kind_but_keeps_each() -> None:
    assert counts_at(0.01) == {kind: count // 100 for kind, count in QUARTER.items()}
    assert all(count >= 1 for count in counts_at(1e-9).values())


def test_versions_are_dated_in_order() -> None:
    assert list(DATES) == sorted(DATES)
