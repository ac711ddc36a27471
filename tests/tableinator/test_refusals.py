"""`discogsography tableinator` against servers that refuse (real servers, none restarted).

A refusal no retry heals (a wrong password, an unknown vhost or database, at start or later) ends
the service with exit status 1 and one line naming it. A server not there yet (a closed port) is
retried: /health says 503 and why, one log line per change of state, and the service recovers by
itself once the server answers (a forwarder opened on the closed port, here).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest

from discogsography.amqp.topology import Topology
from discogsography.kinds import Kind
from discogsography.parsing import ParsedRecord
from tests.final_line import final_line
from tests.tableinator.conftest import create_database, drop_database
from tests.tableinator.tableinator_helpers import (
    AMQP_URL,
    NEEDS_RABBITMQCTL,
    PG_ADDRESS,
    PG_USER,
    publish_records,
)

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq]

PG_HOST, _, PG_PORT = PG_ADDRESS.rpartition(":")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Service:
    """The tableinator as a supervisor runs it: a process, its stderr in a file, /health on a port."""

    def __init__(self, tmp_path: Path, **env: str) -> None:
        self.port = _free_port()
        self.prefix = f"dgtest-refuse-{secrets.token_hex(4)}-"
        self.log_path = tmp_path / f"tableinator-{self.port}.log"
        settings = {
            "POSTGRES_ADDRESS": PG_ADDRESS,
            "POSTGRES_USERNAME": PG_USER,
            "POSTGRES_DATABASE": "dgtest_tbl_refuse_unset",  # every test names its own
            "AMQP_CONNECTION": AMQP_URL,
            "AMQP_PREFIX": self.prefix,
            "HEALTH_CHECK_PORT": str(self.port),
            "LOG_LEVEL": "DEBUG",
            **env,
        }
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "discogsography", "tableinator"],
            env={**os.environ, **settings},
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def health(self) -> tuple[int, dict[str, Any]] | None:
        try:
            answer = httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=2)
        except httpx.HTTPError:
            return None
        return answer.status_code, answer.json()

    def wait_exit(self, timeout: float) -> int:
        return self.process.wait(timeout=timeout)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode


@pytest.fixture
def services(tmp_path: Path) -> Iterator[list[Service]]:
    started: list[Service] = []
    try:
        yield started
    finally:
        for service in started:
            service.stop()
        for service in started:
            with contextlib.suppress(Exception):
                asyncio.run(_remove(service.prefix))


async def _remove(prefix: str) -> None:
    from discogsography.amqp.topology import remove_prefix

    await remove_prefix(AMQP_URL, prefix)


@pytest.fixture
def database() -> Iterator[str]:
    name = create_database("dgtest_tbl_refuse_")
    try:
        yield name
    finally:
        drop_database(name)


def _wait(predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _assert_one_line_exit(service: Service, line: str) -> None:
    assert service.wait_exit(60) == 1
    log = service.log()
    last = final_line(log)
    assert last.startswith("error: " + line), log[-3000:]
    assert log.count(line) == 1, log[-3000:]  # said once, not once per try
    assert "Traceback" not in log and "object at 0x" not in log and "unavailable, will retry" not in log


def _amqp_with_vhost(vhost: str) -> str:
    return AMQP_URL.rstrip("/") + "/" + vhost


# --- permanent at start ----------------------------------------------------------------------------


def test_a_wrong_password_ends_the_service_with_one_line(
    tmp_path: Path, services: list[Service], database: str
) -> None:
    url = AMQP_URL.replace("guest:guest@", "guest:wrong@")
    services.append(service := Service(tmp_path, POSTGRES_DATABASE=database, AMQP_CONNECTION=url))
    _assert_one_line_exit(
        service,
        "RabbitMQ at amqp://guest:***@127.0.0.1:5672/: the broker refused the login (ACCESS_REFUSED)",
    )


def test_an_unknown_vhost_ends_the_service_with_one_line(
    tmp_path: Path, services: list[Service], database: str
) -> None:
    url = _amqp_with_vhost("dgtest-no-such-vhost")
    services.append(service := Service(tmp_path, POSTGRES_DATABASE=database, AMQP_CONNECTION=url))
    _assert_one_line_exit(
        service,
        "RabbitMQ at amqp://guest:***@127.0.0.1:5672/dgtest-no-such-vhost: the broker refused "
        "to open virtual host 'dgtest-no-such-vhost'",
    )


def test_a_missing_permission_ends_the_service_with_one_line(
    tmp_path: Path, services: list[Service], database: str
) -> None:
    # A user that may read and write on / but not configure: the declarations are refused.
    user, password = f"dgtest-noconf-{secrets.token_hex(4)}", secrets.token_hex(8)
    subprocess.run(["rabbitmqctl", "-q", "add_user", user, password], check=True, capture_output=True)
    try:
        subprocess.run(
            ["rabbitmqctl", "-q", "set_permissions", "-p", "/", user, "^$", ".*", ".*"],
            check=True,
            capture_output=True,
        )
        url = AMQP_URL.replace("guest:guest@", f"{user}:{password}@")
        services.append(service := Service(tmp_path, POSTGRES_DATABASE=database, AMQP_CONNECTION=url))
        assert service.wait_exit(60) == 1
    finally:
        subprocess.run(["rabbitmqctl", "-q", "delete_user", user], check=False, capture_output=True)
    log = service.log()
    last = final_line(log)
    assert last.startswith(f"error: RabbitMQ at amqp://{user}:***@127.0.0.1:5672/: "), log[-3000:]
    assert "ACCESS_REFUSED" in last and password not in log
    assert "unavailable, will retry" not in log and "Traceback" not in log, log[-3000:]  # not retried


def test_an_unknown_database_ends_the_service_with_one_line(tmp_path: Path, services: list[Service]) -> None:
    name = f"dgtest_tbl_missing_{secrets.token_hex(4)}"
    services.append(service := Service(tmp_path, POSTGRES_DATABASE=name))
    _assert_one_line_exit(service, f"PostgreSQL at {PG_USER}@{PG_ADDRESS}/{name}: connection failed")
    assert f'database "{name}" does not exist' in final_line(service.log())


# --- permanent later -----------------------------------------------------------------------------


def test_a_database_dropped_while_running_ends_the_service_and_leaves_the_messages(
    tmp_path: Path, services: list[Service], samples_2020: dict[Kind, list[ParsedRecord]]
) -> None:
    name = create_database("dgtest_tbl_dropped_")
    try:
        services.append(service := Service(tmp_path, POSTGRES_DATABASE=name))
        _wait(lambda: (service.health() or (0, {}))[0] == 200, 60, "the service healthy")
        drop_database(name)
        labels = [record.json for record in samples_2020[Kind.LABELS][:20]]
        depth = asyncio.run(_publish_and_count(service.prefix, labels))
        assert depth == 0  # delivered to the service, which is what makes it write
        _assert_one_line_exit(service, f"PostgreSQL at {PG_USER}@{PG_ADDRESS}/{name}: ")
        assert f'database "{name}" does not exist' in final_line(service.log())
        # Nothing was acked: the messages wait for the next run.
        assert asyncio.run(_depth(service.prefix, Kind.LABELS)) == 2
    finally:
        drop_database(name)


async def _publish_and_count(prefix: str, lines: list[bytes]) -> int:
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        await publish_records(channel, Topology(prefix), Kind.LABELS, lines, per_message=10)
        for _ in range(100):
            queue = await channel.declare_queue(Topology(prefix).queue(Kind.LABELS), passive=True)
            if not queue.declaration_result.message_count:
                return 0
            await asyncio.sleep(0.1)
        return int(queue.declaration_result.message_count or 0)


async def _depth(prefix: str, kind: Kind) -> int:
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(Topology(prefix).queue(kind), passive=True)
        return int(queue.declaration_result.message_count or 0)


@NEEDS_RABBITMQCTL
def test_a_vhost_deleted_while_running_ends_the_service_with_one_line(
    tmp_path: Path, services: list[Service], database: str
) -> None:
    vhost = f"dgtest-vhost-{secrets.token_hex(4)}"
    subprocess.run(["rabbitmqctl", "add_vhost", vhost], check=True, capture_output=True)
    try:
        subprocess.run(
            ["rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
            check=True,
            capture_output=True,
        )
        url = _amqp_with_vhost(vhost)
        services.append(service := Service(tmp_path, POSTGRES_DATABASE=database, AMQP_CONNECTION=url))
        # Running: healthy and every kind attached (a deletion during the attaching is a failed
        # start, reported as "still unavailable", not as a lost connection).
        _wait(
            lambda: (
                (service.health() or (0, {}))[0] == 200 and service.log().count("🔗 Attached") == len(Kind)
            ),
            60,
            "the service healthy with every kind attached",
        )
    finally:
        subprocess.run(["rabbitmqctl", "delete_vhost", vhost], check=True, capture_output=True)
    assert service.wait_exit(60) == 1
    log = service.log()
    # The broker closes the consumers' channels and the connection together: whichever the
    # service hears of first reports the loss (the connection's line or the consumer's).
    reported = (
        "RabbitMQ connection lost, reconnecting",
        "RabbitMQ stopped a consumer",
        "RabbitMQ unavailable",
    )
    assert any(line in log for line in reported), log[-3000:]
    last = final_line(log)
    assert last.startswith(f"error: RabbitMQ at amqp://guest:***@127.0.0.1:5672/{vhost}: "), log[-3000:]
    assert f"virtual host '{vhost}'" in last
    # aiormq's own lines about the closed connection may carry its traceback (as a field);
    # ours never do, and never show an object's repr.
    ours = [
        line
        for line in log.splitlines()
        if not line.startswith("{") or json.loads(line).get("logger", "").startswith("discogsography")
    ]
    assert not any("Traceback" in line or "object at 0x" in line for line in ours), ours


# --- transient: retried, reported, recovered -------------------------------------------------------


class Forwarder:
    """A TCP port that, once opened, forwards to a real server: the server "appears"."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.port = _free_port()
        self._target = target
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    def open(self) -> None:
        self._thread.start()
        ready = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        ready.result(10)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)

        async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            with contextlib.suppress(Exception):
                sink.close()

        await asyncio.gather(copy(reader, upstream_writer), copy(upstream_reader, writer))

    def close(self) -> None:
        if self._thread.is_alive():
            if self._server is not None:
                self._server.close()
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)


