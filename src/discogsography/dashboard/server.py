"""The dashboard's process: a reading every DASHBOARD_INTERVAL_SECONDS, and a small HTTP server.

``GET /`` is the page, ``/dashboard.js`` and ``/dashboard.css`` its assets (package data, so no
internet is needed), ``/api/state`` the latest state as JSON, which the page polls. The JSON
passes through ``redact_text`` like every /health body, so no secret reaches the page.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from importlib.resources import files
from typing import Any

import httpx
import orjson

from discogsography.amqp.topology import Topology
from discogsography.config.dashboard_settings import DashboardSettings
from discogsography.dashboard.page_state import Reading, assemble
from discogsography.dashboard.rates import RateTracker
from discogsography.dashboard.sources import (
    TIMEOUT_SECONDS,
    QueueReader,
    TableReader,
    read_marker,
    read_service,
)
from discogsography.errors import DiscogsographyError
from discogsography.runtime import early_stop
from discogsography.runtime.http_answer import answer_one_request
from discogsography.runtime.logs import get_logger
from discogsography.runtime.redact import redact_text

log = get_logger(__name__)

ASSETS = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/dashboard.js": ("dashboard.js", "text/javascript; charset=utf-8"),
    "/dashboard.css": ("dashboard.css", "text/css; charset=utf-8"),
}


def asset(name: str) -> bytes:
    return (files("discogsography.dashboard") / "static" / name).read_bytes()


class Dashboard:
    def __init__(self, settings: DashboardSettings) -> None:
        self.settings = settings
        self.topology = Topology(settings.amqp_prefix)
        self.rates = RateTracker(settings.dashboard_rate_window_seconds)
        self.queues = QueueReader(settings.amqp_url, self.topology)
        self.tables = TableReader(settings.postgres_conninfo(), settings.postgres_target())
        self.services = {
            "extractor": settings.extractor_health_url,
            "tableinator": settings.tableinator_health_url,
        }
        self.state: bytes | None = None  # the latest reading's JSON
        self._server: asyncio.Server | None = None
        self._problems: dict[str, str | None] = {}

    async def read(self, client: httpx.AsyncClient) -> dict[str, Any]:
        services, queues, tables, marker = await asyncio.gather(
            asyncio.gather(*(read_service(client, name, url) for name, url in self.services.items())),
            self.queues.read(),
            self.tables.read(),
            asyncio.to_thread(read_marker, self.settings.discogs_root),
        )
        reading = Reading(time.time(), list(services), queues, tables, marker)
        return assemble(reading, self.topology, self.rates, self.settings.dashboard_interval_seconds)

    async def sample_forever(self, client: httpx.AsyncClient) -> None:
        while True:
            started = time.monotonic()
            try:
                state = await self.read(client)
                self.state = redact_text(orjson.dumps(state).decode()).encode()
                self._log_changes(state)
            except Exception as exc:  # a bug in one reading must not stop the page
                log.exception("❌ Dashboard reading failed", error=redact_text(str(exc)))
            elapsed = time.monotonic() - started
            await asyncio.sleep(max(0.0, self.settings.dashboard_interval_seconds - elapsed))

    def _log_changes(self, state: dict[str, Any]) -> None:
        """One line when a source becomes unreadable or readable again, not one per reading."""
        problems = {service["name"]: service["reason"] for service in state["services"]}
        problems |= {
            "broker": state["queues"]["error"],
            "database": state["tables"]["error"],
            "state marker": state["files"]["error"],
        }
        for source, problem in problems.items():
            before = self._problems.get(source)
            if problem and problem != before:
                log.warning("⚠️ Dashboard cannot read a source", source=source, error=redact_text(problem))
            elif before and not problem:
                log.info("✅ Dashboard reads a source again", source=source)
        self._problems = problems

    @property
    def port(self) -> int:
        if self._server is None or not self._server.sockets:
            return self.settings.dashboard_port
        return int(self._server.sockets[0].getsockname()[1])

    async def serve(self) -> None:
        """Listen, then read on a timer until cancelled (``/api/state`` is 503 until the first reading)."""
        try:
            self._server = await asyncio.start_server(
                self._handle, self.settings.dashboard_host, self.settings.dashboard_port
            )
        except OSError as exc:
            where = f"{self.settings.dashboard_host}:{self.settings.dashboard_port}"
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            raise DiscogsographyError(f"cannot listen on {where}: {reason}") from None
        log.info(
            "📈 Dashboard serving",
            url=f"http://{self.settings.dashboard_host}:{self.port}/",
            amqp_prefix=self.topology.prefix,
        )
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
                await self.sample_forever(client)
        finally:
            self._server.close()
            await self.queues.close()
            await self.tables.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await answer_one_request(reader, writer, self._answer)

    def _answer(self, method: str, path: str) -> tuple[int, str, bytes]:
        if method not in ("GET", "HEAD"):
            return 405, "text/plain", b"method not allowed\n"
        return self._route(path)

    def _route(self, path: str) -> tuple[int, str, bytes]:
        if path == "/api/state":
            if self.state is None:
                return 503, "application/json", b'{"error": "the first reading is not done yet"}'
            return 200, "application/json", self.state
        if path in ASSETS:
            name, content_type = ASSETS[path]
            return 200, content_type, asset(name)
        return 404, "text/plain", b"not found\n"


async def _serve_until_stopped(settings: DashboardSettings) -> None:
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, task.cancel)
    if early_stop.requested():  # a SIGTERM during start-up whose exit was swallowed
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await Dashboard(settings).serve()
    log.info("👋 Dashboard stopped")


def run(settings: DashboardSettings) -> None:
    """Serve until SIGTERM or Ctrl-C, then exit 0."""
    # A broker that is down is shown on the page and logged once per change (above); the AMQP
    # libraries' own line for every failed connection attempt would repeat it every reading.
    for name in ("aiormq", "aio_pika"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    asyncio.run(_serve_until_stopped(settings))
