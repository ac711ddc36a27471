"""`discogsography pipeline` run again, and run against servers that refuse: it ends promptly with
one true line (real servers, each run in a database and queue prefix of its own)."""

from __future__ import annotations

import re
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.conftest import SAMPLES_2020
from tests.e2e.runs import delete_queues, run_pipeline
from tests.final_line import final_line
from tests.support.servers import SHARED

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.rabbitmq]

TABLE_LINE = re.compile(r"^\s+(\w+)\s+([\d,]+) rows$", re.MULTILINE)


class Run:
    def __init__(self, root: Path) -> None:
        run_id = uuid.uuid4().hex[:8]
        self.database = f"dgtest_rerun_{run_id}"
        self.prefix = f"dgtest-rerun-{run_id}-"
        self.root = root
        self.databases = [self.database]

    def pipeline(
        self,
        *,
        database: str | None = None,
        check: bool = True,
        timeout: float = 300,
        wait_limit: float = 600,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        return run_pipeline(
            SAMPLES_2020,
            self.root,
            database or self.database,
            self.prefix,
            check=check,
            timeout=timeout,
            wait_limit=wait_limit,
            overrides=env,
        )


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Run]:
    state = Run(tmp_path / "discogs-root")
    try:
        yield state
    finally:
        with psycopg.connect(SHARED.conninfo("postgres"), autocommit=True) as conn:
            for name in state.databases:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        delete_queues(state.prefix)


def _tables(stdout: str) -> dict[str, int]:
    return {name: int(count.replace(",", "")) for name, count in TABLE_LINE.findall(stdout)}


def test_a_second_run_ends_at_once_saying_the_tables_already_hold_the_version(run: Run) -> None:
    first = run.pipeline()
    # Ends at once: within a 120 s wait limit (the processes' start-up on a loaded machine), far
    # below the run's own 600 s timeout, so nothing was waited out.
    second = run.pipeline(timeout=600, wait_limit=120)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "Version already fully processed" in second.stderr
    assert "Nothing to do: version 20200806 was already published and the tables hold it" in second.stdout
    assert "did not store" not in second.stderr
    assert _tables(second.stdout) == _tables(first.stdout)
    assert _tables(first.stdout)["releases"] == 1000


def test_a_marker_of_a_version_the_database_does_not_hold_is_said_in_one_line(run: Run) -> None:
    # The same DISCOGS_ROOT (its marker: version published) into another, empty database.
    run.pipeline()
    other = run.database + "_other"
    run.databases.append(other)
    result = run.pipeline(database=other, check=False, timeout=600, wait_limit=120)  # nothing waited out
    assert result.returncode == 1, result.stderr[-3000:]
    last = final_line(result.stderr)
    assert last.startswith("error: the extractor published nothing of artists, labels, masters, releases")
    assert "version 20200806 was published before" in last and "FORCE_REPROCESS=true" in last


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens once the probe is closed


@pytest.mark.parametrize(
    ("overrides", "line"),
    [
        (
            {"AMQP_CONNECTION": "amqp://guest:wrong@127.0.0.1:5672/"},
            "error: RabbitMQ at amqp://guest:***@127.0.0.1:5672/: the broker refused the login "
            "(ACCESS_REFUSED): check the user name and password",
        ),
        (
            {"AMQP_CONNECTION": "amqp://guest:guest@127.0.0.1:5672/dgtest-no-such-vhost"},
            "error: RabbitMQ at amqp://guest:***@127.0.0.1:5672/dgtest-no-such-vhost: the broker refused "
            "to open virtual host 'dgtest-no-such-vhost': it does not exist or the user may not use it",
        ),
        (
            {"AMQP_CONNECTION": "amqp://guest:guest@127.0.0.1:{port}/"},
            "error: RabbitMQ at amqp://guest:***@127.0.0.1:{port}/: [Errno 111] Connect call failed",
        ),
        (
            {"POSTGRES_USERNAME": "dgtest_no_such_role"},
            "error: PostgreSQL at dgtest_no_such_role@127.0.0.1:5432/{database}: connection failed: connection to "
            'server at "127.0.0.1", port 5432 failed: FATAL:  role "dgtest_no_such_role" does not exist',
        ),
    ],
    ids=["wrong-password", "unknown-vhost", "closed-port", "unknown-role"],
)
def test_a_server_refusing_stops_the_run_before_the_extractor_in_one_line(
    run: Run, overrides: dict[str, str], line: str
) -> None:
    port = _closed_port()
    env = {name: value.format(port=port) for name, value in overrides.items()}
    # Ends promptly: within a 60 s wait limit, against the run's own 300 s timeout.
    result = run.pipeline(check=False, env=env, wait_limit=60)
    stderr = result.stderr
    assert result.returncode == 1, stderr
    assert final_line(stderr).startswith(line.format(port=port, database=run.database))
    assert len(stderr.strip().splitlines()) == 1, stderr  # nothing started: no other line
    assert "Traceback" not in stderr and "object at 0x" not in stderr
    assert not run.root.exists() or not any(run.root.iterdir())  # nothing downloaded
