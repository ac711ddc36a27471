"""Faults on the real pipeline: after each one every record is stored exactly once with the right
hash, nothing is left unacknowledged, malformed messages wait in the dead-letter queue, and the
state marker tells the truth. Each scenario first proves its fault reached the services (an exit
by SIGKILL, a log line of the service that met it). RabbitMQ and PostgreSQL are the suite's own
(servers.py): restarting them disturbs no other test on the machine."""

from __future__ import annotations

import signal

import psycopg
import pytest

from discogsography.kinds import Kind
from tests.faults.harness import Expected, Pipeline, verify
from tests.faults.report import OpenScenario
from tests.faults.servers import PrivateServers
from tests.support.amqp import QueueState
from tests.support.waits import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.rabbitmq]

# What the services log when they meet each fault (the proof that it reached them).
TABLEINATOR_BROKER_LOST = "RabbitMQ connection lost, reconnecting"
# What the tableinator logs when it meets a broker outage, by where it meets it.
TABLEINATOR_BROKER_DOWN = (TABLEINATOR_BROKER_LOST, "RabbitMQ unavailable, will retry", "Queue check failed")
EXTRACTOR_PUBLISHING_FAILED = "Publishing failed"
# Within a file the publisher connects again (to the same node, when it is the only one) and
# publishes again what was not confirmed, before the whole file would be processed again.
EXTRACTOR_CONNECTION_LOST = "RabbitMQ connection lost while publishing"
TABLEINATOR_DATABASE_LOST = "PostgreSQL unavailable, will retry"
DEAD_LETTERED = "Message dead-lettered"


def finish(pipeline: Pipeline, expected: Expected, timeout: float = 300) -> None:
    """Let the tableinator store everything, then stop it the way an operator does."""
    pipeline.wait_all_stored(expected, timeout)
    wait_for(
        lambda: pipeline.queue_depths()[pipeline.topology.queue(Kind.RELEASES)] == 0, 60, "drained queues"
    )
    assert pipeline.stop(pipeline.tableinator) == 0


def releases_file(expected: Expected) -> str:
    return expected.files[Kind.RELEASES]


def writes_under_way(pipeline: Pipeline, expected: Expected) -> int:
    """Wait until some but under 70 % of the records are stored; returns how many are."""
    stored: list[int] = []

    def under_way() -> bool:
        stored[:] = [sum(pipeline.row_count(k) for k in Kind)]
        return 0 < stored[0] < expected.total * 0.7

    wait_for(under_way, 120, "writes under way", 0.02)
    return stored[0]


def test_extractor_killed_mid_file_and_restarted(
    pipeline: Pipeline, expected: Expected, scenario: OpenScenario
) -> None:
    entry = scenario(
        "Extractor killed with SIGKILL mid-file, then restarted",
        "SIGKILL to the extractor while it "
        "publishes the releases file; the extractor is then started again as a process manager would.",
    )
    releases = len(expected.hashes[Kind.RELEASES])
    pipeline.start_tableinator()
    pipeline.start_extractor(RECORDS_PER_MESSAGE="10")
    wait_for(
        lambda: pipeline.file_progress(releases_file(expected)).get("records_extracted", 0) > 0,
        120,
        "the releases file in progress",
    )
    pipeline.kill(pipeline.extractor)
    assert pipeline.extractor is not None and pipeline.extractor.returncode == -signal.SIGKILL
    progress = pipeline.file_progress(releases_file(expected))
    assert progress["status"] == "in_progress"
    assert 0 < progress["records_extracted"] < releases
    assert (pipeline.marker() or {})["processing_phase"]["status"] != "completed"
    entry.saw(
        f"killed (exit by SIGKILL) with part of the {releases:,} releases published; "
        "the state marker said the file was in_progress, not completed"
    )
    pipeline.start_extractor(RECORDS_PER_MESSAGE="10")
    assert pipeline.wait_extractor() == 0
    assert pipeline.log_text("extractor").count("File already processed") == 3
    entry.saw("the restarted extractor skipped the completed files and processed the releases file again")
    finish(pipeline, expected)
    entry.check(*verify(pipeline, expected))


