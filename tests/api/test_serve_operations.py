"""`serve` as an operator sees it: where it listens, its log lines, /health, /metrics summed over
its processes, and its one-line refusals (taken port, no database, empty database), SIGTERM."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.api.conftest import (
    SECRET,
    Served,
    new_database,
    request,
    secret_url,
    server_env,
    start_server,
    stop_server,
)
from tests.support.servers import SHARED
from tests.support.waits import run_within, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.e2e]

REFUSAL_LIMIT = 60.0


def listening_addresses(pid: int) -> set[str]:
    """The local addresses (hex, as /proc/net/tcp* gives them) of the sockets ``pid`` listens on."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = str(fd.readlink()) if fd.is_symlink() else ""
        if match := re.fullmatch(r"socket:\[(\d+)\]", target):
            inodes.add(match.group(1))
    found = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                found.add(fields[1])
    return found


def test_it_listens_on_127_0_0_1_by_default(api_2020: Served) -> None:
    assert listening_addresses(api_2020.process.pid) == {f"0100007F:{api_2020.port:04X}"}


def test_one_json_log_line_per_request(api_2020: Served) -> None:
    marker = uuid.uuid4().hex
    paths = [f"/nope/{marker}/{n}" for n in range(20)]
    for path in paths:
        assert api_2020.get(path)[0] == 404

    def logged() -> list[str]:
        return [
            line["path"]
            for line in api_2020.log_lines()
            if line.get("event") == "request" and marker in line.get("path", "")
        ]

    wait_for(lambda: len(logged()) >= len(paths), 20, "a log line for every request")
    assert sorted(logged()) == sorted(paths)
    line = next(line for line in api_2020.log_lines() if line.get("path") == paths[0])
    assert line["status"] == 404 and line["method"] == "GET" and line["service"] == "serve"


def test_health_is_json_and_names_the_database_without_its_password(api_2020: Served) -> None:
    status, headers, body = api_2020.get("/health")
    answer = json.loads(body)
    assert status == 200 and headers["content-type"] == "application/json"
    assert answer["status"] == "healthy"
    assert answer["schema_version"] >= 6
    assert answer["database"].endswith(f"/{api_2020.database}")
    assert SECRET not in body.decode()


def health_total(url: str) -> float:
    status, _, body = request(url, "GET", "/metrics")
    assert status == 200
    pattern = r'^discogsography_api_requests_total\{route="health",status="200"\} (\S+)$'
    return sum(float(value) for value in re.findall(pattern, body.decode(), re.MULTILINE))


def test_metrics_count_the_requests_of_both_processes(api_2020: Served) -> None:
    before = health_total(api_2020.url)
    pids: set[int] = set()
    sent = 0
    while len(pids) < 2:  # each request on a connection of its own, until both processes answered
        assert sent < 500, "both server processes answer"
        status, _, body = api_2020.get("/health")
        assert status == 200
        pids.add(json.loads(body)["pid"])
        sent += 1
    sent += 5
    for _ in range(5):
        assert api_2020.get("/health")[0] == 200
    # A request is counted just after its answer is sent: wait for the last ones.
    wait_for(lambda: health_total(api_2020.url) >= before + sent, 20, "the health requests counted")
    assert health_total(api_2020.url) == before + sent
    status, _, body = api_2020.get("/metrics")
    assert SECRET.encode() not in body


def refusal(tmp_path: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_within(
        [sys.executable, "-m", "discogsography", "serve", "--port", "0", *args],
        REFUSAL_LIMIT,
        "serve's refusal",
        env=server_env(database_url),
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )


def assert_one_line(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode == 1, result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert fragment in result.stderr
    assert SECRET not in result.stderr + result.stdout


def test_a_taken_port_is_one_line_and_exit_1(api_2020: Served, tmp_path: Path) -> None:
    result = refusal(tmp_path, secret_url(api_2020.database), "--port", str(api_2020.port))
    assert_one_line(result, f"cannot listen on 127.0.0.1:{api_2020.port}")


def test_a_database_that_does_not_answer_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = refusal(tmp_path, secret_url("nothing", address="127.0.0.1:1"))
    assert_one_line(result, "PostgreSQL at postgres@127.0.0.1:1/nothing")


def test_an_empty_database_is_one_line_and_exit_1(tmp_path: Path) -> None:
    database = new_database("empty")
    try:
        result = refusal(tmp_path, secret_url(database.name))
    finally:
        SHARED.drop_database(database.name)
    assert_one_line(result, "holds no tables")


def test_sigterm_stops_it_cleanly(api_2025: Served, tmp_path: Path) -> None:
    served = start_server(api_2025.database, tmp_path / "serve.log", "--processes", "2")
    assert served.get("/releases/2323")[0] == 200
    assert stop_server(served) == 0
    assert "Traceback" not in served.log_text()
    assert SECRET not in served.log_text()
    assert not [line for line in served.log_lines() if line.get("level") in ("error", "critical")]
