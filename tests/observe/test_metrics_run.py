"""Both services' /metrics scraped during a real run, checked against PostgreSQL and the marker.

The tableinator and the extractor (as a service, so it stays up after its cycle) run as
subprocesses on the 2020 samples, extractor -> RabbitMQ -> tableinator -> PostgreSQL, with a
RabbitMQ user of their own whose password must never show on /metrics or /health.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from discogsography.kinds import Kind
from tests.conftest import SAMPLES_2020
from tests.faults.harness import Pipeline
from tests.observe.ports import free_ports
from tests.support.servers import AMQP_URL as AMQP
from tests.support.servers import SHARED
from tests.support.waits import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.rabbitmq]

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
KINDS = [kind.value for kind in Kind]


def scrape(port: int) -> tuple[str, Samples]:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    return text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


@pytest.fixture
def broker_user() -> Iterator[tuple[str, str]]:
    """A RabbitMQ user with a password nothing else holds."""
    if shutil.which("rabbitmqctl") is None:
        pytest.fail("rabbitmqctl is needed to add a RabbitMQ user")
    name, password = f"dgtest-metrics-{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}"
    subprocess.run(["rabbitmqctl", "-q", "add_user", name, password], check=True, capture_output=True)
    subprocess.run(
        ["rabbitmqctl", "-q", "set_permissions", name, ".*", ".*", ".*"], check=True, capture_output=True
    )
    yield name, password
    subprocess.run(["rabbitmqctl", "-q", "delete_user", name], check=False, capture_output=True)


def test_metrics_during_a_run_match_the_tables_and_the_marker(
    tmp_path: Path, broker_user: tuple[str, str]
) -> None:
    user, password = broker_user
    run = Pipeline(
        SAMPLES_2020, tmp_path, SHARED, {"AMQP_CONNECTION": f"amqp://{user}:{password}@127.0.0.1:5672/"}
    )
    tableinator_port, extractor_port = free_ports(2)
    try:
        run.start_tableinator(HEALTH_CHECK_PORT=str(tableinator_port))
        wait_for(lambda: _up(tableinator_port), 60, "the tableinator's /metrics")
        run.extractor = run._start("extractor", ["extractor"], HEALTH_CHECK_PORT=str(extractor_port))
        scrapes = _scrape_until_stored(run, tableinator_port)
        wait_for(lambda: _all_completed(tableinator_port), 60, "every file_complete handled")
        wait_for(
            lambda: (run.marker() or {}).get("summary", {}).get("overall_status") == "completed", 60, "marker"
        )
        # Three messages straight into a dead-letter queue: its depth must show within a refresh.
        asyncio.run(_put_in_queue(run.topology.dead_letter_queue(Kind.LABELS), 3))
        dlq = run.topology.dead_letter_queue(Kind.LABELS)
        wait_for(
            lambda: scrape(tableinator_port)[1].get(("discogsography_queue_depth", (("queue", dlq),))) == 3,
            30,
            "dlq depth",
        )
        tableinator_text, stored = scrape(tableinator_port)
        extractor_text, published = scrape(extractor_port)
        health = [
            httpx.get(f"http://127.0.0.1:{p}/health", timeout=5).text
            for p in (tableinator_port, extractor_port)
        ]
        depths = run.queue_depths()
        marker = run.marker()
        rows_stored = {kind: run.row_count(Kind(kind)) for kind in KINDS}
    finally:
        run.stop(run.extractor)
        run.stop(run.tableinator)
        run.close()

    # During the run: counted only after the commit, so never more than the rows, never falling.
    assert any(0 < sum(counted.values()) < 4000 for counted, _ in scrapes), "no scrape mid-run"
    for before, after in itertools.pairwise(scrapes):
        assert all(after[0][kind] >= before[0][kind] for kind in KINDS)
    for counted, rows_then in scrapes:
        assert all(counted[kind] <= rows_then[kind] for kind in KINDS), (counted, rows_then)

    assert password not in tableinator_text + extractor_text + "".join(health)
    assert marker is not None
    files = marker["processing_phase"]["progress_by_file"]
    for kind in KINDS:
        (entry,) = [entry for name, entry in files.items() if name.endswith(f"_{kind}.xml.gz")]
        rows = rows_stored[kind]
        assert rows == 1000
        # tableinator: what PostgreSQL holds
        assert value(stored, "discogsography_records_total", service="tableinator", kind=kind) == rows
        messages = value(
            published, "discogsography_messages_total", service="extractor", kind=kind, outcome="published"
        )
        acked = value(
            stored, "discogsography_messages_total", service="tableinator", kind=kind, outcome="acked"
        )
        assert acked == messages + 1  # every record message and the file_complete message
        for outcome in ("dead_lettered", "requeued"):
            assert (
                value(
                    stored, "discogsography_messages_total", service="tableinator", kind=kind, outcome=outcome
                )
                == 0
            )
        batches = value(stored, "discogsography_batches_total", kind=kind)
        assert batches >= 1
        assert value(stored, "discogsography_batch_duration_seconds_count", kind=kind) == batches
        assert value(stored, "discogsography_commit_duration_seconds_count", kind=kind) >= batches
        assert value(stored, "discogsography_deletions_total", kind=kind) == 0
        # extractor: what the marker says
        assert (
            value(published, "discogsography_records_total", service="extractor", kind=kind)
            == entry["records_extracted"]
        )
        assert messages == entry["messages_published"]
        assert value(published, "discogsography_file_records", kind=kind) == entry["records_extracted"]
        assert value(published, "discogsography_file_status", kind=kind, status="completed") == 1
        assert value(published, "discogsography_file_status", kind=kind, status="processing") == 0
        size = (run.root / next(name for name in files if name.endswith(f"_{kind}.xml.gz"))).stat().st_size
        assert value(published, "discogsography_file_bytes_total", kind=kind) == size
        assert value(published, "discogsography_file_bytes_read", kind=kind) == size
    for name, depth in depths.items():  # what the broker says, queue by queue
        assert value(stored, "discogsography_queue_depth", queue=name) == depth
    assert depths[dlq] == 3
    for service, samples in (("tableinator", stored), ("extractor", published)):
        errors = {labels: v for (name, labels), v in samples.items() if name == "discogsography_errors_total"}
        assert errors and all(v == 0 for v in errors.values()), errors
        assert all(dict(labels)["service"] == service for labels in errors)


def _up(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _all_completed(port: int) -> bool:
    body = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).json()
    return set(body.get("completed_kinds", [])) == set(KINDS)


def _scrape_until_stored(run: Pipeline, port: int) -> list[tuple[dict[str, float], dict[str, int]]]:
    """(records counted per kind, rows in PostgreSQL just after) until every row is stored."""
    scrapes: list[tuple[dict[str, float], dict[str, int]]] = []

    def stored() -> bool:
        _, samples = scrape(port)
        counted = {
            k: value(samples, "discogsography_records_total", service="tableinator", kind=k) for k in KINDS
        }
        rows = {kind: run.row_count(Kind(kind)) for kind in KINDS}
        scrapes.append((counted, rows))
        return all(counted[kind] >= 1000 for kind in KINDS)

    wait_for(stored, 300, "every record counted", interval=0.05)
    return scrapes


async def _put_in_queue(queue: str, messages: int) -> None:
    connection: Any = await aio_pika.connect(AMQP)
    async with connection:
        channel = await connection.channel()
        for number in range(messages):
            await channel.default_exchange.publish(aio_pika.Message(str(number).encode()), routing_key=queue)
