"""Preflight and failure kinds on the real broker: nothing is fetched before the broker takes us.

Permanent refusals (wrong password, unknown virtual host, missing permission, DISCOGS_ROOT not
writable) end `extractor --once` and the long-running service alike with exit status 1 and one
line; a closed port is waited for with /health 503, once-per-change logs and a recovery.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog

from discogsography.amqp.topology import Topology
from discogsography.config.extractor_settings import load_settings
from discogsography.config.settings_base import SettingsError
from discogsography.dumps.state_marker import StateMarker
from discogsography.extractor import startup_checks
from discogsography.extractor.extractor_service import Extractor
from discogsography.extractor.publish_channel import check_broker
from discogsography.kinds import Kind
from discogsography.runtime.failures import PermanentFailure
from tests.extractor.helpers import FakeDiscogs, consume, dump_files, parser_records, serve_fake_discogs
from tests.final_line import final_line
from tests.support.waits import run_within, wait_for_async, within

pytestmark = pytest.mark.rabbitmq

VERSION = "20991201"
COMMAND = [sys.executable, "-c", "from discogsography.cli import main; main()", "extractor"]
BROKER = "127.0.0.1:5672"


def _settings(source: str, root: Path, amqp_url: str, topology: Topology, **extra: Any) -> Any:
    return load_settings(
        discogs_source=source,
        discogs_root=root,
        amqp_connection=amqp_url,
        amqp_prefix=topology.prefix,
        health_check_port=0,
        download_backoff_seconds=0.05,
        **extra,
    )


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def broker_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The broker checks the extractor makes (one per try), counted as they start."""
    calls: list[str] = []
    real = check_broker

    async def counted(amqp_url: str, topology: Topology) -> None:
        calls.append(amqp_url)
        await real(amqp_url, topology)

    monkeypatch.setattr(startup_checks, "check_broker", counted)
    return calls


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def limited_user() -> Iterator[str]:
    """A user that may write and read on / but not configure (declare) anything."""
    name, password = f"test-extractor-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    _rabbitmqctl("add_user", name, password)
    try:
        _rabbitmqctl("set_permissions", "-p", "/", name, "^$", ".*", ".*")
        yield f"amqp://{name}:{password}@{BROKER}/"
    finally:
        _rabbitmqctl("delete_user", name)


def _wrong_urls(limited: str) -> dict[str, tuple[str, str]]:
    """Name -> (AMQP URL, what the one line must say)."""
    return {
        "password": (f"amqp://guest:wrong-{uuid.uuid4().hex[:6]}@{BROKER}/", "refused the login"),
        "vhost": (f"amqp://guest:guest@{BROKER}/no-such-vhost-{uuid.uuid4().hex[:6]}", "virtual host"),
        "permission": (limited, "ACCESS_REFUSED"),
    }


@pytest.mark.parametrize("wrong", ["password", "vhost", "permission"])
@pytest.mark.parametrize("once", [True, False])
async def test_a_refused_broker_stops_before_anything_is_fetched_from_an_http_source(
    tmp_path: Path,
    small_dump: Path,
    topology: Topology,
    limited_user: str,
    wrong: str,
    once: bool,
    broker_checks: list[str],
) -> None:
    url, says = _wrong_urls(limited_user)[wrong]
    fake = FakeDiscogs({"2099": dump_files(small_dump)})
    root = tmp_path / "root"
    with serve_fake_discogs(fake) as base:
        extractor = Extractor(_settings(base, root, url, topology), topology=topology, show_progress=False)
        with pytest.raises(PermanentFailure, match=says) as failure:
            await within(extractor.run(once=once), 30, "the extractor refused by the broker")
    assert len(broker_checks) == 1  # permanent: not tried again
    line = str(failure.value)
    assert "\n" not in line and " object at 0x" not in line and "wrong-" not in line
    assert fake.requests == []  # not even the listing: the broker is checked first
    assert list(root.iterdir()) == []
    healthy, body = extractor.health()
    assert not healthy and body["phase"] == "failed" and body["last_error"] == line


@pytest.mark.parametrize("wrong", ["password", "vhost", "permission"])
def test_extractor_once_exits_1_with_one_line_and_copies_nothing_from_a_file_source(
    tmp_path: Path, small_dump: Path, topology: Topology, limited_user: str, wrong: str
) -> None:
    url, says = _wrong_urls(limited_user)[wrong]
    root = tmp_path / "root"
    env = {
        **os.environ,
        "AMQP_CONNECTION": url,
        "AMQP_PREFIX": topology.prefix,
        "DISCOGS_SOURCE": small_dump.as_uri(),
        "DISCOGS_ROOT": str(root),
        "HEALTH_CHECK_PORT": "0",
    }
    result = run_within([*COMMAND, "--once"], 60, "extractor --once", env=env, capture_output=True, text=True)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Broker unavailable, retrying" not in result.stderr  # permanent: not tried again
    assert "Traceback" not in result.stderr and " object at 0x" not in result.stderr
    last = final_line(result.stderr)
    assert last.startswith("error: broker amqp://") and says in last, result.stderr[-2000:]
    assert list(root.iterdir()) == []


