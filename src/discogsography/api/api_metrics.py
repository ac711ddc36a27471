"""The API's Prometheus metrics: requests by route and status, and their durations.

Each server process counts into a registry of its own (never prometheus_client's global one).
With several processes, prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set by
`serve` before the processes start) keeps the counts in shared files, so `/metrics` from any
process shows the sums over all of them.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from discogsography.runtime.metrics import CONTENT_TYPE

__all__ = ["CONTENT_TYPE", "ApiMetrics", "route_label"]

REQUESTS_METRIC = "discogsography_api_requests"
DURATION_METRIC = "discogsography_api_request_seconds"
# A by-id answer takes about a millisecond; searches and deep pages much longer.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_LIST_SUFFIXES = {"masters": "versions", "artists": "releases", "labels": "releases"}


def route_label(path: str) -> str:
    """The route a path takes, as a label of few values (ids left out): `releases`, `masters/versions`."""
    parts = path.strip("/").split("/")
    head = parts[0]
    if head in ("releases", "masters", "artists", "labels") and len(parts) in (2, 3):
        if len(parts) == 2:
            return head
        if _LIST_SUFFIXES.get(head) == parts[2]:
            return f"{head}/{parts[2]}"
    elif path in ("/database/search", "/health", "/metrics", "/openapi.json", "/"):
        return path.strip("/") or "root"
    return "other"


class ApiMetrics:
    """One server process's counters; ``render`` gives every process's sums."""

    def __init__(self) -> None:
        self.multiprocess_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            REQUESTS_METRIC,
            "Requests answered, by route and status.",
            ["route", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            DURATION_METRIC,
            "Seconds from request to the answer's last byte, by route.",
            ["route"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        # The labelled children, kept: ``labels()`` validates and locks on every call.
        self._children: dict[tuple[str, int], tuple[Any, Any]] = {}

    def observe(self, route: str, status: int, seconds: float) -> None:
        children = self._children.get((route, status))
        if children is None:
            children = (self.requests.labels(route, str(status)), self.duration.labels(route))
            self._children[(route, status)] = children
        children[0].inc()
        children[1].observe(seconds)

    def render(self) -> bytes:
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        summed = CollectorRegistry()
        MultiProcessCollector(summed, self.multiprocess_dir)  # type: ignore[no-untyped-call]
        return generate_latest(summed)
