"""Prometheus metrics of the long-running services, served on ``/metrics`` beside ``/health``.

Every name, label and value is documented in docs/metrics.md (the dashboard reads exactly these).
A service makes its own ``ServiceMetrics`` when it starts (``activate("tableinator")``): one
registry per service, never prometheus_client's global default, so tests and several services in
one process do not mix their counts. The instrumented modules call ``current()``, which is the
metrics of the service they run in (a context variable, inherited by its asyncio tasks and by
``asyncio.to_thread``); code running outside a service counts into an unserved registry. A thread
of its own (the extractor's reader) gets the metrics passed in from the loop that started it.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from discogsography.kinds import Kind

# The text format every Prometheus understands (the names here need nothing newer).
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
# No `*_created` series beside each counter and histogram: nothing here reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]
# The names the dashboard reads back (a counter is exposed with the suffix _total).
RECORDS_METRIC = "discogsography_records"
MESSAGES_METRIC = "discogsography_messages"
ERRORS_METRIC = "discogsography_errors"
QUEUE_DEPTH_METRIC = "discogsography_queue_depth"
BROKER_NODE_METRIC = "discogsography_broker_node"
# A batch of 100 records takes tens of milliseconds; outages make it take much longer.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
FILE_STATUSES = ("pending", "downloading", "downloaded", "processing", "completed", "failed")
# The outcomes and kinds of error each service counts, shown at 0 before the first one.
OUTCOMES = {"extractor": ("published",), "tableinator": ("acked", "dead_lettered", "requeued")}
ERRORS = {
    "extractor": ("broker_unavailable", "message_not_accepted", "record_skipped", "download_failed"),
    "tableinator": ("broker_unavailable", "database_unavailable", "malformed_message", "record_refused"),
}
# A file's status from the marker: its processing status once it has one, else its download's.


def _kind(kind: Kind | str) -> str:
    return str(kind)


class ServiceMetrics:
    """The metrics of one service process, in a registry of their own."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry

        def counter(name: str, doc: str, labels: tuple[str, ...]) -> Counter:
            return Counter(name, doc, labels, registry=registry)

        def histogram(name: str, doc: str) -> Histogram:
            return Histogram(name, doc, ("kind",), buckets=DURATION_BUCKETS, registry=registry)

        def gauge(name: str, doc: str, labels: tuple[str, ...] = ("kind",)) -> Gauge:
            return Gauge(name, doc, labels, registry=registry)

        self.records = counter(
            RECORDS_METRIC,
            "Records handled: published (extractor) or stored (tableinator).",
            ("service", "kind"),
        )
        self.messages = counter(
            MESSAGES_METRIC,
            "Messages by outcome: published (extractor); acked, dead_lettered, requeued (tableinator).",
            ("service", "kind", "outcome"),
        )
        self.errors = counter(ERRORS_METRIC, "Errors by kind of error.", ("service", "error"))
        self.batches = counter("discogsography_batches", "Batches stored and settled.", ("kind",))
        self.deletions = counter("discogsography_deletions", "Rows deleted by deletion messages.", ("kind",))
        self.batch_duration = histogram(
            "discogsography_batch_duration_seconds",
            "From a batch handed to a writer until its messages are settled (retries included).",
        )
        self.commit_duration = histogram(
            "discogsography_commit_duration_seconds",
            "One PostgreSQL transaction of a batch, from its first statement to its commit.",
        )
        self.queue_depth = gauge(
            QUEUE_DEPTH_METRIC, "Messages ready in a queue, as the consumer sees it.", ("queue",)
        )
        self.file_records = gauge(
            "discogsography_file_records", "Records extracted so far from the kind's file (state marker)."
        )
        self.file_bytes_read = gauge(
            "discogsography_file_bytes_read", "Bytes of the kind's dump file (gzip) read so far."
        )
        self.file_bytes_total = gauge(
            "discogsography_file_bytes_total", "Size in bytes of the kind's dump file (gzip), where known."
        )
        self.file_status = gauge(
            "discogsography_file_status",
            "1 for the current status of the kind's file (state marker), 0 for the others.",
            ("kind", "status"),
        )
        self.broker_node = gauge(
            BROKER_NODE_METRIC,
            "1 for the RabbitMQ node (host:port) the service last connected to, 0 for its other nodes.",
            ("node",),
        )
        self._show_zeros()

    def _show_zeros(self) -> None:
        """Every series a service will have, at 0, so rates work from the first scrape."""
        for kind in Kind:
            self.records.labels(self.service, kind.value)
            for outcome in OUTCOMES.get(self.service, ()):
                self.messages.labels(self.service, kind.value, outcome)
            if self.service == "tableinator":
                self.batches.labels(kind.value)
                self.deletions.labels(kind.value)
        for error in ERRORS.get(self.service, ()):
            self.errors.labels(self.service, error)

    # --- counting ----------------------------------------------------------------------------

    def count_records(self, kind: Kind | str, records: int) -> None:
        if records:
            self.records.labels(self.service, _kind(kind)).inc(records)

    def count_messages(self, kind: Kind | str, outcome: str, messages: int = 1) -> None:
        if messages:
            self.messages.labels(self.service, _kind(kind), outcome).inc(messages)

    def count_error(self, error: str, times: int = 1) -> None:
        self.errors.labels(self.service, error).inc(times)

    def count_batch(self, kind: Kind | str, seconds: float) -> None:
        self.batches.labels(_kind(kind)).inc()
        self.batch_duration.labels(_kind(kind)).observe(seconds)

    def count_deletions(self, kind: Kind | str, rows: int) -> None:
        if rows:
            self.deletions.labels(_kind(kind)).inc(rows)

    def observe_commit(self, kind: Kind | str, seconds: float) -> None:
        self.commit_duration.labels(_kind(kind)).observe(seconds)

    def set_queue_depths(self, depths: Iterable[tuple[str, int]]) -> None:
        for queue, depth in depths:
            self.queue_depth.labels(queue).set(depth)

    def on_broker_node(self, node: str, nodes: Iterable[str]) -> None:
        """The service connected to ``node``, one of ``nodes`` (amqp/nodes.py)."""
        for candidate in nodes:
            self.broker_node.labels(candidate).set(1 if candidate == node else 0)

    def file_bytes(self, kind: Kind | str, *, read: int | None = None, total: int | None = None) -> None:
        if read is not None:
            self.file_bytes_read.labels(_kind(kind)).set(read)
        if total:
            self.file_bytes_total.labels(_kind(kind)).set(total)

    def observe_file(self, kind: str, status: str, records: int, downloaded_bytes: int | None) -> None:
        """One dump file's progress as its state marker records it (dumps/state_marker.py)."""
        for candidate in FILE_STATUSES:
            self.file_status.labels(kind, candidate).set(1 if candidate == status else 0)
        self.file_records.labels(kind).set(records)
        if downloaded_bytes is not None:
            self.file_bytes_total.labels(kind).set(downloaded_bytes)

    def render(self) -> bytes:
        """The Prometheus text format of every metric of this service."""
        return generate_latest(self.registry)


_UNSERVED = ServiceMetrics("unserved")
_current: ContextVar[ServiceMetrics] = ContextVar("discogsography_metrics", default=_UNSERVED)


def activate(service: str) -> ServiceMetrics:
    """New metrics for the service starting in this context (and the tasks it creates)."""
    metrics = ServiceMetrics(service)
    _current.set(metrics)
    return metrics


def current() -> ServiceMetrics:
    return _current.get()


def served() -> ServiceMetrics | None:
    """The metrics of the service running in this context; None outside a service."""
    metrics = _current.get()
    return None if metrics is _UNSERVED else metrics
