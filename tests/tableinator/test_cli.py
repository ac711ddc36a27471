"""`discogsography db init` and the configuration errors of `discogsography tableinator`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from tests.tableinator.conftest import admin_conninfo, create_database, drop_database
from tests.tableinator.tableinator_helpers import PG_ADDRESS, PG_USER

COMMAND = str(Path(sys.executable).parent / "discogsography")


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.postgres
def test_db_init_creates_then_finds_the_schema_up_to_date() -> None:
    name = create_database("dgtest_tbl_cli_")
    env = {"POSTGRES_ADDRESS": PG_ADDRESS, "POSTGRES_USERNAME": PG_USER, "POSTGRES_DATABASE": name}
    try:
        first = _run("db", "init", **env)
        assert first.returncode == 0, first.stderr
        assert "migrations applied now: 1, 2, 3, 4" in first.stdout
        second = _run("db", "init", **env)
        assert second.returncode == 0 and "already up to date" in second.stdout
        with psycopg.connect(admin_conninfo(name)) as conn:
            tables = {
                row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname='public'")
            }
        assert {"labels", "artists", "releases", "masters", "release_labels", "schema_version"} <= tables
    finally:
        drop_database(name)


def test_db_init_on_a_missing_database_is_one_clear_line() -> None:
    result = _run(
        "db",
        "init",
        POSTGRES_ADDRESS=PG_ADDRESS,
        POSTGRES_USERNAME=PG_USER,
        POSTGRES_DATABASE="dgtest_tbl_does_not_exist",
        POSTGRES_PASSWORD="pw-never-shown",
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot initialise the schema") and result.stderr.count("\n") == 1
    assert "pw-never-shown" not in result.stderr


def test_an_invalid_setting_stops_the_service_at_start() -> None:
    result = _run("tableinator", POSTGRES_BATCH_SIZE="0")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: invalid configuration: POSTGRES_BATCH_SIZE: "
        "Input should be greater than or equal to 1 (got '0')"
    )


def _catches_sigterm(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status").read_text()
    caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) & (1 << (signal.SIGTERM - 1)))


@pytest.mark.parametrize("delay", [0.0, 0.15, 0.4, 0.8])
def test_a_service_stopped_while_it_starts_exits_cleanly(delay: float) -> None:
    # SIGTERM may come before the service has installed its own handlers (an operator's process
    # manager stopping it at once): a clean stop, status 0, not death by the signal.
    env = {
        **os.environ,
        "POSTGRES_ADDRESS": "127.0.0.1:1",
        "AMQP_CONNECTION": "amqp://guest:guest@127.0.0.1:1/",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "discogsography", "tableinator"],
        env={**env, "HEALTH_CHECK_PORT": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    # Before the interpreter runs our code nothing can catch the signal: count from the moment
    # the handler is in place (the kernel's record of caught signals), then stop it mid-start.
    deadline = time.monotonic() + 60
    while not _catches_sigterm(process.pid):
        assert process.poll() is None and time.monotonic() < deadline, "never caught SIGTERM"
        time.sleep(0.005)
    time.sleep(delay)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert b"Traceback" not in stderr


def test_a_stop_swallowed_during_start_up_is_still_honoured() -> None:
    # The start-up handler's SystemExit can be lost (raised inside a finaliser); the request is
    # remembered and the service, once its own handlers are in, stops at once instead of running.
    script = """
import asyncio
from discogsography.runtime import early_stop
from discogsography.tableinator.tableinator_service import Tableinator
from discogsography.config.tableinator_settings import load_settings
try:
    early_stop._stop_while_starting(15, None)
except SystemExit:
    pass
service = Tableinator(load_settings(), health_host="127.0.0.1")
asyncio.run(asyncio.wait_for(service.run(), 30))
print("stopped", service.running)
"""
    env = {
        **os.environ,
        "POSTGRES_ADDRESS": "127.0.0.1:1",
        "AMQP_CONNECTION": "amqp://guest:guest@127.0.0.1:1/",
        "HEALTH_CHECK_PORT": "0",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "stopped False"