def test_tableinator_killed_mid_batch_and_restarted(
    pipeline: Pipeline, expected: Expected, scenario: OpenScenario
) -> None:
    entry = scenario(
        "Tableinator killed with SIGKILL mid-batch, then restarted",
        "SIGKILL to the tableinator while "
        "it writes batches (messages delivered, batch not yet committed); then started again.",
    )
    pipeline.start_extractor()
    assert pipeline.wait_extractor() == 0
    pipeline.start_tableinator(POSTGRES_BATCH_SIZE="500")
    writes_under_way(pipeline, expected)
    pipeline.kill(pipeline.tableinator)
    assert pipeline.tableinator is not None and pipeline.tableinator.returncode == -signal.SIGKILL
    committed = row_versions(pipeline)
    stored = sum(len(rows) for rows in committed.values())
    assert 0 < stored < expected.total
    # With no consumer attached the broker has taken back what the killed connection held
    # unacknowledged: the queues hold the rest as ready messages, none dead-lettered.
    topology = pipeline.topology
    states: dict[str, QueueState] = {}

    def taken_back() -> bool:
        states.update(pipeline.queue_states())
        consumers = sum(state.consumers for state in states.values())
        return consumers == 0 and sum(states[topology.queue(kind)].ready for kind in Kind) > 0

    wait_for(taken_back, 60, "the queues holding the rest as ready messages, no consumer attached")
    assert all(states[topology.dead_letter_queue(kind)].ready == 0 for kind in Kind), states
    entry.saw(
        f"killed (exit by SIGKILL) with part of the {expected.total:,} records committed; the rest "
        "stayed in the queues as ready messages (no consumer attached, none dead-lettered)"
    )
    pipeline.start_tableinator(POSTGRES_BATCH_SIZE="500")
    finish(pipeline, expected)
    after = row_versions(pipeline)
    for kind, rows in committed.items():
        assert set(rows) <= set(after[kind]), f"{kind}: a row committed before the kill was rewritten"
    entry.saw(
        "the restarted tableinator stored the rest; rows committed before the kill were left "
        "untouched (same transaction id)"
    )
    entry.check(*verify(pipeline, expected))


def test_rabbitmq_restarted_during_publishing(
    pipeline: Pipeline, expected: Expected, private: PrivateServers, scenario: OpenScenario
) -> None:
    entry = scenario(
        "RabbitMQ restarted during publishing",
        "`rabbitmqctl stop_app` then `start_app` while the "
        "extractor publishes the releases file and the tableinator consumes.",
    )
    # One record per message and a small window of unconfirmed ones: the 8,000 releases take
    # seconds to publish, so the outage lands while the file is being published (the marker only
    # counts records every 5,000, so "in progress" is the earliest sign).
    slow = {"RECORDS_PER_MESSAGE": "1", "PUBLISH_WINDOW": "8"}
    pipeline.start_tableinator()
    pipeline.start_extractor(**slow)
    wait_for(
        lambda: pipeline.file_progress(releases_file(expected)).get("status") == "in_progress",
        120,
        "the releases file in progress",
        0.05,
    )
    private.rabbitmq.outage()
    status = pipeline.wait_extractor()
    first_status = status
    restarts = 0
    while status != 0 and restarts < 2:
        # A cycle that could not finish exits non-zero; the process manager starts it again.
        pipeline.start_extractor(**slow)
        status = pipeline.wait_extractor()
        restarts += 1
    assert status == 0
    # The outage reached both services: the extractor's publishing failed (retried within
    # the cycle, or the cycle failed), the tableinator lost its connection and got it back.
    extractor_log = pipeline.log_text("extractor")
    assert (
        first_status != 0
        or EXTRACTOR_PUBLISHING_FAILED in extractor_log
        or EXTRACTOR_CONNECTION_LOST in extractor_log
    ), pipeline.warnings("extractor")
    entry.saw(
        "the extractor's publishing lost its connection; it connected again and published what "
        "was not confirmed (or the interrupted file again, within its cycle or in a cycle started "
        "again after that one exited non-zero)"
    )
    finish(pipeline, expected)
    log = pipeline.log_text("tableinator")
    # The outage reaches the tableinator as a lost consuming connection, or, while its consumers
    # were idle, as a failed connection of its queue check; either way it must have seen it.
    seen = [line for line in TABLEINATOR_BROKER_DOWN if line in log]
    assert seen, pipeline.warnings("tableinator")
    entry.saw(
        "the tableinator logged the outage (its connection lost, or its queue check refused while "
        "its consumers were idle), connected again by itself and consumed the rest"
    )
    entry.check(*verify(pipeline, expected))


