"""Real services off a terminal: every stderr line is one JSON object with its service.

Each service runs as a subprocess, its stderr a file (not a terminal), against the machine's
RabbitMQ and PostgreSQL. The broker is made to fail in the two ways aiormq and aio-pika log
themselves: a connection refused (extractor), and an established connection reset under the
tableinator by a proxy in between, which aiormq logs with a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pty
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from discogsography.amqp.topology import remove_prefix
from tests.conftest import SAMPLES_2020
from tests.observe.ports import free_ports
from tests.tableinator.conftest import create_database, drop_database
from tests.tableinator.tableinator_helpers import AMQP_URL, PG_ADDRESS, PG_USER

pytestmark = [pytest.mark.e2e, pytest.mark.rabbitmq]

SECRET = "pw-s3cr3t-never-shown"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line parsed; fails on the first one that is not a JSON object."""
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        parsed = json.loads(line)  # raises on a plain-text line
        assert isinstance(parsed, dict), f"line {number}: {line}"
        lines.append(parsed)
    return lines


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_extractor_lines_are_json_when_the_broker_refuses_the_connection(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DISCOGS_SOURCE": SAMPLES_2020.as_uri(),
        "DISCOGS_ROOT": str(tmp_path / "root"),
        "AMQP_CONNECTION": f"amqp://guest:{SECRET}@127.0.0.1:{free_ports(1)[0]}/",  # nobody listens
        "HEALTH_CHECK_PORT": "0",
        "FILE_ATTEMPTS": "1",
    }
    result = subprocess.run(
        [sys.executable, "-m", "discogsography", "extractor", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr[-2000:]
    assert SECRET not in result.stderr
    lines = json_lines(result.stderr)
    assert {line["service"] for line in lines} == {"extractor"}
    assert all({"event", "level", "timestamp", "logger"} <= set(line) for line in lines)
    library = [line for line in lines if str(line["logger"]).startswith(("aiormq", "aio_pika"))]
    assert library, "no line from aiormq or aio-pika"
    assert any("Connect call failed" in str(line["event"]) for line in library)
    assert lines[-1]["level"] == "error" and str(lines[-1]["event"]).startswith("error: ")


class ResettingProxy:
    """TCP between the service and RabbitMQ; ``reset`` kills every connection with a RST."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
                upstream = socket.create_connection(self.target)
            except OSError:
                return
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)

    def reset(self) -> None:
        sockets, self.sockets = self.sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.close()

    def close(self) -> None:
        self.listener.close()
        self.reset()


@pytest.fixture
def proxy() -> Iterator[ResettingProxy]:
    host, _, port = AMQP_URL.split("@", 1)[1].split("/", 1)[0].rpartition(":")
    running = ResettingProxy((host, int(port or 5672)))
    yield running
    running.close()


@pytest.mark.postgres
def test_tableinator_lines_are_json_when_aiormq_logs_a_traceback(
    tmp_path: Path, proxy: ResettingProxy
) -> None:
    database, prefix, port = (
        create_database("dgtest_logs_"),
        f"dgtest-logs-{uuid.uuid4().hex[:8]}-",
        free_ports(1)[0],
    )
    credentials = AMQP_URL.split("://", 1)[1].split("@", 1)[0]
    stderr_path = tmp_path / "tableinator.stderr"
    env = {
        **os.environ,
        "AMQP_CONNECTION": f"amqp://{credentials}@127.0.0.1:{proxy.port}/",
        "AMQP_PREFIX": prefix,
        "POSTGRES_ADDRESS": PG_ADDRESS,
        "POSTGRES_USERNAME": PG_USER,
        "POSTGRES_DATABASE": database,
        "HEALTH_CHECK_PORT": str(port),
    }

    def health() -> dict[str, Any]:
        try:
            body: dict[str, Any] = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).json()
        except httpx.HTTPError:
            return {}
        return body

    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "discogsography", "tableinator"], env=env, stderr=stderr
        )
    try:
        wait_for(lambda: health().get("broker") == "connected", 60, "the tableinator to connect")
        proxy.reset()
        wait_for(
            lambda: any("reader exited" in str(p["event"]) for p in health().get("last_errors", [])),
            60,
            "aiormq's line about the reset in last_errors",
        )
    finally:
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=60)
        drop_database(database)
        asyncio.run(remove_prefix(AMQP_URL, prefix))
    text = stderr_path.read_text()
    assert returncode == 0, text[-2000:]
    lines = json_lines(text)
    assert {line["service"] for line in lines} == {"tableinator"}
    traced = [line for line in lines if line["logger"] == "aiormq.connection" and "exception" in line]
    assert traced, "aiormq's traceback is not in a line of its own"
    assert str(traced[0]["exception"]).startswith("Traceback (most recent call last):")
    assert "ConnectionResetError" in str(traced[0]["exception"])


def pipeline_on_a_terminal(root: Path, *args: str, **settings: str) -> str:
    """`discogsography pipeline ARGS` on the 2020 samples with a pseudo-terminal as its stdin, stdout
    and stderr, in a database and queue prefix of its own; its output, once it exited 0."""
    database, prefix = create_database("dgtest_logs_"), f"dgtest-logs-{uuid.uuid4().hex[:8]}-"
    env = {
        **{key: value for key, value in os.environ.items() if key != "LOG_LEVEL"},
        "DISCOGS_SOURCE": SAMPLES_2020.as_uri(),
        "DISCOGS_ROOT": str(root),
        "AMQP_CONNECTION": AMQP_URL,
        "AMQP_PREFIX": prefix,
        "POSTGRES_ADDRESS": PG_ADDRESS,
        "POSTGRES_USERNAME": PG_USER,
        "POSTGRES_DATABASE": database,
        "CONSUMER_CANCEL_DELAY": "1",
        "POSTGRES_BATCH_FLUSH_INTERVAL": "0.5",
        **settings,
    }
    # Free health ports: the one warning a run could otherwise print (a usual port in use).
    ports = ["--extractor-health-port", "0", "--tableinator-health-port", "0"]
    try:
        status, output = run_on_a_terminal(["pipeline", "--timeout", "300", *ports, *args], env)
    finally:
        drop_database(database)
        asyncio.run(remove_prefix(AMQP_URL, prefix))
    assert status == 0, ANSI.sub("", output)[-3000:]
    return output


def screen_rows(output: str) -> list[str]:
    """What a terminal shows row by row: split where a row ends, is erased or the cursor goes up."""
    return [ANSI.sub("", row).strip() for row in re.split(r"[\r\n]|\x1b\[2K|\x1b\[\d*A", output)]


def bars_drawn_to_the_end(rows: list[str]) -> bool:
    return all(
        any(f"{kind} stored" in row and "1000/1000" in row for row in rows)
        for kind in ("artists", "labels", "masters", "releases")
    )


@pytest.mark.postgres
def test_pipeline_on_a_terminal_shows_bars_a_line_per_file_and_the_summary_only(tmp_path: Path) -> None:
    rows = screen_rows(pipeline_on_a_terminal(tmp_path / "root"))
    assert bars_drawn_to_the_end(rows)
    lines = [row for row in rows if row and "━" not in row]  # all but the bars
    assert lines[:4] == [
        f"✅ {kind}: 1,000 records stored" for kind in ("artists", "labels", "masters", "releases")
    ]
    assert lines[4].startswith("Loaded into PostgreSQL in ")
    assert [line.split()[0] for line in lines[5:]] == [
        "labels",
        "artists",
        "releases",
        "masters",
        "release_labels",
        "release_artists",
        "master_artists",
        "artist_aliases",
        "artist_members",
    ]
    assert not [row for row in rows if re.search(r"\w=\S", row)]  # no key=value log line


@pytest.mark.postgres
def test_pipeline_on_a_terminal_with_v_prints_info_lines_for_people_through_one_writer(
    tmp_path: Path,
) -> None:
    # FORCE_REPROCESS=true, as `make run`: the extractor purges each queue before publishing.
    output = pipeline_on_a_terminal(tmp_path / "root", "-v", FORCE_REPROCESS="true")
    text = ANSI.sub("", output)
    logged = [line for line in text.splitlines() if " service=" in line]
    assert not [line for line in text.splitlines() if line.startswith("{")]  # no JSON on a terminal
    services = {line.split(" service=", 1)[1].split()[0] for line in logged}
    assert {"extractor", "tableinator"} <= services <= {"pipeline", "extractor", "tableinator"}
    assert any("🎉 Dump version extracted" in line for line in logged)
    # aio-pika's line about each queue purged (with attributes that are not the queue's): only at DEBUG.
    assert "Purging queue" not in text
    # One writer to the terminal: the pipeline's bars (records stored of read, per kind), drawn
    # again below each line, never on a screen row with one.
    rows = screen_rows(output)
    assert not [row for row in rows if "━" in row and " service=" in row]
    assert bars_drawn_to_the_end(rows)


def run_on_a_terminal(args: list[str], env: dict[str, str], timeout: float = 300) -> tuple[int, str]:
    """Run a command with a pseudo-terminal as stdin, stdout and stderr; its exit status and output."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: exec at once
        os.execvpe(sys.executable, [sys.executable, "-m", "discogsography", *args], env)
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if not ready:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    _, wait_status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(wait_status), b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize(
    ("level", "flag", "warned"),
    [("ERROR", None, False), ("ERROR", "WARNING", True), ("WARNING", None, True)],
)
def test_log_level_and_the_flag_that_overrides_it(level: str, flag: str | None, warned: bool) -> None:
    # PostgreSQL where nobody listens: the tableinator warns at each retry of its schema step.
    port, nobody = free_ports(2)
    env = {
        **os.environ,
        "LOG_LEVEL": level,
        "POSTGRES_ADDRESS": f"127.0.0.1:{nobody}",
        "AMQP_CONNECTION": AMQP_URL,
        "HEALTH_CHECK_PORT": str(port),
    }
    args = ["tableinator", *(["--log-level", flag] if flag else [])]
    process = subprocess.Popen(
        [sys.executable, "-m", "discogsography", *args], env=env, stderr=subprocess.PIPE, text=True
    )

    def database_failed() -> bool:
        try:
            return bool(
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).json()["database"] == "unavailable"
            )
        except httpx.HTTPError:
            return False

    try:
        wait_for(database_failed, 60, "a failed schema step (its warning logged or not)")
    finally:
        process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    lines = json_lines(stderr)
    assert process.returncode == 0, stderr[-2000:]
    assert not [line for line in lines if line["level"] == "info"]  # the least of them is WARNING
    assert any(str(line["event"]).startswith("⚠️ PostgreSQL unavailable") for line in lines) is warned
