"""One log line and one metrics observation per request, as plain ASGI middleware.

Off a terminal the line is one JSON object with the fields every service's lines have (event,
level, timestamp, logger, service) plus the request's: written with one orjson call rather than
through the structlog chain of processors, since it runs on every request.
On a terminal the line goes through the usual logger, rendered for people. The query string is
not logged: the path and status say what was asked, and nothing a client sends is echoed.
"""

from __future__ import annotations

import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

import orjson

from discogsography.api.api_metrics import ApiMetrics, route_label
from discogsography.runtime.logs import get_logger, service_name, writes_json

Scope = dict[str, Any]
Message = dict[str, Any]
LOGGER = "discogsography.api"
LOGGED_PATH_LENGTH = 200  # a client may send a path of any length; the log keeps its start

log = get_logger(LOGGER)


def request_line(method: str, path: str, route: str, status: int, size: int, seconds: float) -> bytes:
    """The JSON line of one request (with its newline)."""
    return orjson.dumps(
        {
            "event": "request",
            "method": method,
            "path": path,
            "route": route,
            "status": status,
            "bytes": size,
            "ms": round(seconds * 1000, 2),
            "level": "info",
            "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "logger": LOGGER,
            "service": service_name(),
        },
        option=orjson.OPT_APPEND_NEWLINE,
    )


class RequestLog:
    """Wraps the app: times each HTTP request, counts it, and logs it at INFO."""

    def __init__(self, app: Any, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics
        self.json = writes_json()
        self.enabled = logging.getLogger().isEnabledFor(logging.INFO)
        self.stream = sys.stderr.buffer if hasattr(sys.stderr, "buffer") else None

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status, size = 500, 0

        async def sending(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            seconds = time.perf_counter() - started
            path = scope["path"][:LOGGED_PATH_LENGTH]
            route = route_label(path)
            self.metrics.observe(route, status, seconds)
            if self.enabled:
                self._log(scope["method"], path, route, status, size, seconds)

    def _log(self, method: str, path: str, route: str, status: int, size: int, seconds: float) -> None:
        if self.json and self.stream is not None:
            self.stream.write(request_line(method, path, route, status, size, seconds))
            self.stream.flush()
        else:
            log.info(
                "request", method=method, path=path, status=status, bytes=size, ms=round(seconds * 1000, 2)
            )
