"""The dashboard's pure parts: rates from successive readings, /metrics sums, and the page's state."""

from __future__ import annotations

from typing import Any

import pytest

from discogsography.amqp.topology import Topology
from discogsography.dashboard import metrics_text
from discogsography.dashboard.page_state import (
    MarkerReading,
    QueueDepth,
    QueueReading,
    Reading,
    ServiceReading,
    TableReading,
    TableRow,
    assemble,
)
from discogsography.dashboard.rates import RateTracker
from discogsography.kinds import Kind

TOPOLOGY = Topology("p-")


def test_counter_rate_is_growth_per_second_over_the_window() -> None:
    rates = RateTracker(window_seconds=10)
    assert rates.counter("c", 100.0, 0) is None  # one reading: no rate yet
    assert rates.counter("c", 102.0, 50) == pytest.approx(25.0)
    assert rates.counter("c", 104.0, 150) == pytest.approx(150 / 4)
    # Readings older than the window drop out: 10 s after 104, the oldest kept is 104.
    rates.counter("c", 110.0, 300)
    assert rates.counter("c", 114.0, 400) == pytest.approx((400 - 150) / (114 - 104))


def test_a_counter_that_goes_down_was_restarted_and_starts_over() -> None:
    rates = RateTracker()
    rates.counter("c", 1.0, 500)
    rates.counter("c", 2.0, 600)
    assert rates.counter("c", 3.0, 10) is None
    assert rates.counter("c", 4.0, 30) == pytest.approx(20.0)


def test_a_gauge_rate_is_signed_and_a_missing_value_restarts_it() -> None:
    rates = RateTracker()
    rates.gauge("q", 0.0, 100)
    assert rates.gauge("q", 2.0, 60) == pytest.approx(-20.0)
    assert rates.gauge("q", 3.0, None) is None
    assert rates.gauge("q", 4.0, 10) is None


METRICS_TEXT = """\
# HELP discogsography_records_total Records processed.
# TYPE discogsography_records_total counter
discogsography_records_total{service="tableinator",kind="artists"} 70.0
discogsography_records_total{service="tableinator",kind="labels"} 5.0
# HELP discogsography_errors_total Errors.
# TYPE discogsography_errors_total counter
discogsography_errors_total{service="tableinator",error="database"} 2.0
discogsography_errors_total{service="tableinator",error="broker"} 1.0
discogsography_errors_total{service="tableinator",error="database"} 3.0
"""


def test_metrics_are_summed_per_label_and_absent_ones_are_none() -> None:
    series = metrics_text.parse(METRICS_TEXT)
    assert metrics_text.sum_by(series, metrics_text.RECORDS, "kind", service="tableinator") == {
        "artists": 70.0,
        "labels": 5.0,
    }
    assert metrics_text.sum_by(series, metrics_text.ERRORS, "error") == {"database": 5.0, "broker": 1.0}
    assert metrics_text.sum_by(series, metrics_text.RECORDS, "kind", service="extractor") is None
    assert metrics_text.sum_by(series, metrics_text.QUEUE_DEPTH, "queue") is None


MARKER: dict[str, Any] = {
    "current_version": "20200806",
    "summary": {"overall_status": "in_progress"},
    "download_phase": {
        "downloads_by_file": {
            "discogs_20200806_releases.xml.gz": {"status": "completed", "bytes_downloaded": 900},
            "discogs_20200806_labels.xml.gz": {"status": "completed", "bytes_downloaded": 100},
        },
        "errors": ["CHECKSUM mismatch for x"],
    },
    "processing_phase": {
        "current_file": "discogs_20200806_releases.xml.gz",
        "progress_by_file": {
            "discogs_20200806_labels.xml.gz": {
                "status": "completed",
                "records_extracted": 10,
                "messages_published": 1,
                "records_skipped": 0,
                "completion_sent": True,
                "mode": "full",
            },
            "discogs_20200806_releases.xml.gz": {
                "status": "in_progress",
                "records_extracted": 5000,
                "messages_published": 50,
                "records_skipped": 2,
                "completion_sent": False,
                "mode": "full",
            },
        },
        "errors": [],
    },
}

