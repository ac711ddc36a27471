"""Metrics: one registry per service, the marker's gauges, /metrics and /health's last_errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from discogsography.dumps.state_marker import new_marker
from discogsography.runtime import logs, metrics
from discogsography.runtime.health import HealthServer

SECRET = "pw-s3cr3t-never-shown"


@pytest.fixture(autouse=True)
def fresh_logging() -> Iterator[None]:
    logs.reset_logging()
    yield
    logs.reset_logging()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text answer, by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_each_service_counts_in_its_own_registry_never_the_global_one() -> None:
    extractor, tableinator = metrics.ServiceMetrics("extractor"), metrics.ServiceMetrics("tableinator")
    extractor.count_records("labels", 100)
    tableinator.count_records("labels", 7)
    tableinator.count_messages("labels", "acked", 3)
    got = samples(tableinator.render().decode())
    assert got[("discogsography_records_total", (("kind", "labels"), ("service", "tableinator")))] == 7
    assert ("discogsography_records_total", (("kind", "labels"), ("service", "extractor"))) not in got
    ext = samples(extractor.render().decode())
    assert ext[("discogsography_records_total", (("kind", "labels"), ("service", "extractor")))] == 100
    # Series that will come are there from the start, at 0: rates work from the first scrape.
    key = ("discogsography_errors_total", (("error", "database_unavailable"), ("service", "tableinator")))
    assert got[key] == 0
    assert not any(name.startswith("discogsography") for name in REGISTRY._names_to_collectors)
    assert not any(name.endswith("_created") for name, _ in got)


async def test_services_in_one_process_keep_their_counts_apart() -> None:
    async def service(name: str, records: int) -> metrics.ServiceMetrics:
        mine = metrics.activate(name)
        await asyncio.sleep(0.01)  # the other service runs meanwhile
        await asyncio.to_thread(lambda: metrics.current().count_records("artists", records))
        return mine

    first, second = await asyncio.gather(service("extractor", 5), service("tableinator", 9))
    assert first.records.labels("extractor", "artists")._value.get() == 5
    assert second.records.labels("tableinator", "artists")._value.get() == 9
    assert metrics.served() is None  # this test's own context never activated one


def test_the_marker_progress_per_file() -> None:
    sink = metrics.ServiceMetrics("extractor")
    marker = new_marker("20260101")
    labels, releases = "discogs_20260101_labels.xml.gz", "discogs_20260101_releases.xml.gz"
    marker.start_download(4)
    marker.start_file_download(releases)
    marker.file_downloaded(labels, 5000)
    marker.report_to(sink)
    got = samples(sink.render().decode())
    assert got[("discogsography_file_status", (("kind", "releases"), ("status", "downloading")))] == 1
    assert got[("discogsography_file_status", (("kind", "labels"), ("status", "downloaded")))] == 1
    assert got[("discogsography_file_bytes_total", (("kind", "labels"),))] == 5000
    marker.start_processing(4)
    marker.start_file_processing(labels)
    marker.update_file_progress(labels, 2500, 25)
    marker.report_to(sink)
    got = samples(sink.render().decode())
    assert got[("discogsography_file_status", (("kind", "labels"), ("status", "processing")))] == 1
    assert got[("discogsography_file_status", (("kind", "labels"), ("status", "downloaded")))] == 0
    assert got[("discogsography_file_records", (("kind", "labels"),))] == 2500
    marker.complete_file_processing(labels, 3000)
    marker.fail_file_processing(releases, "broken")
    marker.report_to(sink)
    got = samples(sink.render().decode())
    assert got[("discogsography_file_status", (("kind", "labels"), ("status", "completed")))] == 1
    assert got[("discogsography_file_status", (("kind", "releases"), ("status", "failed")))] == 1
    assert got[("discogsography_file_records", (("kind", "labels"),))] == 3000
    statuses = [
        v for (name, lab), v in got.items() if name == "discogsography_file_status" and "labels" in lab[0]
    ]
    assert sorted(statuses) == [0] * (len(metrics.FILE_STATUSES) - 1) + [1]


async def test_health_server_serves_metrics_and_last_errors_without_secrets() -> None:
    logs.configure_logging("tableinator", json_output=True)
    sink = metrics.activate("tableinator")
    sink.count_records("masters", 3)
    sink.count_error(f"amqp://u:{SECRET}@h/")  # nothing puts one there; redacted all the same
    logs.get_logger("t").warning("⚠️ RabbitMQ unavailable", error=f"amqp://u:{SECRET}@h/ refused")
    body = {"status": "healthy", "service": "tableinator", "amqp": f"amqp://u:{SECRET}@h/"}
    server = HealthServer(lambda: (True, body), host="127.0.0.1", port=0)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
            scraped = await client.get("/metrics")
            health = await client.get("/health")
            missing = await client.get("/other")
    finally:
        await server.stop()
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert SECRET not in scraped.text and SECRET not in health.text
    assert (
        samples(scraped.text)[
            ("discogsography_records_total", (("kind", "masters"), ("service", "tableinator")))
        ]
        == 3
    )
    assert health.status_code == 200
    answer = health.json()
    assert answer["service"] == "tableinator" and answer["status"] == "healthy"
    (problem,) = answer["last_errors"]
    assert problem["event"] == "⚠️ RabbitMQ unavailable" and problem["error"] == "amqp://u:***@h/ refused"
    assert missing.status_code == 404
    json.dumps(answer)


async def test_no_metrics_outside_a_service() -> None:
    server = HealthServer(lambda: (False, {"status": "unhealthy"}), host="127.0.0.1", port=0)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
            assert (await client.get("/metrics")).status_code == 404
            health = await client.get("/health")
    finally:
        await server.stop()
    assert health.status_code == 503 and health.json()["last_errors"] == []
