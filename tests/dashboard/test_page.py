"""The dashboard in headless Chromium against a real run on the machine's RabbitMQ and PostgreSQL.

One page stays open (never reloaded) while the run goes through three moments, each steady long
enough to compare: nothing running yet, the extractor done with the tableinator not started
(queues full), and the tableinator done (queues empty, tables filled). At each, every number on
the page must equal what the services' /health (and /metrics when served), the queues' passive
declarations, the state marker and PostgreSQL's statistics say at that moment. A run, a database
and a queue prefix of its own, as the e2e tests do.

Set DASHBOARD_SCREENSHOT=docs/dashboard.png to save the page as it is at the end.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from discogsography.amqp.topology import Topology
from discogsography.dashboard import metrics
from discogsography.kinds import Kind
from tests.conftest import SAMPLES_2020
from tests.dashboard.browser import Browser, require_chromium
from tests.e2e.runs import AMQP, POSTGRES, delete_queues
from tests.faults.harness import read_queue_depths

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.rabbitmq]

SECRET = "dashboard-s3cret-pw"  # in DATABASE_URL: PostgreSQL trusts local logins and ignores it
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


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Run]:
    require_chromium()
    run_id = uuid.uuid4().hex[:8]
    database = f"dgtest_dash_{run_id}"
    prefix = f"dgtest-dash-{run_id}-"
    with psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    ports = {name: free_port() for name in ("extractor", "tableinator", "dashboard")}
    (tmp_path / "logs").mkdir()
    env = {
        **os.environ,
        "DISCOGS_SOURCE": SAMPLES_2020.as_uri(),
        "DISCOGS_ROOT": str(tmp_path / "root"),
        "AMQP_CONNECTION": AMQP,
        "AMQP_PREFIX": prefix,
        "DATABASE_URL": f"postgresql://postgres:{SECRET}@127.0.0.1:5432/{database}",
        "RECORDS_PER_MESSAGE": "10",
        "CONSUMER_CANCEL_DELAY": "0",
        "POSTGRES_BATCH_FLUSH_INTERVAL": "0.5",
        "EXTRACTOR_HEALTH_URL": f"http://127.0.0.1:{ports['extractor']}",
        "TABLEINATOR_HEALTH_URL": f"http://127.0.0.1:{ports['tableinator']}",
        "DASHBOARD_PORT": str(ports["dashboard"]),
        "DASHBOARD_INTERVAL_SECONDS": "0.5",
    }
    (tmp_path / "root").mkdir()
    state = Run(
        env=env,
        topology=Topology(prefix),
        database=database,
        root=tmp_path / "root",
        logs=tmp_path / "logs",
        extractor_url=env["EXTRACTOR_HEALTH_URL"],
        tableinator_url=env["TABLEINATOR_HEALTH_URL"],
        dashboard_url=f"http://127.0.0.1:{ports['dashboard']}/",
        processes={},
    )
    try:
        yield state
    finally:
        for name in list(state.processes):
            state.stop(name)
        with psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        delete_queues(prefix)


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
    return metrics.sum_by(metrics.parse(response.text), metrics.RECORDS, "kind", service=service)


def table_statistics(database: str) -> dict[str, int]:
    with psycopg.connect(f"{POSTGRES} dbname={database}", autocommit=True) as conn:
        rows = conn.execute("SELECT relname, n_live_tup FROM pg_stat_user_tables").fetchall()
    return {str(name): int(live) for name, live in rows}


def stored_rows(database: str, table: str) -> int:
    with psycopg.connect(f"{POSTGRES} dbname={database}") as conn:
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


# --- the test ----------------------------------------------------------------------------------


def test_the_page_shows_a_run_live_and_equal_to_its_sources(run: Run) -> None:
    dashboard = run.start("dashboard", "dashboard")
    wait_until(lambda: serving(run.dashboard_url), 30, "the dashboard serves its first reading")

    with Browser(run.dashboard_url) as browser:
        browser.evaluate("window.loadedOnce = 'yes'")  # a reload would lose it
        # 1. Nothing runs: the services are down (not an error page), no queue is declared yet.
        wait_until(
            page_matches(browser, run, expected_counters, expected_errors, expected_queues),
            30,
            "the page before the run",
        )
        page = browser.evaluate(READ_ALL)
        assert page["service.extractor.status"] == page["service.tableinator.status"] == "down"
        assert "not reachable" in page["service.extractor.reason"]
        updates_before = int(page["updates"])

        # 2. The extractor publishes every file; nothing consumes yet, so the queues hold it all.
        run.start("extractor", "extractor", HEALTH_CHECK_PORT=run.extractor_url.rsplit(":", 1)[1])
        wait_until(
            lambda: (
                None
                if (body := health(run.extractor_url))
                and body["phase"] in ("idle", "waiting")
                and marker(run.root)["summary"]["overall_status"] == "completed"
                else f"extractor {body and body['phase']}"
            ),
            120,
            "the extractor finishes its cycle",
        )
        wait_until(
            page_matches(browser, run, expected_counters, expected_errors, expected_queues, expected_files),
            30,
            "the page after the extractor's cycle",
        )
        full = browser.evaluate(READ_ALL)
        for kind in Kind:
            queue = run.topology.queue(kind)
            assert number(full[f"queue.{queue}.messages"]), f"{queue} should hold the published messages"
            assert full[f"queue.{run.topology.dead_letter_queue(kind)}.messages"] == "0"
        assert full["service.extractor.status"] == "healthy"

        # 3. The tableinator stores everything: the queues drain and the tables fill, on the same page.
        run.start("tableinator", "tableinator", HEALTH_CHECK_PORT=run.tableinator_url.rsplit(":", 1)[1])
        wait_until(
            lambda: (
                None
                if (body := health(run.tableinator_url)) and set(body.get("completed_kinds", [])) >= set(Kind)
                else "not yet"
            ),
            120,
            "the tableinator stores every file",
        )
        wait_until(statistics_caught_up(run.database), 60, "PostgreSQL's statistics count every stored row")
        wait_until(
            page_matches(
                browser,
                run,
                expected_counters,
                expected_errors,
                expected_queues,
                expected_files,
                expected_tables,
            ),
            60,
            "the page after the tableinator's work",
        )
        done = browser.evaluate(READ_ALL)
        for kind in Kind:
            queue = run.topology.queue(kind)
            assert done[f"queue.{queue}.messages"] == "0" != full[f"queue.{queue}.messages"]
            assert number(done[f"table.{kind.value}.rows"]) == stored_rows(run.database, kind.value) > 0
            assert number(done[f"queue.{queue}.stored"]) == number(full[f"queue.{queue}.published"])
        assert done["service.tableinator.status"] == "healthy"
        assert int(done["updates"]) > updates_before
        assert browser.evaluate("window.loadedOnce") == "yes", "the page was reloaded"

        # Nothing on the page or in its JSON shows the password.
        assert SECRET not in browser.evaluate("document.documentElement.outerHTML")
        assert SECRET not in httpx.get(run.dashboard_url + "api/state", timeout=5).text
        if os.environ.get("DASHBOARD_SCREENSHOT"):
            browser.screenshot(Path(os.environ["DASHBOARD_SCREENSHOT"]))

    assert run.stop("dashboard") == 0, run.log("dashboard")
    assert dashboard.returncode == 0


UNHEALTHY: dict[str, Any] = {
    "status": "unhealthy",
    "service": "tableinator",
    "broker": "connected",
    "database": "unavailable",
    "database_error": "connection to postgresql://app:hunter2-pw@db:5432/x failed",
    "last_errors": [
        {
            "timestamp": "2026-01-01T00:00:01Z",
            "level": "error",
            "event": "❌ Batch failed",
            "error": "one",
        },
        {"timestamp": "2026-01-01T00:00:05Z", "level": "warning", "event": "⚠️ Retrying", "error": "two"},
    ],
}


class FakeHealth(BaseHTTPRequestHandler):
    """A service that answers 503 with errors in its body (UNHEALTHY), one holding a password."""

    def do_GET(self) -> None:
        payload = json.dumps(UNHEALTHY).encode() if self.path == "/health" else b"not found"
        self.send_response(503 if self.path == "/health" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_args: object) -> None:
        pass


def test_an_unhealthy_service_and_its_errors_are_shown_redacted(tmp_path: Path) -> None:
    require_chromium()
    fake = ThreadingHTTPServer(("127.0.0.1", 0), FakeHealth)
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    port = free_port()
    env = {
        **os.environ,
        "DISCOGS_ROOT": str(tmp_path),
        "TABLEINATOR_HEALTH_URL": f"http://127.0.0.1:{fake.server_port}",
        "EXTRACTOR_HEALTH_URL": "http://127.0.0.1:9",
        "AMQP_CONNECTION": AMQP,
        "AMQP_PREFIX": f"dgtest-dash-{uuid.uuid4().hex[:8]}-",
        "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/postgres",
        "DASHBOARD_PORT": str(port),
        "DASHBOARD_INTERVAL_SECONDS": "0.5",
    }
    process = subprocess.Popen([sys.executable, "-m", "discogsography", "dashboard"], env=env)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until(lambda: serving(url), 30, "the dashboard serves its first reading")
        with Browser(url) as browser:
            wait_until(
                lambda: None if browser.evaluate(READ_ALL)["updates"] != "0" else "no update", 30, "a draw"
            )
            page = browser.evaluate(READ_ALL)
            rows = browser.evaluate(
                "[...document.querySelectorAll('#errors tr')].map((row) => row.innerText.split('\\t'))"
            )
            html = browser.evaluate("document.documentElement.outerHTML")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        fake.shutdown()
    assert page["service.tableinator.status"] == "unhealthy"
    assert page["service.tableinator.http_status"] == "503"
    assert page["service.tableinator.database"] == "unavailable"
    assert page["service.extractor.status"] == "down"
    assert page["errors.count"] == "3"
    assert [row[1:4] for row in rows] == [
        ["tableinator", "error", "database_error"],
        ["tableinator", "warning", "⚠️ Retrying"],
        ["tableinator", "error", "❌ Batch failed"],
    ]
    assert rows[0][4] == "connection to postgresql://app:***@db:5432/x failed"
    assert "hunter2-pw" not in html
