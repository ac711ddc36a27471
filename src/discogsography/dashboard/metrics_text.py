"""The services' Prometheus text (`/metrics`), read with prometheus-client's own parser.

Only the sums the page needs are kept: a metric's value summed over the labels not asked for,
e.g. records per kind for one service. A service without `/metrics`, or with a metric missing,
gives None, and the page falls back to the counters in its `/health`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

from discogsography.runtime import metrics

# The services' metric names, as the text format shows them (a counter with _total).
RECORDS = f"{metrics.RECORDS_METRIC}_total"
MESSAGES = f"{metrics.MESSAGES_METRIC}_total"
QUEUE_DEPTH = metrics.QUEUE_DEPTH_METRIC
ERRORS = f"{metrics.ERRORS_METRIC}_total"


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    labels: Mapping[str, str]
    value: float


def parse(text: str) -> list[Series]:
    """Every sample in a Prometheus text exposition; ValueError when it is not one."""
    series = []
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            series.append(Series(sample.name, dict(sample.labels), float(sample.value)))
    return series


def sum_by(series: Iterable[Series], name: str, label: str, **match: str) -> dict[str, float] | None:
    """``name``'s values summed per value of ``label`` over the samples matching ``match``."""
    totals: dict[str, float] = {}
    found = False
    for item in series:
        if item.name != name or any(item.labels.get(k) != v for k, v in match.items()):
            continue
        found = True
        key = item.labels.get(label, "")
        totals[key] = totals.get(key, 0.0) + item.value
    return totals if found else None
