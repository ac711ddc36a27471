"""A minimal HTTP server for ``GET /health``, run inside a service's asyncio loop.

The service passes a callable that returns (healthy, body); the body is served as JSON with
200 when healthy and 503 otherwise. Anything but GET /health is 404. Bodies pass through
``redact_text`` so no secret can leak through them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import orjson

from discogsography.redact import redact_text

HealthReport = Callable[[], tuple[bool, dict[str, Any]]]
_REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}


class HealthServer:
    def __init__(self, report: HealthReport, host: str = "0.0.0.0", port: int = 8000) -> None:  # noqa: S104
        self._report = report
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
        try:
            request_line = await asyncio.wait_for(reader.readline(), timeout=5)
            while (await asyncio.wait_for(reader.readline(), timeout=5)) not in (b"\r\n", b"\n", b""):
                pass
            parts = request_line.decode("latin-1").split()
            if len(parts) < 2:
                return
            method, path = parts[0], parts[1].split("?", 1)[0]
            if path != "/health":
                status, body = 404, {"error": "not found"}
            elif method not in ("GET", "HEAD"):
                status, body = 405, {"error": "method not allowed"}
            else:
                healthy, body = self._report()
                status = 200 if healthy else 503
            payload = redact_text(orjson.dumps(body, default=str).decode()).encode()
            head = (
                f"HTTP/1.1 {status} {_REASONS[status]}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode() + (payload if method != "HEAD" else b""))
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
