"""Answering one HTTP/1.1 request on a local port: the health, metrics and dashboard servers.

Small on purpose: a method and a path, no keep-alive, a body the caller computed. The caller
decides the answer (``Answer``); this reads the request line, skips the headers and writes the
response, with ``Cache-Control: no-store`` and ``nosniff`` so a browser shows live figures.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

# (method, path without its query) -> (status, content type, body)
Answer = Callable[[str, str], tuple[int, str, bytes]]

REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}
READ_TIMEOUT_SECONDS = 5


async def answer_one_request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, answer: Answer
) -> None:
    try:
        request_line = await asyncio.wait_for(reader.readline(), timeout=READ_TIMEOUT_SECONDS)
        while (await asyncio.wait_for(reader.readline(), timeout=READ_TIMEOUT_SECONDS)) not in (
            b"\r\n",
            b"\n",
            b"",
        ):
            pass
        parts = request_line.decode("latin-1").split()
        if len(parts) < 2:
            return
        method, path = parts[0], parts[1].split("?", 1)[0]
        status, content_type, payload = answer(method, path)
        head = (
            f"HTTP/1.1 {status} {REASONS[status]}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(payload)}\r\nCache-Control: no-store\r\n"
            "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n"
        )
        writer.write(head.encode() + (payload if method != "HEAD" else b""))
        await writer.drain()
    except (TimeoutError, ConnectionError):
        pass
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