EXTRACTOR_BODY: dict[str, Any] = {
    "status": "healthy",
    "service": "extractor",
    "phase": "processing",
    "version": "20200806",
    "last_error": None,
    "progress": {"total": 5010, "per_kind": {"artists": 0, "labels": 10, "masters": 0, "releases": 5000}},
    "files": {
        "discogs_20200806_artists.xml.gz": {"processing": {"status": "in_progress", "records_extracted": 3}}
    },
}

TABLEINATOR_BODY: dict[str, Any] = {
    "status": "unhealthy",
    "service": "tableinator",
    "broker": "connected",
    "database": "unavailable",
    "broker_error": None,
    "database_error": "connection refused",
    "counts": {kind.value: {"records": 4, "messages": 1} for kind in Kind},
    "last_errors": [
        {"timestamp": "2026-01-01T00:00:01Z", "level": "error", "event": "older", "error": "a"},
        {"timestamp": "2026-01-01T00:00:09Z", "level": "warning", "event": "newer", "error": "b"},
    ],
}


def reading(at: float, *, depth: int = 40, live: int = 100, marker: bool = True) -> Reading:
    depths: dict[str, QueueDepth | None] = {}
    for kind in Kind:
        depths[TOPOLOGY.queue(kind)] = QueueDepth(depth, 1)
        depths[TOPOLOGY.dead_letter_queue(kind)] = QueueDepth(0, 0)
    depths[TOPOLOGY.dead_letter_queue(Kind.MASTERS)] = None  # not declared
    return Reading(
        at=at,
        services=[
            ServiceReading("extractor", "http://ex:8000", 200, EXTRACTOR_BODY),
            ServiceReading(
                "tableinator",
                "http://tb:8002",
                503,
                TABLEINATOR_BODY,
                metrics=metrics_text.parse(METRICS_TEXT),
            ),
        ],
        queues=QueueReading(depths),
        tables=TableReading("postgres@db:5432/x", [TableRow("artists", live, -1), TableRow("labels", 7, 7)]),
        marker=MarkerReading("/root/.extraction_status_20200806.json", MARKER if marker else None),
    )


def test_services_show_status_details_and_error_counts() -> None:
    state = assemble(reading(0.0), TOPOLOGY, RateTracker(), 2.0)
    extractor, tableinator = state["services"]
    assert extractor["status"] == "healthy"
    assert extractor["details"] == {"phase": "processing", "version": "20200806"}
    assert tableinator["status"] == "unhealthy"
    assert tableinator["http_status"] == 503
    assert tableinator["errors_by_kind"] == {"database": 5.0, "broker": 1.0}
    assert "database_error" not in tableinator["details"]


def test_each_service_shows_the_rabbitmq_node_it_is_on_and_a_failover_moves_it() -> None:
    rates = RateTracker()
    before = reading(0.0)
    before.services[0].body = {**EXTRACTOR_BODY, "broker_node": "rabbit1:5672"}
    before.services[1].body = {**TABLEINATOR_BODY, "broker_node": "rabbit2:5672"}
    extractor, tableinator = assemble(before, TOPOLOGY, rates, 2.0)["services"]
    assert (extractor["broker_node"], tableinator["broker_node"]) == ("rabbit1:5672", "rabbit2:5672")
    assert "broker_node" not in extractor["details"]  # its own row, not repeated among the details
    after = reading(2.0)
    after.services[0].body = {**EXTRACTOR_BODY, "broker_node": "rabbit3:5672"}  # failed over
    after.services[1].body = dict(TABLEINATOR_BODY)  # before it connected: no node yet
    extractor, tableinator = assemble(after, TOPOLOGY, rates, 2.0)["services"]
    assert (extractor["broker_node"], tableinator["broker_node"]) == ("rabbit3:5672", None)


def test_a_service_that_does_not_answer_is_down_with_its_reason() -> None:
    down = reading(0.0)
    down.services[0] = ServiceReading("extractor", "http://ex:8000", error="not reachable")
    state = assemble(down, TOPOLOGY, RateTracker(), 2.0)
    assert state["services"][0] | {"details": None} == {
        "name": "extractor",
        "url": "http://ex:8000",
        "up": False,
        "http_status": None,
        "status": "down",
        "reason": "not reachable",
        "broker_node": None,
        "details": None,
        "metrics": False,
        "errors_by_kind": {},
    }
    assert state["queues"]["rows"][0]["published"] is None


