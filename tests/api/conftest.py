"""`discogsography serve` as a user runs it, over tables `discogsography load` filled.

The 2020-08-06 samples and the 2025/2026 samples share ids with different records (master 115,
artists 32 and 33), and a second `load` of another dump would remove what the first one holds
that the second lacks, so each era goes into a database of its own with a server of its own
(``api_2020``, ``api_2025``). Each server's DATABASE_URL carries ``SECRET`` as its password
(trust auth accepts any), which no answer, health page, metrics page or log line may show.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLES_2020, SAMPLES_2025
from tests.support.servers import SHARED
from tests.support.waits import run_within, wait_for

SECRET = "pw-Zq8x3Kd9-not-for-answers"
START_LIMIT = 60.0  # upper limit on a server's start (seconds)
STOP_LIMIT = 20.0  # upper limit on a clean stop after SIGTERM
LOAD_LIMIT = 180.0
# Settings of the machine or the caller that would change what the server does.
_DROPPED = ("DATABASE_URL", "LOG_LEVEL", "PROMETHEUS_MULTIPROC_DIR")


def secret_url(database: str, *, address: str | None = None) -> str:
    """A DATABASE_URL for ``database`` whose password is SECRET."""
    return f"postgresql://{SHARED.postgres_user}:{SECRET}@{address or SHARED.postgres_address}/{database}"


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _DROPPED and not key.startswith(("API_", "POSTGRES_", "DISCOGSOGRAPHY_API"))
    }
    return {**env, "DATABASE_URL": database_url, **extra}


def load_dump(database: str, dump: Path) -> None:
    """`discogsography load DUMP` into ``database``, as a user runs it."""
    result = run_within(
        [sys.executable, "-m", "discogsography", "load", dump, "--database-url", SHARED.conninfo(database)],
        LOAD_LIMIT,
        f"load {dump.name}",
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def log_lines(path: Path) -> list[dict[str, Any]]:
    """The JSON lines of a server's stderr so far (a line being written is left out)."""
    lines = []
    for text in path.read_bytes().split(b"\n")[:-1]:
        lines.append(json.loads(text))
    return lines


@dataclass
class Served:
    """A running `serve`: its base URL, process, stderr log and database."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path
    database: str
    conninfo: str  # the test's own connection to the database (no secret)
    args: list[str] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.url.rpartition(":")[2])

    def log_lines(self) -> list[dict[str, Any]]:
        return log_lines(self.log)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        return request(self.url, "GET", path, headers)

    def json(self, path: str) -> Any:
        status, _, body = self.get(path)
        assert status == 200, (path, status, body[:500])
        return json.loads(body)


def request(
    base_url: str, method: str, path: str, headers: dict[str, str] | None = None, body: bytes | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One request on a connection of its own: status, headers (lower-case names), body."""
    host, _, port = base_url.removeprefix("http://").rpartition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=5) as answer:
            return bool(json.loads(answer.read()).get("status") == "healthy")
    except (OSError, urllib.error.URLError, ValueError):
        return False


def start_server(database: str, log: Path, *args: str, env: dict[str, str] | None = None) -> Served:
    """`discogsography serve --port 0 ARGS` on ``database``; returns once /health is healthy."""
    argv = [sys.executable, "-m", "discogsography", "serve", "--port", "0", *args]
    with log.open("ab") as stderr:  # O_APPEND: the server processes' lines never overwrite each other
        process = subprocess.Popen(
            argv, env=env or server_env(secret_url(database)), stdout=subprocess.DEVNULL, stderr=stderr
        )
    found: list[str] = []

    def announced() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"serve ended with {process.returncode}: {log.read_text()[-3000:]}")
        found.extend(line["url"] for line in log_lines(log) if "url" in line)
        return bool(found)

    try:
        wait_for(announced, START_LIMIT, "serve to log the URL it serves on", interval=0.05)
        wait_for(lambda: healthy(found[0]), START_LIMIT, "serve's /health to answer healthy", interval=0.05)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return Served(found[0], process, log, database, SHARED.conninfo(database), argv)


def stop_server(served: Served) -> int:
    """SIGTERM, then its exit status (the wait is bounded; a server that hangs is killed)."""
    if served.process.poll() is None:
        served.process.send_signal(signal.SIGTERM)
    try:
        return served.process.wait(STOP_LIMIT)
    except subprocess.TimeoutExpired:
        served.process.kill()
        served.process.wait()
        raise AssertionError(f"serve did not stop within {STOP_LIMIT:.0f} s of SIGTERM") from None


@dataclass
class Database:
    name: str
    conninfo: str


def new_database(kind: str) -> Database:
    name = f"dgtest_api_{kind}_{uuid.uuid4().hex[:8]}"
    return Database(name, SHARED.create_database(name))  # a server that does not answer: see servers


def served_dump(dump: Path, kind: str, tmp: Path) -> Iterator[Served]:
    database = new_database(kind)
    try:
        load_dump(database.name, dump)
        served = start_server(database.name, tmp / "serve.log")
        try:
            yield served
        finally:
            status = stop_server(served)
            assert status == 0, served.log_text()[-3000:]
            assert SECRET not in served.log_text()
    finally:
        SHARED.drop_database(database.name)


@pytest.fixture(scope="session")
def api_2020(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`serve` over the 2020-08-06 samples."""
    yield from served_dump(SAMPLES_2020, "2020", tmp_path_factory.mktemp("serve-2020"))


@pytest.fixture(scope="session")
def api_2025(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`serve` over the 2025/2026 samples (their ids overlap the 2020 ones: a database of their own)."""
    yield from served_dump(SAMPLES_2025, "2025", tmp_path_factory.mktemp("serve-2025"))
