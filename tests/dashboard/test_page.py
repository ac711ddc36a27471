"""The dashboard in headless Chromium against a real run on the machine's RabbitMQ and PostgreSQL.

One page stays open (never reloaded) while the run goes through three moments, each steady long
enough to compare: nothing running yet, the extractor done with the tableinator not started
(queues full), and the tableinator done (queues empty, tables filled). At each, every number on
the page must equal what the services' /health (and /metrics when served), the queues' passive
declarations, the state marker and PostgreSQL's statistics say at that moment. A run, a database
and a queue prefix of its own, as the e2e tests do.

Set DASHBOARD_SCREENSHOT=docs/dashboard.png to save the page as it is at the end. A second test
shows an unhealthy stand-in service's errors, redacted. The comparisons live in harness.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from discogsography.amqp.topology import Topology
from discogsography.kinds import Kind
from tests.conftest import SAMPLES_2020
from tests.dashboard.browser import Browser, require_chromium
from tests.dashboard.harness import (
    READ_ALL,
    Run,
    expected_counters,
    expected_errors,
    expected_files,
    expected_queues,
    expected_tables,
    free_port,
    health,
    marker,
    number,
    page_matches,
    serving,
    statistics_caught_up,
    stored_rows,
    wait_until,
)
from tests.e2e.runs import delete_queues
from tests.support.servers import AMQP_URL as AMQP
from tests.support.servers import SHARED

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.rabbitmq]

SECRET = "dashboard-s3cret-pw"  # in DATABASE_URL: PostgreSQL trusts local logins and ignores it


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Run]:
    require_chromium()
    run_id = uuid.uuid4().hex[:8]
    database = f"dgtest_dash_{run_id}"
    prefix = f"dgtest-dash-{run_id}-"
    with psycopg.connect(SHARED.conninfo("postgres"), autocommit=True) as conn:
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
        with psycopg.connect(SHARED.conninfo("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        delete_queues(prefix)


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
    "broker_node": "rabbit2:5672",
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
    assert page["service.tableinator.broker_node"] == "rabbit2:5672"
    assert page["service.extractor.status"] == "down"
    assert page["errors.count"] == "3"
    assert [row[1:4] for row in rows] == [
        ["tableinator", "error", "database_error"],
        ["tableinator", "warning", "⚠️ Retrying"],
        ["tableinator", "error", "❌ Batch failed"],
    ]
    assert rows[0][4] == "connection to postgresql://app:***@db:5432/x failed"
    assert "hunter2-pw" not in html