def test_postgresql_restarted_during_writes(
    pipeline: Pipeline, expected: Expected, private: PrivateServers, scenario: OpenScenario
) -> None:
    entry = scenario(
        "PostgreSQL restarted during writes",
        "`pg_ctl restart -m fast` (open connections cut) while the tableinator writes batches.",
    )
    pipeline.start_extractor()
    assert pipeline.wait_extractor() == 0
    pipeline.start_tableinator(POSTGRES_BATCH_SIZE="500")
    writes_under_way(pipeline, expected)
    private.postgres.restart()
    finish(pipeline, expected)
    assert TABLEINATOR_DATABASE_LOST in pipeline.log_text("tableinator"), pipeline.warnings("tableinator")
    entry.saw(
        f"the tableinator logged the lost connection (`{TABLEINATOR_DATABASE_LOST}`) and, the same "
        "process still running, stored the rest once the server was back (its messages were not "
        "dead-lettered: see below)"
    )
    entry.check(*verify(pipeline, expected))


def test_a_whole_file_published_twice(pipeline: Pipeline, expected: Expected, scenario: OpenScenario) -> None:
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
    counts = pipeline.final_counts("tableinator")
    # Every record reached the tableinator twice: the second publication happened.
    assert sum(counts["records"].values()) == 2 * expected.total, counts
    assert sum(counts["changed"].values()) == expected.total, counts
    after = row_versions(pipeline)
    assert after == before
    entry.saw(
        f"the tableinator committed {2 * expected.total:,} records, each twice, and changed "
        f"{expected.total:,} rows: no row was rewritten by the second publication (every row's "
        "transaction id unchanged), since every hash was unchanged"
    )
    entry.check(*verify(pipeline, expected))


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


def test_malformed_messages_among_good_ones(
    pipeline: Pipeline, expected: Expected, scenario: OpenScenario
) -> None:
    entry = scenario(
        "Malformed messages among good ones",
        "Six messages that can never be stored (not JSON, "
        "not an object, no id, no hash, a batch with a bad record, an unknown type) published "
        "into the releases and labels queues while the extractor publishes the dump.",
    )
    malformed = sum(len(bodies) for bodies in MALFORMED.values())
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
    # Each reject is logged before it is sent: once all are logged the tableinator may stop.
    wait_for(lambda: pipeline.log_text("tableinator").count(DEAD_LETTERED) >= malformed, 120, "the rejects")
    finish(pipeline, expected)
    assert pipeline.log_text("tableinator").count(DEAD_LETTERED) == malformed
    entry.saw(
        "each was rejected to its dead-letter queue with the reason logged; the good "
        "records around them were stored"
    )
    entry.check(*verify(pipeline, expected, dead_lettered={kind: len(b) for kind, b in MALFORMED.items()}))
    for kind, bodies in MALFORMED.items():
        assert sorted(pipeline.take_dead_letters(kind)) == sorted(bodies)
    entry.check("the dead-letter queues hold those messages byte for byte")


def row_versions(pipeline: Pipeline) -> dict[str, list[tuple[int, str]]]:
    with psycopg.connect(pipeline.conninfo) as conn:
        return {
            kind.value: [
                (int(r[0]), str(r[1]))
                for r in conn.execute(f"SELECT id, xmin::text FROM {kind.value} ORDER BY id")
            ]
            for kind in Kind
        }
