"""The real command as a subprocess: /health while it works, SIGTERM mid-file, then a clean resume."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from discogsography.amqp.topology import Topology
from discogsography.dumps.state_marker import PhaseStatus, StateMarker
from discogsography.kinds import Kind
from tests.extractor.helpers import consume, parser_records
from tests.support.amqp import read_queue_depths
from tests.support.dumps import make_dump

pytestmark = [pytest.mark.rabbitmq, pytest.mark.e2e]

VERSION = "20991201"
COMMAND = [sys.executable, "-c", "from discogsography.cli import main; main()", "extractor", "--once"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _health(port: int) -> tuple[int, dict[str, Any]] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
            return response.status, json.loads(response.read())
    except OSError:
        return None


async def test_sigterm_flushes_saves_and_exits_zero_then_resumes(
    tmp_path: Path, amqp_url: str, topology: Topology
) -> None:
    dump = tmp_path / "mirror"
    make_dump(dump, {"releases": 12000, "artists": 10, "labels": 10, "masters": 10})
    root = tmp_path / "root"
    port = _free_port()
    env = {
        **os.environ,
        "DISCOGS_SOURCE": dump.as_uri(),
        "DISCOGS_ROOT": str(root),
        "AMQP_CONNECTION": amqp_url,
        "AMQP_PREFIX": topology.prefix,
        "HEALTH_CHECK_PORT": str(port),
        "RECORDS_PER_MESSAGE": "50",
        "PARSER_WORKERS": "1",  # the parser process must ignore SIGTERM and stop when told
        "PROGRESS_INTERVAL_SECONDS": "0.5",
    }
    releases = f"discogs_{VERSION}_releases.xml.gz"
    process = subprocess.Popen(
        COMMAND,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        seen: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            answer = _health(port)
            if answer is not None:
                status, body = answer
                progress = body.get("files", {}).get(releases, {}).get("processing", {})
                if progress.get("records_extracted", 0) >= 5000:
                    assert status == 200
                    seen = body
                    break
            time.sleep(0.05)
        assert seen is not None, "never saw the releases file in progress on /health"
        assert seen["status"] == "healthy" and seen["phase"] == "processing"
        assert seen["progress"]["active"] == ["releases"]
        assert "guest:guest" not in json.dumps(seen)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr.decode()[-2000:]
    log_lines = [json.loads(line) for line in stderr.decode().splitlines() if line.startswith("{")]
    events = [line["event"] for line in log_lines]
    assert "🛑 Stop requested: finishing in-flight messages and saving the state marker" in events
    assert "📊 Extraction progress" in events
    assert "🎉 File processing complete" in events

    marker = StateMarker.load(StateMarker.path_for(root, VERSION))
    assert marker is not None
    entry = marker.processing_phase.progress_by_file[releases]
    assert entry.status == PhaseStatus.IN_PROGRESS
    assert 0 < entry.records_extracted < 12000
    # Everything read before the stop was published and confirmed: the queue holds exactly that.
    depths = await read_queue_depths(amqp_url, topology)
    assert depths[topology.queue(Kind.RELEASES)] == entry.messages_published
    published_before = entry.records_extracted

    # The next run processes the interrupted file again from its start (at least once).
    resumed = subprocess.run(
        COMMAND,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr.decode()[-2000:]
    consumed = await consume(amqp_url, topology, Kind.RELEASES)
    expected = parser_records(root / releases)
    assert consumed.records == expected[:published_before] + expected
    assert consumed.left == 0  # exactly those: nothing after the file_complete
    assert consumed.completions[0].total_processed == 12000
    final = StateMarker.load(StateMarker.path_for(root, VERSION))
    assert final is not None and final.is_complete
