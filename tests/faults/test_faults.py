"""Faults on the real pipeline: after each one every record is stored exactly once with the right
hash, nothing is left unacknowledged, malformed messages wait in the dead-letter queue, and the
state marker tells the truth. Scenarios restarting RabbitMQ or PostgreSQL restart the machine's
servers: run this suite where nothing else uses them (CI does)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
import pytest

from discogsography.kinds import Kind
from tests.faults.harness import Expected, Pipeline, wait_for
from tests.faults.report import scenario

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.rabbitmq]


def finish(pipeline: Pipeline, expected: Expected, timeout: float = 300) -> None:
    """Let the tableinator store everything, then stop it the way an operator does."""
    pipeline.wait_all_stored(expected, timeout)
    wait_for(
        lambda: pipeline.queue_depths()[pipeline.topology.queue(Kind.RELEASES)] == 0, 60, "drained queues"
    )
    assert pipeline.stop(pipeline.tableinator) == 0


def releases_file(expected: Expected) -> str:
    return expected.files[Kind.RELEASES]


def test_extractor_killed_mid_file_and_restarted(pipeline: Pipeline, expected: Expected) -> None:
    entry = scenario(
        "Extractor killed with SIGKILL mid-file, then restarted",
        "SIGKILL to the extractor while it "
        "publishes the releases file; the extractor is then started again as a process manager would.",
    )
    pipeline.start_tableinator()
    pipeline.start_extractor(RECORDS_PER_MESSAGE="10")
    wait_for(
        lambda: pipeline.file_progress(releases_file(expected)).get("records_extracted", 0) > 0,
        120,
        "the releases file in progress",
    )
    pipeline.kill(pipeline.extractor)
    progress = pipeline.file_progress(releases_file(expected))
    assert progress["status"] == "in_progress"
    assert (pipeline.marker() or {})["processing_phase"]["status"] != "completed"
    entry.observed.append(
        f"killed at {progress['records_extracted']:,} of {len(expected.hashes[Kind.RELEASES]):,} releases; "
        "the state marker said the file was in_progress, not completed"
    )
    pipeline.start_extractor(RECORDS_PER_MESSAGE="10")
    assert pipeline.wait_extractor() == 0
    assert pipeline.log_text("extractor").count("File already processed") == 3
    entry.observed.append(
        "the restarted extractor skipped the completed files and processed the releases file again"
    )
    finish(pipeline, expected)
    entry.checked += verify_all(pipeline, expected)
    entry.passed = True


def test_tableinator_killed_mid_batch_and_restarted(pipeline: Pipeline, expected: Expected) -> None:
    entry = scenario(
        "Tableinator killed with SIGKILL mid-batch, then restarted",
        "SIGKILL to the tableinator while "
        "it writes batches (messages delivered, batch not yet committed); then started again.",
    )
    pipeline.start_extractor()
    assert pipeline.wait_extractor() == 0
    pipeline.start_tableinator(POSTGRES_BATCH_SIZE="500")
    total = expected.total
    wait_for(
        lambda: 0 < sum(pipeline.row_count(k) for k in Kind) < total * 0.7, 120, "writes under way", 0.02
    )
    pipeline.kill(pipeline.tableinator)
    committed = row_versions(pipeline)
    stored = sum(len(rows) for rows in committed.values())
    entry.observed.append(
        f"killed with {stored:,} of {total:,} records committed; the rest stayed in the queues, "
        "the delivered but uncommitted messages unacknowledged"
    )
    pipeline.start_tableinator(POSTGRES_BATCH_SIZE="500")
    finish(pipeline, expected)
    after = row_versions(pipeline)
    for kind, rows in committed.items():
        assert set(rows) <= set(after[kind]), f"{kind}: a row committed before the kill was rewritten"
    entry.observed.append(
        "the broker redelivered the unacknowledged messages to the restarted tableinator; "
        "rows committed before the kill were left untouched (same transaction id)"
    )
    entry.checked += verify_all(pipeline, expected)
    entry.passed = True


def test_rabbitmq_restarted_during_publishing(pipeline: Pipeline, expected: Expected) -> None:
    entry = scenario(
        "RabbitMQ restarted during publishing",
        "`rabbitmqctl stop_app` then `start_app` while the "
        "extractor publishes the releases file and the tableinator consumes.",
    )
    pipeline.start_tableinator()
    pipeline.start_extractor(RECORDS_PER_MESSAGE="1")
    wait_for(
        lambda: pipeline.file_progress(releases_file(expected)).get("status") == "in_progress",
        120,
        "the releases file in progress",
        0.05,
    )
    subprocess.run(["rabbitmqctl", "-q", "stop_app"], check=True, capture_output=True, timeout=120)
    subprocess.run(["rabbitmqctl", "-q", "start_app"], check=True, capture_output=True, timeout=120)
    status = pipeline.wait_extractor()
    attempts = 1
    while status != 0 and attempts < 3:
        # A cycle that could not finish exits non-zero; the process manager starts it again.
        entry.observed.append(f"the extractor's cycle failed (exit status {status}); it was started again")
        pipeline.start_extractor(RECORDS_PER_MESSAGE="1")
        status = pipeline.wait_extractor()
        attempts += 1
    assert status == 0
    if attempts == 1:
        entry.observed.append(
            "the extractor reconnected and re-published the interrupted file within its cycle"
        )
    entry.observed.append("the tableinator reconnected by itself and consumed the rest")
    finish(pipeline, expected)
    entry.checked += verify_all(pipeline, expected)
    entry.passed = True


def test_postgresql_restarted_during_writes(pipeline: Pipeline, expected: Expected) -> None:
    entry = scenario(
        "PostgreSQL restarted during writes",
        "`pg_ctlcluster … restart -m fast` while the tableinator writes batches.",
    )
    pipeline.start_extractor()
    assert pipeline.wait_extractor() == 0
    pipeline.start_tableinator(POSTGRES_BATCH_SIZE="500")
    total = expected.total
    wait_for(
        lambda: 0 < sum(pipeline.row_count(k) for k in Kind) < total * 0.7, 120, "writes under way", 0.02
    )
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    entry.observed.append(
        "the tableinator's batch failed with the connection; its messages stayed unacknowledged; "
        "it retried with backoff and resumed when the server was back"
    )
    finish(pipeline, expected)
    assert "PostgreSQL unavailable, will retry" in pipeline.log_text("tableinator")
    entry.checked += verify_all(pipeline, expected)
    entry.passed = True


def test_a_whole_file_published_twice(pipeline: Pipeline, expected: Expected) -> None:
    entry = scenario(
        "The whole dump published twice",
        "The extractor runs a second time with FORCE_REPROCESS=true, publishing every file again.",
    )
    pipeline.start_tableinator()
    pipeline.start_extractor()
    assert pipeline.wait_extractor() == 0
    pipeline.wait_all_stored(expected)
    before = row_versions(pipeline)
    pipeline.start_extractor(FORCE_REPROCESS="true")
    assert pipeline.wait_extractor() == 0
    finish(pipeline, expected)
    after = row_versions(pipeline)
    assert after == before
    entry.observed.append(
        "the second publication was consumed completely; no row was rewritten "
        "(every row's transaction id unchanged), since every hash was unchanged"
    )
    entry.checked += verify_all(pipeline, expected)
    entry.passed = True


MALFORMED = {
    Kind.RELEASES: [
        b"this is not JSON",
        b"[1, 2, 3]",
        b'{"title": "a record without an id", "sha256": "00"}',
        b'{"id": 5, "title": "a record without a hash"}',
        b'{"type": "records", "data_type": "releases", "count": 1, "records": [{"id": "x"}]}',
    ],
    Kind.LABELS: [b'{"type": "something_else"}'],
}


def test_malformed_messages_among_good_ones(pipeline: Pipeline, expected: Expected) -> None:
    entry = scenario(
        "Malformed messages among good ones",
        "Six messages that can never be stored (not JSON, "
        "not an object, no id, no hash, a batch with a bad record, an unknown type) published "
        "into the releases and labels queues while the extractor publishes the dump.",
    )
    pipeline.start_tableinator()
    pipeline.start_extractor()
    wait_for(
        lambda: pipeline.file_progress(expected.files[Kind.LABELS]).get("status") is not None,
        120,
        "publishing under way",
        0.05,
    )
    for kind, bodies in MALFORMED.items():
        pipeline.publish_raw(kind, bodies)
    assert pipeline.wait_extractor() == 0
    finish(pipeline, expected)
    entry.checked += verify_all(pipeline, expected, {kind: len(bodies) for kind, bodies in MALFORMED.items()})
    for kind, bodies in MALFORMED.items():
        assert sorted(pipeline.take_dead_letters(kind)) == sorted(bodies)
    entry.checked.append("the dead-letter queues hold those messages byte for byte")
    log = pipeline.log_text("tableinator")
    assert log.count("Message dead-lettered") == sum(len(bodies) for bodies in MALFORMED.values())
    entry.observed.append(
        "each was rejected to its dead-letter queue with the reason logged; the good "
        "records around them were stored"
    )
    entry.passed = True


def row_versions(pipeline: Pipeline) -> dict[str, list[tuple[int, str]]]:
    with psycopg.connect(pipeline.conninfo) as conn:
        return {
            kind.value: [
                (int(r[0]), str(r[1]))
                for r in conn.execute(f"SELECT id, xmin::text FROM {kind.value} ORDER BY id")
            ]
            for kind in Kind
        }


def verify_all(pipeline: Pipeline, expected: Expected, dead: dict[Kind, int] | None = None) -> list[str]:
    from tests.faults.harness import verify

    return verify(pipeline, expected, dead_lettered=dead)
