"""Monthly refreshes end to end: load A, refresh to B, and the tables equal a fresh load of B.

Real services (extractor and tableinator as subprocesses, the machine's RabbitMQ and PostgreSQL),
dumps built by bench/make_dump.py and bench/make_refresh.py from the real samples. Every table,
link tables included, is compared row for row with EXCEPT ALL both ways.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest

from discogsography.kinds import Kind
from discogsography.relational.tables import LINK_TABLES
from discogsography.relational.tables import RECORD_TABLES as TABLES
from tests.e2e.refresh_harness import (
    add_to_mirror,
    differences,
    make_refresh,
    marker_files,
    reached,
    row_counts,
    run_version,
    versions,
    wait_reached,
)
from tests.faults.harness import Pipeline
from tests.support.dumps import make_dump
from tests.support.servers import SHARED
from tests.support.waits import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.rabbitmq]

A, B = "20991101", "20991201"
RELEASES, OTHERS = 1500, 300
NO_DIFFERENCE = {table: (0, 0) for table in TABLES + LINK_TABLES}


@dataclass(frozen=True)
class Dumps:
    a: Path
    b: Path
    b_report: dict[str, dict[str, int]]


@pytest.fixture(scope="module")
def dumps(tmp_path_factory: pytest.TempPathFactory) -> Dumps:
    base = tmp_path_factory.mktemp("refresh-dumps")
    a = base / "a"
    make_dump(a, {"releases": RELEASES, "artists": OTHERS, "labels": OTHERS, "masters": OTHERS}, date=A)
    report = make_refresh(a, base / "b", B, changed=0.1, new=0.03, removed=0.05)
    return Dumps(a, base / "b", report)


def _pipeline(workdir: Path, *dumps: Path) -> Pipeline:
    mirror = workdir / "mirror"
    for dump in dumps:
        add_to_mirror(mirror, dump)
    return Pipeline(mirror, workdir, SHARED)


@pytest.fixture(scope="module")
def fresh_b(dumps: Dumps, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    """B loaded into an empty database: what every refresh must end up equal to."""
    pipeline = _pipeline(tmp_path_factory.mktemp("fresh-b"), dumps.b)
    try:
        pipeline.start_tableinator()
        run_version(pipeline, B)
        pipeline.stop(pipeline.tableinator)
        yield pipeline
    finally:
        pipeline.close()


@pytest.fixture
def loaded_a(dumps: Dumps, tmp_path: Path) -> Iterator[Pipeline]:
    """A loaded by the extractor and one tableinator (still running); B not yet at the source."""
    pipeline = _pipeline(tmp_path, dumps.a)
    try:
        pipeline.start_tableinator()
        run_version(pipeline, A)
        yield pipeline
    finally:
        pipeline.close()


def _publish_b(pipeline: Pipeline, dumps: Dumps) -> None:
    add_to_mirror(pipeline.dump, dumps.b)


def _assert_refreshed(pipeline: Pipeline, fresh: Pipeline, dumps: Dumps) -> None:
    # With several tableinators the one that receives a file_complete records the version while
    # another may still hold a batch it has not committed (its messages unacked, so nothing is
    # lost): that batch lands within the flush interval. Equal tables are awaited, then asserted.
    deadline = time.monotonic() + 30
    while differences(pipeline.database, fresh.database) != NO_DIFFERENCE and time.monotonic() < deadline:
        time.sleep(0.5)
    assert differences(pipeline.database, fresh.database) == NO_DIFFERENCE
    files = marker_files(pipeline, B)
    for kind in Kind:
        entry, expected = files[kind.value], dumps.b_report[kind.value]
        assert entry["mode"] == "incremental" and entry["base_version"] == A
        counts = {name: entry[name] for name in ("new", "changed", "unchanged", "removed")}
        assert counts == expected, kind
    assert versions(pipeline) == dict.fromkeys((kind.value for kind in Kind), B)


def test_a_refresh_equals_a_fresh_load_and_publishes_only_what_changed(
    loaded_a: Pipeline, fresh_b: Pipeline, dumps: Dumps
) -> None:
    _publish_b(loaded_a, dumps)
    run_version(loaded_a, B)
    _assert_refreshed(loaded_a, fresh_b, dumps)
    # Removed releases are gone with their link rows: the counts equal the fresh load's too.
    assert row_counts(loaded_a) == row_counts(fresh_b)
    refresh = marker_files(loaded_a, B)
    full = marker_files(fresh_b, B)
    for kind in Kind:
        entry = refresh[kind.value]
        assert full[kind.value]["mode"] == "full"
        # Only new and changed records, then the removed ids, 100 to a message.
        assert entry["records_extracted"] == entry["new"] + entry["changed"]
        expected = -(-entry["records_extracted"] // 100) + -(-entry["removed"] // 100)
        assert entry["messages_published"] == expected
    assert refresh["releases"]["messages_published"] < full["releases"]["messages_published"] / 3
    log = loaded_a.log_text("extractor")
    assert "Dump version extracted" in log and '"unchanged"' in log


def test_the_tableinator_killed_mid_refresh_and_restarted(
    loaded_a: Pipeline, fresh_b: Pipeline, dumps: Dumps
) -> None:
    loaded_a.stop(loaded_a.tableinator)
    _publish_b(loaded_a, dumps)
    # Every B message waits in the queues; one transaction per message makes the refresh slow
    # enough to be caught in the middle.
    loaded_a.start_extractor(RECORDS_PER_MESSAGE="1")
    assert loaded_a.wait_extractor() == 0, loaded_a.log_text("extractor")[-3000:]
    loaded_a.start_tableinator(POSTGRES_BATCH_MODE="false")

    wait_for(lambda: _revised_releases(loaded_a) > 0, 60, "the refresh under way", interval=0.02)
    loaded_a.kill(loaded_a.tableinator)
    assert versions(loaded_a).get("releases") == A, "killed too late: the releases were already stored"
    loaded_a.start_tableinator()
    wait_reached(loaded_a, B)
    _assert_refreshed(loaded_a, fresh_b, dumps)


def test_the_extractor_killed_mid_refresh_and_restarted(
    loaded_a: Pipeline, fresh_b: Pipeline, dumps: Dumps
) -> None:
    _publish_b(loaded_a, dumps)
    loaded_a.start_extractor(RECORDS_PER_MESSAGE="1", PUBLISH_WINDOW="1")
    extractor = loaded_a.extractor
    assert extractor is not None
    part = loaded_a.root / f".index_{B}_releases.sqlite.part"
    wait_for(part.exists, 120, "the releases of B being published", interval=0.002)
    # Let it run in short slices until some releases of B are stored, then kill it mid-file.
    os.kill(extractor.pid, signal.SIGSTOP)
    try:
        for _ in range(100):
            if _revised_releases(loaded_a):
                break
            os.kill(extractor.pid, signal.SIGCONT)
            time.sleep(0.01)
            os.kill(extractor.pid, signal.SIGSTOP)
            time.sleep(0.7)  # the tableinator's flush interval is 0.5 s
    finally:
        loaded_a.kill(extractor)
    assert _revised_releases(loaded_a) > 0
    assert marker_files(loaded_a, B)["releases"]["status"] != "completed", "killed too late"
    assert not (loaded_a.root / f".index_{B}_releases.sqlite").exists()
    run_version(loaded_a, B)
    _assert_refreshed(loaded_a, fresh_b, dumps)


def _revised_releases(pipeline: Pipeline) -> int:
    with psycopg.connect(pipeline.conninfo) as conn:
        row = conn.execute("SELECT count(*) FROM releases WHERE title LIKE 'Revised %'").fetchone()
    return int(row[0]) if row else 0


def test_three_tableinators_refresh_at_once(loaded_a: Pipeline, fresh_b: Pipeline, dumps: Dumps) -> None:
    loaded_a.stop(loaded_a.tableinator)
    _publish_b(loaded_a, dumps)
    others = []
    for _ in range(3):
        loaded_a.start_tableinator(POSTGRES_BATCH_SIZE="20")
        assert loaded_a.tableinator is not None
        others.append(loaded_a.tableinator)
    try:
        run_version(loaded_a, B, RECORDS_PER_MESSAGE="10")
        _assert_refreshed(loaded_a, fresh_b, dumps)
        assert all(process.poll() is None for process in others), "a tableinator died"
    finally:
        for process in others:
            loaded_a.kill(process)


def test_a_version_identical_to_the_last_publishes_only_the_completions(
    loaded_a: Pipeline, dumps: Dumps, tmp_path: Path
) -> None:
    same = tmp_path / "same"
    report = make_refresh(dumps.a, same, B, changed=0, new=0, removed=0)
    before = row_counts(loaded_a)
    add_to_mirror(loaded_a.dump, same)
    run_version(loaded_a, B)
    for kind, entry in marker_files(loaded_a, B).items():
        assert entry["mode"] == "incremental"
        assert entry["messages_published"] == 0 and entry["completion_sent"], kind
        assert entry["unchanged"] == report[kind]["unchanged"] > 0
        assert entry["new"] == entry["changed"] == entry["removed"] == entry["records_extracted"] == 0
    assert row_counts(loaded_a) == before


def test_a_version_where_every_hash_changed_behaves_as_a_full_load(
    loaded_a: Pipeline, dumps: Dumps, tmp_path: Path
) -> None:
    changed = tmp_path / "changed"
    report = make_refresh(dumps.a, changed, B, changed=1.0, new=0, removed=0)
    fresh = _pipeline(tmp_path / "fresh", changed)
    try:
        fresh.start_tableinator()
        run_version(fresh, B)
        add_to_mirror(loaded_a.dump, changed)
        run_version(loaded_a, B)
        assert differences(loaded_a.database, fresh.database) == NO_DIFFERENCE
        refresh, full = marker_files(loaded_a, B), marker_files(fresh, B)
        for kind in Kind:
            assert refresh[kind.value]["changed"] == report[kind.value]["changed"]
            assert refresh[kind.value]["records_extracted"] == full[kind.value]["records_extracted"]
            assert refresh[kind.value]["messages_published"] == full[kind.value]["messages_published"]
    finally:
        fresh.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_database_not_at_the_base_refuses_the_refresh_until_a_resync(
    loaded_a: Pipeline, fresh_b: Pipeline, dumps: Dumps
) -> None:
    loaded_a.stop(loaded_a.tableinator)
    with psycopg.connect(loaded_a.conninfo) as conn:  # as if this database missed a month
        conn.execute("UPDATE dump_versions SET version = '20991001' WHERE kind = 'labels'")
    port = _free_port()
    loaded_a.start_tableinator(HEALTH_CHECK_PORT=str(port))
    _publish_b(loaded_a, dumps)
    loaded_a.start_extractor()
    assert loaded_a.wait_extractor() == 0

    def refused() -> bool:
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
        except httpx.HTTPError:
            return False
        return response.status_code == 503 and "labels" in response.json().get("refused", {})

    wait_for(refused, 60, "the labels refused")
    wait_for(lambda: versions(loaded_a).get("releases") == B, 60, "the other kinds refreshed")
    body = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).json()
    assert "base 20991101" in body["refused"]["labels"] and "20991001" in body["refused"]["labels"]
    assert loaded_a.queue_depths()[loaded_a.topology.queue(Kind.LABELS)] > 0  # nothing lost
    log = loaded_a.log_text("tableinator")
    assert log.count("Incremental message refused") == 1
    assert "FORCE_REPROCESS=true" in log
    # The resync the log line asks for: the newest version republished in full.
    loaded_a.start_extractor(FORCE_REPROCESS="true")
    assert loaded_a.wait_extractor() == 0
    wait_reached(loaded_a, B)
    wait_for(
        lambda: httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200, 30, "healthy"
    )
    assert reached(loaded_a, B)
    # Full mode upserts: the labels B removed stay (documented), everything else equals B.
    diff = differences(loaded_a.database, fresh_b.database)
    assert diff["labels"] == (dumps.b_report["labels"]["removed"], 0)
    assert {table: d for table, d in diff.items() if table != "labels"} == {
        table: (0, 0) for table in diff if table != "labels"
    }