def test_queues_come_from_the_topology_with_counters_from_metrics_or_health() -> None:
    rates = RateTracker()
    assemble(reading(10.0, depth=100), TOPOLOGY, rates, 2.0)
    state = assemble(reading(12.0, depth=40), TOPOLOGY, rates, 2.0)
    rows = {row["name"]: row for row in state["queues"]["rows"]}
    assert list(rows) == [
        name for kind in Kind for name in (TOPOLOGY.queue(kind), TOPOLOGY.dead_letter_queue(kind))
    ]
    releases = rows["p-releases"]
    assert (releases["messages"], releases["consumers"], releases["messages_rate"]) == (40, 1, -30.0)
    assert releases["published"] == 5000  # the extractor's /health: no /metrics
    assert releases["stored"] is None  # the tableinator's metrics name artists and labels only
    assert rows["p-artists"]["stored"] == 70.0  # from discogsography_records_total
    assert releases["in_rate"] == 0.0
    assert rows["p-masters.dlq"]["exists"] is False
    assert rows["p-masters.dlq"]["messages"] is None
    assert rows["p-labels.dlq"] == {
        "name": "p-labels.dlq",
        "kind": "labels",
        "role": "dead letters",
        "exists": True,
        "messages": 0,
        "consumers": 0,
        "messages_rate": 0.0,
    }


def test_tableinator_counts_from_health_when_it_serves_no_metrics() -> None:
    plain = reading(0.0)
    plain.services[1].metrics = None
    rows = assemble(plain, TOPOLOGY, RateTracker(), 2.0)["queues"]["rows"]
    assert [row["stored"] for row in rows if row["role"] == "queue"] == [4.0] * 4


def test_files_come_from_the_marker_in_kind_order_else_from_the_extractor_health() -> None:
    files = assemble(reading(0.0), TOPOLOGY, RateTracker(), 2.0)["files"]
    assert (files["source"], files["version"], files["overall_status"]) == (
        "state marker",
        "20200806",
        "in_progress",
    )
    assert [row["file"] for row in files["rows"]] == [
        "discogs_20200806_labels.xml.gz",
        "discogs_20200806_releases.xml.gz",
    ]
    releases = files["rows"][1]
    assert releases == {
        "file": "discogs_20200806_releases.xml.gz",
        "download_status": "completed",
        "bytes_downloaded": 900,
        "status": "in_progress",
        "mode": "full",
        "records_extracted": 5000,
        "messages_published": 50,
        "records_skipped": 2,
        "completion_sent": False,
    }
    from_health = assemble(reading(0.0, marker=False), TOPOLOGY, RateTracker(), 2.0)["files"]
    assert from_health["source"] == "extractor /health"
    assert [(row["file"], row["records_extracted"]) for row in from_health["rows"]] == [
        ("discogs_20200806_artists.xml.gz", 3)
    ]


def test_tables_show_live_rows_their_rate_and_the_planner_estimate() -> None:
    rates = RateTracker()
    assemble(reading(0.0, live=100), TOPOLOGY, rates, 2.0)
    tables = assemble(reading(4.0, live=300), TOPOLOGY, rates, 2.0)["tables"]
    assert tables["database"] == "postgres@db:5432/x"
    assert tables["rows"] == [
        {"table": "artists", "rows": 300, "estimate": None, "rows_rate": 50.0},
        {"table": "labels", "rows": 7, "estimate": 7, "rows_rate": 0.0},
    ]


def test_errors_list_standing_ones_first_then_the_last_errors_newest_first() -> None:
    errors = assemble(reading(0.0), TOPOLOGY, RateTracker(), 2.0)["errors"]
    assert [(e["service"], e["event"], e["error"]) for e in errors] == [
        ("tableinator", "database_error", "connection refused"),
        ("state marker", "download_phase", "CHECKSUM mismatch for x"),
        ("tableinator", "newer", "b"),
        ("tableinator", "older", "a"),
    ]
    assert errors[2]["level"] == "warning"
    assert errors[2]["timestamp"] == "2026-01-01T00:00:09Z"


def test_the_page_needs_no_internet_every_asset_is_served_by_the_command() -> None:
    from discogsography.dashboard.server import ASSETS, asset

    page = asset("index.html").decode()
    for path, (name, _) in ASSETS.items():
        text = asset(name).decode()
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, name
        if path != "/":
            assert f'"{path}"' in page  # the page loads it from the dashboard itself