@pytest.mark.parametrize("server", ["RabbitMQ", "PostgreSQL"])
def test_a_server_not_there_yet_is_retried_reported_and_recovered_from(
    tmp_path: Path, services: list[Service], database: str, server: str
) -> None:
    if server == "RabbitMQ":
        forwarder = Forwarder(("127.0.0.1", 5672))
        env = {"AMQP_CONNECTION": f"amqp://guest:guest@127.0.0.1:{forwarder.port}/"}
        field = "broker_error"
    else:
        forwarder = Forwarder((PG_HOST, int(PG_PORT)))
        env = {"POSTGRES_ADDRESS": f"127.0.0.1:{forwarder.port}"}
        field = "database_error"
    try:
        services.append(service := Service(tmp_path, POSTGRES_DATABASE=database, **env))
        # Down: 503 and the reason, while it tries again and again.
        status, body = _wait(service.health, 60, "the health port")
        _wait(lambda: (service.health() or (0, {}))[1].get(field), 60, "the reason in /health")
        status, body = service.health() or (0, {})
        assert status == 503 and body["status"] == "unhealthy"
        assert "refused" in body[field].lower() or "connect call failed" in body[field].lower(), body
        _wait(lambda: service.log().count(f"{server} still unavailable") >= 2, 60, "two more tries")
        assert service.process.poll() is None
        log = service.log()
        assert log.count(f"{server} unavailable, will retry") == 1, log[-3000:]
        # The server appears: the service comes up by itself.
        forwarder.open()
        _wait(lambda: (service.health() or (0, {}))[0] == 200, 90, "healthy again")
        _wait(lambda: f"{server} available again" in service.log(), 10, "the line saying so")
        log = service.log()
        assert log.count(f"{server} available again") == 1, log[-3000:]
        assert log.count(f"{server} unavailable, will retry") == 1
        assert "Traceback" not in log
        assert service.stop() == 0
    finally:
        forwarder.close()
