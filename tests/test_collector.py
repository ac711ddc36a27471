"""The services' garbage-collector settings (runtime/collector.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from discogsography.runtime.collector import THRESHOLDS, collect_rarely, freeze_what_is_held


@pytest.fixture
def collector_restored() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("collector_restored")
def test_collections_are_far_apart() -> None:
    collect_rarely()
    assert gc.get_threshold() == THRESHOLDS
    assert THRESHOLDS[0] > 700  # far above the default


@pytest.mark.usefixtures("collector_restored")
def test_what_is_held_leaves_the_collectors_sight() -> None:
    held = [{"a": [1]} for _ in range(100)]
    freeze_what_is_held()
    assert gc.get_freeze_count() >= len(held)
    assert gc.is_tracked(held[0])
    assert not any(found is held[0] for found in gc.get_objects())  # the permanent generation only
