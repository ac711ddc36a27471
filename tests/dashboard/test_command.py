"""`discogsography dashboard` on a user's mistakes: one line and exit status 1, never a traceback;
and a clean stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx


def dashboard(*args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "discogsography", "dashboard", *args],
        env={**os.environ, "DISCOGS_ROOT": "/nonexistent", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_port_in_use_is_one_line_and_exit_status_1() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = dashboard("--port", str(port))
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert (
        stderr.strip().splitlines()[-1] == f"error: cannot listen on 127.0.0.1:{port}: Address already in use"
    )
    assert "Traceback" not in stderr


def test_a_bad_setting_names_the_variable() -> None:
    process = dashboard(DASHBOARD_PORT="abc")
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert stderr.startswith("error: invalid configuration: DASHBOARD_PORT:")
    assert "Traceback" not in stderr
    process = dashboard(EXTRACTOR_HEALTH_URL="ftp://x")
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "EXTRACTOR_HEALTH_URL: Value error, must be an http:// or https:// URL" in stderr


def test_it_serves_with_nothing_to_watch_and_stops_cleanly_on_sigterm() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on these: the page must still be served, everything shown as down.
    nowhere = "http://127.0.0.1:9"
    process = dashboard(
        "--port",
        str(port),
        EXTRACTOR_HEALTH_URL=nowhere,
        TABLEINATOR_HEALTH_URL=nowhere,
        AMQP_CONNECTION="amqp://guest:topsecret@127.0.0.1:9/",
        DATABASE_URL="postgresql://u:topsecret@127.0.0.1:9/db",
        DASHBOARD_INTERVAL_SECONDS="0.2",
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                state = httpx.get(f"http://127.0.0.1:{port}/api/state", timeout=2)
                if state.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the dashboard did not serve its state"
            time.sleep(0.2)
        body = state.json()
        assert [s["status"] for s in body["services"]] == ["down", "down"]
        assert body["queues"]["error"] and body["tables"]["error"]
        assert "topsecret" not in state.text
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
        assert page.status_code == 200 and "/dashboard.js" in page.text
        assert httpx.get(f"http://127.0.0.1:{port}/nothing", timeout=2).status_code == 404
        assert httpx.post(f"http://127.0.0.1:{port}/api/state", timeout=2).status_code == 405
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "topsecret" not in stderr
