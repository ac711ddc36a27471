"""The page's JSON, assembled from one round of readings (pure: no I/O, tested without servers).

A reading that failed is part of the state, never an exception: a service that does not answer
is ``down`` with the reason, a broker or database that cannot be read says why in its panel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from discogsography.amqp.topology import Topology
from discogsography.dashboard import metrics_text
from discogsography.dashboard.rates import RateTracker
from discogsography.dumps.names import kind_of_dump_file
from discogsography.kinds import Kind
from discogsography.runtime.redact import redact_url

# Fields of a /health body that are errors: shown in the errors panel, not among the details.
ERROR_FIELDS = ("last_error", "broker_error", "database_error")
# The RabbitMQ node a service is on (``host:port``; it changes on a failover): a row of its own.
NODE_FIELD = "broker_node"
MAX_ERRORS = 20


@dataclass
class ServiceReading:
    name: str
    url: str
    http_status: int | None = None
    body: dict[str, Any] | None = None
    error: str | None = None  # why /health could not be read
    metrics: list[metrics_text.Series] | None = None  # None: no /metrics (yet)


@dataclass(frozen=True, slots=True)
class QueueDepth:
    messages: int
    consumers: int


@dataclass
class QueueReading:
    depths: dict[str, QueueDepth | None] = field(default_factory=dict)  # None: no such queue
    error: str | None = None


@dataclass(frozen=True, slots=True)
class TableRow:
    name: str
    live_rows: int  # pg_stat_user_tables.n_live_tup
    estimate: int  # pg_class.reltuples (-1: never analysed)


@dataclass
class TableReading:
    database: str
    rows: list[TableRow] = field(default_factory=list)
    error: str | None = None


@dataclass
class MarkerReading:
    path: str | None = None
    marker: dict[str, Any] | None = None  # the marker as JSON (docs/state-marker.md)
    error: str | None = None


@dataclass
class Reading:
    at: float  # seconds since the epoch
    services: list[ServiceReading]
    queues: QueueReading
    tables: TableReading
    marker: MarkerReading


def assemble(reading: Reading, topology: Topology, rates: RateTracker, interval: float) -> dict[str, Any]:
    by_name = {service.name: service for service in reading.services}
    return {
        "generated_at": datetime.fromtimestamp(reading.at, UTC).isoformat(),
        "interval_seconds": interval,
        "rate_window_seconds": rates.window_seconds,
        "services": [service_state(service) for service in reading.services],
        "queues": queue_state(reading, topology, rates, by_name),
        "files": file_state(reading.marker, by_name.get("extractor")),
        "tables": table_state(reading.tables, reading.at, rates),
        "errors": error_list(reading),
    }


def service_state(service: ServiceReading) -> dict[str, Any]:
    body = service.body or {}
    details = {
        key: value
        for key, value in body.items()
        if key not in ("status", "service", NODE_FIELD, *ERROR_FIELDS) and _is_scalar(value)
    }
    node = body.get(NODE_FIELD)
    errors_by_kind = (
        metrics_text.sum_by(service.metrics, metrics_text.ERRORS, "error", service=service.name)
        if service.metrics
        else None
    )
    return {
        "name": service.name,
        "url": redact_url(service.url),
        "up": service.body is not None,
        "http_status": service.http_status,
        "status": str(body.get("status", "unknown")) if service.body is not None else "down",
        "reason": service.error,
        "broker_node": node if isinstance(node, str) else None,
        "details": details,
        "metrics": service.metrics is not None,
        "errors_by_kind": errors_by_kind or {},
    }


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def records_by_kind(service: ServiceReading | None) -> dict[str, float] | None:
    """Records a service has published (extractor) or stored (tableinator), per kind, since it started.

    From ``discogsography_records_total`` when the service serves it, else from its /health.
    """
    if service is None or service.body is None:
        return None
    if service.metrics:
        found = metrics_text.sum_by(service.metrics, metrics_text.RECORDS, "kind", service=service.name)
        if found is not None:
            return found
    body = service.body
    if service.name == "extractor":
        per_kind = (body.get("progress") or {}).get("per_kind")
        return {k: float(v) for k, v in per_kind.items()} if isinstance(per_kind, dict) else None
    counts = body.get("counts")
    if isinstance(counts, dict):
        return {k: float(v.get("records", 0)) for k, v in counts.items() if isinstance(v, dict)}
    return None


def queue_state(
    reading: Reading, topology: Topology, rates: RateTracker, services: dict[str, ServiceReading]
) -> dict[str, Any]:
    published = records_by_kind(services.get("extractor"))
    stored = records_by_kind(services.get("tableinator"))
    rows = []
    for kind in Kind:
        for role, name in (
            ("queue", topology.queue(kind)),
            ("dead letters", topology.dead_letter_queue(kind)),
        ):
            depth = reading.queues.depths.get(name)
            row: dict[str, Any] = {
                "name": name,
                "kind": kind.value,
                "role": role,
                "exists": depth is not None,
                "messages": depth.messages if depth else None,
                "consumers": depth.consumers if depth else None,
                "messages_rate": rates.gauge(f"queue:{name}", reading.at, depth.messages if depth else None),
            }
            if role == "queue":
                row["published"] = published.get(kind.value) if published else None
                row["stored"] = stored.get(kind.value) if stored else None
                row["in_rate"] = rates.counter(f"in:{kind}", reading.at, row["published"])
                row["out_rate"] = rates.counter(f"out:{kind}", reading.at, row["stored"])
            rows.append(row)
    return {"prefix": topology.prefix, "error": reading.queues.error, "rows": rows}


def marker_files(marker: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The marker's files in the shape of the extractor's /health ``files``: name -> download, processing."""
    files: dict[str, dict[str, Any]] = {}
    for name, status in (marker.get("download_phase") or {}).get("downloads_by_file", {}).items():
        files.setdefault(name, {})["download"] = status
    for name, status in (marker.get("processing_phase") or {}).get("progress_by_file", {}).items():
        files.setdefault(name, {})["processing"] = status
    return files


