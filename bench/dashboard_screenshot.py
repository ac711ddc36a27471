"""The dashboard's picture in docs/: a screenshot of the page during a real run.

Builds (once) a dump of 105,000 records with make_dump.py, starts the dashboard and the extractor,
then the tableinator a little later so that the queues hold a backlog, and saves the page in
headless Chromium once the tableinator is draining it. A database and a queue prefix of its own,
removed afterwards. Usage: ``uv run python bench/dashboard_screenshot.py docs/dashboard.png``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.dashboard.browser import Browser
from tests.e2e.runs import delete_queues
from tests.support.servers import AMQP_URL as AMQP
from tests.support.servers import SHARED

HERE = Path(__file__).resolve().parent
DUMP = HERE / "out" / "dashboard_dump"
COUNTS = {"releases": 60_000, "artists": 20_000, "labels": 10_000, "masters": 15_000}
PORTS = {"extractor": 18100, "tableinator": 18102, "dashboard": 18103}


def build_dump() -> Path:
    if not (DUMP / "discogs_20991201_CHECKSUM.txt").exists():
        DUMP.mkdir(parents=True, exist_ok=True)
        counts = [f"--{kind}={count}" for kind, count in COUNTS.items()]
        subprocess.run([sys.executable, str(HERE / "make_dump.py"), str(DUMP), *counts], check=True)
    return DUMP


def draining(state: dict[str, Any]) -> bool:
    """The tableinator has stored a quarter of the dump and a queue still holds a backlog."""
    queues = [row for row in state["queues"]["rows"] if row["role"] == "queue"]
    stored = sum(row["stored"] or 0 for row in queues)
    return stored >= sum(COUNTS.values()) / 4 and any(row["messages"] for row in queues)


def main(target: Path) -> None:
    run_id = uuid.uuid4().hex[:8]
    database, prefix = f"dgbench_dash_{run_id}", f"dgbench-dash-{run_id}-"
    with psycopg.connect(SHARED.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    workdir = Path(tempfile.mkdtemp(prefix="dashboard-shot-"))
    env = {
        **os.environ,
        "DISCOGS_SOURCE": build_dump().as_uri(),
        "DISCOGS_ROOT": str(workdir),
        "AMQP_CONNECTION": AMQP,
        "AMQP_PREFIX": prefix,
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{database}",
        "EXTRACTOR_HEALTH_URL": f"http://127.0.0.1:{PORTS['extractor']}",
        "TABLEINATOR_HEALTH_URL": f"http://127.0.0.1:{PORTS['tableinator']}",
        "DASHBOARD_PORT": str(PORTS["dashboard"]),
        "POSTGRES_BATCH_SIZE": "500",
    }
    processes: list[subprocess.Popen[bytes]] = []

    def start(name: str, delay: float) -> None:
        time.sleep(delay)
        log = (workdir / f"{name}.log").open("wb")
        command = [sys.executable, "-m", "discogsography", name]
        own = {**env, "HEALTH_CHECK_PORT": str(PORTS.get(name, 0))}
        processes.append(subprocess.Popen(command, env=own, stdout=log, stderr=subprocess.STDOUT))

    url = f"http://127.0.0.1:{PORTS['dashboard']}/"
    try:
        start("dashboard", 0)
        start("extractor", 3)
        start("tableinator", 14)
        with Browser(url, width=1400, height=1000) as browser:
            deadline = time.monotonic() + 300
            while not draining(httpx.get(url + "api/state", timeout=5).json()):
                if time.monotonic() > deadline:
                    raise SystemExit("the run did not reach a backlog being drained within 300 s")
                time.sleep(0.5)
            time.sleep(1)  # the page's next update
            browser.screenshot(target)
        print(f"wrote {target}")
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        with psycopg.connect(SHARED.conninfo("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        delete_queues(prefix)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/dashboard.png"))