def test_the_long_running_service_exits_1_with_one_line_on_a_permanent_failure(
    tmp_path: Path, small_dump: Path, topology: Topology
) -> None:
    root = tmp_path / "root"
    env = {
        **os.environ,
        "AMQP_CONNECTION": f"amqp://guest:guest@{BROKER}/no-such-vhost-{uuid.uuid4().hex[:6]}",
        "AMQP_PREFIX": topology.prefix,
        "DISCOGS_SOURCE": small_dump.as_uri(),
        "DISCOGS_ROOT": str(root),
        "HEALTH_CHECK_PORT": "0",
    }
    result = subprocess.run(COMMAND, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and " object at 0x" not in result.stderr
    last = final_line(result.stderr)
    assert last.startswith("error: broker amqp://guest:***@") and "no-such-vhost-" in last
    assert list(root.iterdir()) == []


def test_a_data_directory_that_cannot_be_written_is_one_line_before_the_broker(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    env = {
        **os.environ,
        "AMQP_CONNECTION": "amqp://guest:guest@127.0.0.1:1/",  # never reached
        "DISCOGS_SOURCE": tmp_path.as_uri(),
        "DISCOGS_ROOT": str(blocker / "root"),
        "HEALTH_CHECK_PORT": "0",
    }
    result = subprocess.run(
        [*COMMAND, "--once"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 1
    assert final_line(result.stderr) == (
        f"error: DISCOGS_ROOT {blocker / 'root'}: cannot write there: Not a directory"
    )
    assert "Traceback" not in result.stderr


@contextlib.asynccontextmanager
async def _forward(port: int, target: tuple[str, int]) -> AsyncIterator[None]:
    """A TCP port that forwards to ``target``: a broker that appears once this is entered."""

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*target)
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    try:
        yield
    finally:
        server.close()


def _health(port: int) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


async def test_the_service_waits_for_a_closed_broker_port_then_recovers(
    tmp_path: Path, small_dump: Path, amqp_url: str, topology: Topology, broker_checks: list[str]
) -> None:
    port = _free_port()  # nothing listens there yet
    mirror = tmp_path / "mirror"
    shutil.copytree(small_dump, mirror)
    root = tmp_path / "root"
    settings = _settings(mirror.as_uri(), root, f"amqp://guest:guest@127.0.0.1:{port}/", topology)
    extractor = Extractor(settings, topology=topology, show_progress=False)
    with structlog.testing.capture_logs() as logs:
        service = asyncio.create_task(extractor.run())
        try:
            # several tries (0.05 s doubling): the retry line below must still be logged once
            await wait_for_async(
                lambda: extractor.phase == "waiting_for_broker" and len(broker_checks) >= 4,
                timeout=30,
                what="four tries of the closed port",
            )
            assert extractor.health_server is not None
            status, body = await asyncio.to_thread(_health, extractor.health_server.port)
            assert status == 503 and body["phase"] == "waiting_for_broker"
            assert f"127.0.0.1:{port}" in body["last_error"] and "Connect call failed" in body["last_error"]
            assert list(root.iterdir()) == []  # nothing copied while the broker is away
            async with _forward(port, ("127.0.0.1", 5672)):
                marker_path = StateMarker.path_for(root, VERSION)
                for _ in range(400):
                    marker = StateMarker.load(marker_path) if marker_path.exists() else None
                    if marker is not None and marker.is_complete:
                        break
                    await asyncio.sleep(0.05)
                assert marker is not None and marker.is_complete
                status, body = await asyncio.to_thread(_health, extractor.health_server.port)
                assert status == 200 and body["last_error"] is None
        finally:
            extractor.request_stop()
            await asyncio.wait_for(service, timeout=30)
    events = [line["event"] for line in logs]
    assert events.count("⏳ Broker unavailable, retrying") == 1  # once per change, not per try
    assert events.count("✅ Broker available again") == 1
    consumed = await consume(amqp_url, topology, Kind.LABELS)
    assert consumed.records == parser_records(mirror / f"discogs_{VERSION}_labels.xml.gz")
    assert consumed.left == 0


async def test_extractor_once_gives_a_closed_port_its_tries_then_one_line(
    tmp_path: Path, small_dump: Path, topology: Topology, broker_checks: list[str]
) -> None:
    url = f"amqp://guest:guest@127.0.0.1:{_free_port()}/"
    root = tmp_path / "root"
    extractor = Extractor(
        _settings(small_dump.as_uri(), root, url, topology, file_attempts=3), topology=topology
    )
    with (
        structlog.testing.capture_logs() as logs,
        pytest.raises(Exception, match="Connect call failed") as error,
    ):
        await within(extractor.run(once=True), 30, "extractor --once on a closed port")
    assert len(broker_checks) == 3  # FILE_ATTEMPTS=3 tries, no more
    assert not isinstance(error.value, PermanentFailure)
    assert str(error.value).startswith("broker amqp://guest:***@127.0.0.1:")
    assert [line["event"] for line in logs].count("⏳ Broker unavailable, retrying") == 1
    assert list(root.iterdir()) == []


def test_a_url_the_client_cannot_read_is_refused_with_the_settings_not_retried(
    tmp_path: Path, small_dump: Path, topology: Topology
) -> None:
    # Read when the settings load (config/amqp_settings.py), so it never reaches a retry loop;
    # the line names the variable and which URL, never the password.
    with pytest.raises(
        SettingsError, match=r"^invalid configuration: AMQP_CONNECTION: .*Port out of range"
    ) as raised:
        _settings(small_dump.as_uri(), tmp_path / "root", "amqp://guest:guest@127.0.0.1:99999/", topology)
    assert "guest:guest" not in str(raised.value)
