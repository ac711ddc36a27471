"""What the dashboard's browser test compares the page with, read from the sources themselves,
and the run of services it watches."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg

from discogsography.amqp.topology import Topology
from discogsography.dashboard import metrics_text
from discogsography.kinds import Kind
from tests.dashboard.browser import Browser
from tests.support.amqp import read_queue_depths
from tests.support.servers import AMQP_URL as AMQP
from tests.support.servers import SHARED

READ_ALL = (
    "Object.fromEntries([...document.querySelectorAll('[data-key]')]"
    ".map((node) => [node.dataset.key, node.textContent]))"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(check: Callable[[], str | None], timeout: float, what: str) -> None:
    """Retry ``check`` (None: it holds; else what differs) until it holds or time runs out."""
    deadline = time.monotonic() + timeout
    problem = check()
    while problem is not None:
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout:.0f} s: {problem}")
        time.sleep(0.5)
        problem = check()


@dataclass
class Run:
    env: dict[str, str]
    topology: Topology
    database: str
    root: Path
    logs: Path
    extractor_url: str
    tableinator_url: str
    dashboard_url: str
    processes: dict[str, subprocess.Popen[bytes]]

    def start(self, name: str, *args: str, **env: str) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "discogsography", *args],
                env={**self.env, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.processes[name] = process
        return process

    def stop(self, name: str) -> int:
        process = self.processes.pop(name)
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return int(process.returncode)

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]


# --- what the page must show: read from the sources themselves ---------------------------------


def health(url: str) -> dict[str, Any] | None:
    try:
        body: dict[str, Any] = httpx.get(f"{url}/health", timeout=5).json()
    except httpx.HTTPError:
        return None
    return body


def records_from_metrics(url: str, service: str) -> dict[str, float] | None:
    try:
        response = httpx.get(f"{url}/metrics", timeout=5)
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    return metrics_text.sum_by(
        metrics_text.parse(response.text), metrics_text.RECORDS, "kind", service=service
    )


def table_statistics(database: str) -> dict[str, int]:
    with psycopg.connect(SHARED.conninfo(database), autocommit=True) as conn:
        rows = conn.execute("SELECT relname, n_live_tup FROM pg_stat_user_tables").fetchall()
    return {str(name): int(live) for name, live in rows}


def stored_rows(database: str, table: str) -> int:
    with psycopg.connect(SHARED.conninfo(database)) as conn:
        row = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()
    return int(row[0]) if row else 0


def statistics_caught_up(database: str) -> Callable[[], str | None]:
    """The statistics are flushed a moment after commits; once settled they count the rows exactly."""

    def check() -> str | None:
        live = table_statistics(database)
        behind = {k.value: (live.get(k.value), stored_rows(database, k.value)) for k in Kind}
        return None if all(a == b for a, b in behind.values()) else f"n_live_tup, count: {behind}"

    return check


def marker(root: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(next(root.glob(".extraction_status_*.json")).read_text())
    return found


def number(text: str) -> int | None:
    """A count as the page shows it: 1,234 or – (unknown)."""
    return None if text in ("–", "not declared", "") else int(text.replace(",", ""))


def differences(expected: dict[str, Any], page: dict[str, str]) -> str | None:
    wrong = {key: (value, page.get(key)) for key, value in expected.items() if page.get(key) != value}
    return None if not wrong else "; ".join(f"{k}: expected {v!r}, page {p!r}" for k, (v, p) in wrong.items())


def counts_text(value: float | None) -> str:
    return "–" if value is None else f"{int(value):,}"


def expected_queues(run: Run) -> dict[str, str]:
    depths = asyncio.run(read_queue_depths(AMQP, run.topology))
    return {
        f"queue.{name}.messages": "not declared" if depth < 0 else f"{depth:,}"
        for name, depth in depths.items()
    }


def expected_counters(run: Run) -> dict[str, str]:
    """Records published and stored per kind: /metrics when served, else /health."""
    expected = {}
    extractor, tableinator = health(run.extractor_url), health(run.tableinator_url)
    published = records_from_metrics(run.extractor_url, "extractor")
    if published is None and extractor is not None:
        published = {k: float(v) for k, v in extractor["progress"]["per_kind"].items()}
    stored = records_from_metrics(run.tableinator_url, "tableinator")
    if stored is None and tableinator is not None:
        stored = {k: float(v["records"]) for k, v in tableinator["counts"].items()}
    for kind in Kind:
        queue = run.topology.queue(kind)
        expected[f"queue.{queue}.published"] = counts_text(published.get(kind.value) if published else None)
        expected[f"queue.{queue}.stored"] = counts_text(stored.get(kind.value) if stored else None)
    for name, body in (("extractor", extractor), ("tableinator", tableinator)):
        expected[f"service.{name}.status"] = body["status"] if body else "down"
    if extractor is not None:
        expected["service.extractor.phase"] = extractor["phase"]
    if tableinator is not None:
        expected["service.tableinator.broker"] = tableinator["broker"]
        expected["service.tableinator.database"] = tableinator["database"]
    return expected


def expected_errors(run: Run) -> dict[str, str]:
    """How many errors the page lists: the services' error fields and last_errors, the marker's."""
    total = 0
    for url in (run.extractor_url, run.tableinator_url):
        body = health(url) or {}
        total += len(body.get("last_errors") or [])
        total += sum(1 for name in ("last_error", "broker_error", "database_error") if body.get(name))
    if any(run.root.glob(".extraction_status_*.json")):
        found = marker(run.root)
        total += sum(
            len(found[phase].get("errors") or []) for phase in ("download_phase", "processing_phase")
        )
        total += len(found["publishing_phase"].get("errors") or [])
    return {"errors.count": str(min(total, 20))}


def expected_files(run: Run) -> dict[str, str]:
    files = marker(run.root)["processing_phase"]["progress_by_file"]
    expected = {}
    for name, entry in files.items():
        expected[f"file.{name}.status"] = entry["status"]
        expected[f"file.{name}.records_extracted"] = f"{entry['records_extracted']:,}"
        expected[f"file.{name}.messages_published"] = f"{entry['messages_published']:,}"
        expected[f"file.{name}.records_skipped"] = f"{entry['records_skipped']:,}"
    return expected


def expected_tables(run: Run) -> dict[str, str]:
    return {f"table.{name}.rows": f"{live:,}" for name, live in table_statistics(run.database).items()}


def page_matches(
    browser: Browser, run: Run, *parts: Callable[[Run], dict[str, str]]
) -> Callable[[], str | None]:
    """The page equals the sources, read just before and after it; a source that moved meanwhile retries."""

    def check() -> str | None:
        before = {key: value for part in parts for key, value in part(run).items()}
        page = browser.evaluate(READ_ALL)
        after = {key: value for part in parts for key, value in part(run).items()}
        if before != after:
            return "the sources moved while the page was read"
        return differences(before, page)

    return check


def serving(url: str) -> str | None:
    try:
        status = httpx.get(url + "api/state", timeout=2).status_code
    except httpx.HTTPError as exc:
        return str(exc)
    return None if status == 200 else f"HTTP {status}"
