"""A minimal HTTP server for ``GET /health`` and ``GET /metrics``, run inside a service's loop.

The service passes a callable that returns (healthy, body); the body is served as JSON with
200 when healthy and 503 otherwise, with ``last_errors`` added: the last warnings and errors
logged (logs.recent_problems). ``/metrics`` is the Prometheus text format of the service's
metrics (metrics.py; those of the service that creates the server unless given). Anything else
is 404. Every answer passes through ``redact_text`` so no secret can leak through it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import orjson

from discogsography.runtime import metrics
from discogsography.runtime.http_answer import answer_one_request
from discogsography.runtime.logs import recent_problems
from discogsography.runtime.redact import redact_text

HealthReport = Callable[[], tuple[bool, dict[str, Any]]]


class HealthServer:
    def __init__(
        self,
        report: HealthReport,
        *,
        port: int,
        host: str = "0.0.0.0",  # noqa: S104
        service_metrics: metrics.ServiceMetrics | None = None,
    ) -> None:
        self._report = report
        self._metrics = service_metrics or metrics.served()
        self._host = host
        self._port = port
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        """The bound port (useful with port 0 in tests)."""
        if self._server is None or not self._server.sockets:
            return self._port
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self._host, self._port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await answer_one_request(reader, writer, self._answer)

    def _answer(self, method: str, path: str) -> tuple[int, str, bytes]:
        """Status, content type and body of a request."""
        body: dict[str, Any]
        if path not in ("/health", "/metrics") or (path == "/metrics" and self._metrics is None):
            status, body = 404, {"error": "not found"}
        elif method not in ("GET", "HEAD"):
            status, body = 405, {"error": "method not allowed"}
        elif path == "/metrics":
            assert self._metrics is not None
            return 200, metrics.CONTENT_TYPE, redact_text(self._metrics.render().decode()).encode()
        else:
            healthy, body = self._report()
            body = {**body, "last_errors": recent_problems()}
            status = 200 if healthy else 503
        return status, "application/json", redact_text(orjson.dumps(body, default=str).decode()).encode()