def _kind_order(file_name: str) -> tuple[int, str]:
    kind = kind_of_dump_file(file_name)
    return (list(Kind).index(kind) if kind is not None else len(Kind)), file_name


def file_state(marker: MarkerReading, extractor: ServiceReading | None) -> dict[str, Any]:
    state: dict[str, Any] = {"source": None, "path": marker.path, "error": marker.error, "rows": []}
    if marker.marker is not None:
        files = marker_files(marker.marker)
        state.update(
            source="state marker",
            version=marker.marker.get("current_version"),
            overall_status=(marker.marker.get("summary") or {}).get("overall_status"),
            current_file=(marker.marker.get("processing_phase") or {}).get("current_file"),
            last_updated=marker.marker.get("last_updated"),
        )
    elif extractor is not None and extractor.body is not None and extractor.body.get("files"):
        files = extractor.body["files"]
        state.update(source="extractor /health", version=extractor.body.get("version"))
    else:
        return state
    for name in sorted(files, key=_kind_order):
        download = files[name].get("download") or {}
        processing = files[name].get("processing") or {}
        state["rows"].append(
            {
                "file": name,
                "download_status": download.get("status"),
                "bytes_downloaded": download.get("bytes_downloaded"),
                "status": processing.get("status", "pending"),
                "mode": processing.get("mode"),
                "records_extracted": processing.get("records_extracted"),
                "messages_published": processing.get("messages_published"),
                "records_skipped": processing.get("records_skipped"),
                "completion_sent": processing.get("completion_sent"),
            }
        )
    return state


def table_state(tables: TableReading, at: float, rates: RateTracker) -> dict[str, Any]:
    return {
        "database": tables.database,
        "error": tables.error,
        "rows": [
            {
                "table": row.name,
                "rows": row.live_rows,
                "estimate": row.estimate if row.estimate >= 0 else None,
                "rows_rate": rates.gauge(f"table:{row.name}", at, row.live_rows),
            }
            for row in tables.rows
        ],
    }


def error_list(reading: Reading) -> list[dict[str, Any]]:
    """Standing errors first (a service's error fields, the marker's), then last_errors, newest first."""
    timed: list[dict[str, Any]] = []
    standing: list[dict[str, Any]] = []
    for service in reading.services:
        body = service.body or {}
        for entry in body.get("last_errors") or []:
            if isinstance(entry, dict):
                timed.append(
                    {
                        "service": service.name,
                        "timestamp": entry.get("timestamp"),
                        "level": entry.get("level"),
                        "event": entry.get("event"),
                        "error": entry.get("error"),
                    }
                )
        for name in ERROR_FIELDS:
            if body.get(name):
                standing.append(
                    {
                        "service": service.name,
                        "timestamp": None,
                        "level": "error",
                        "event": name,
                        "error": str(body[name]),
                    }
                )
    marker = reading.marker.marker or {}
    for phase in ("download_phase", "processing_phase", "publishing_phase"):
        for error in (marker.get(phase) or {}).get("errors") or []:
            standing.append(
                {
                    "service": "state marker",
                    "timestamp": None,
                    "level": "error",
                    "event": phase,
                    "error": str(error),
                }
            )
    timed.sort(key=lambda entry: str(entry["timestamp"] or ""), reverse=True)
    return (standing + timed)[:MAX_ERRORS]
