"""Test helpers for the extractor: a fake data.discogs.com, queue consumption (dumps and queue
depths: tests.support)."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import aio_pika
import orjson

from discogsography.amqp.messages import FileComplete, RecordBatch, decode
from discogsography.amqp.topology import Topology, remove_prefix
from discogsography.kinds import Kind
from discogsography.parsing import DumpParser
from tests.support.amqp import queue_depth

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
LISTINGS = SAMPLES / "listings"


def parser_records(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(record.json) for record in DumpParser(path)]


@dataclass
class Consumed:
    records: list[dict[str, Any]] = field(default_factory=list)
    completions: list[FileComplete] = field(default_factory=list)
    messages: int = 0
    amqp_types: set[str] = field(default_factory=set)
    left: int = 0  # ready messages still in the queue after the last file_complete read


async def consume(amqp_url: str, topology: Topology, kind: Kind, *, completions: int = 1) -> Consumed:
    """Read ``kind``'s queue until ``completions`` file_complete messages arrived (10 s idle limit);
    ``left`` is what the queue still holds then (0 when the queue held exactly what was read)."""
    result = Consumed()
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.get_queue(topology.queue(kind), ensure=True)
        idle_since = time.monotonic()
        while len(result.completions) < completions:
            message = await queue.get(no_ack=True, fail=False)
            if message is None:
                if time.monotonic() - idle_since > 10:
                    raise AssertionError(f"{kind}: no file_complete after {result.messages} messages")
                await asyncio.sleep(0.02)
                continue
            idle_since = time.monotonic()
            result.messages += 1
            result.amqp_types.add(message.type or "")
            decoded = decode(message.body)
            if isinstance(decoded, FileComplete):
                result.completions.append(decoded)
            else:
                assert isinstance(decoded, RecordBatch)
                result.records.extend(decoded.records)
        result.left = await queue_depth(channel, topology.queue(kind))
    return result


async def delete_topology(amqp_url: str, topology: Topology) -> None:
    await remove_prefix(amqp_url, topology.prefix)


# --- a fake data.discogs.com ---------------------------------------------------------------------

_ROW = re.compile(r"^\d{4}-\d{2}-\d{2} .*\?download=.*$", re.MULTILINE)


def year_page(year: str, files: list[tuple[str, int]]) -> str:
    """A year page in the shape of the real capture: its header and footer, our rows."""
    real = (LISTINGS / "data_discogs_com_2026.html").read_text()
    rows = "\n".join(
        f"2099-12-01 10:00:00             {size} B          "
        f'<a href="?download=data%2F{year}%2F{quote(name)}">{name}</a>'
        for name, size in files
    )
    first = _ROW.search(real)
    assert first is not None
    head = real[: first.start()]
    tail = real[[m for m in _ROW.finditer(real)][-1].end() :]
    return head + rows + tail


def index_page(years: list[str]) -> str:
    links = "\n".join(f'<a href="?prefix=data%2F{year}%2F">{year}/</a>' for year in years)
    return f"<html><body><h2>Discogs Data</h2><pre>{links}\n</pre></body></html>"


@dataclass
class FakeDiscogs:
    """Files per year, plus scripted misbehaviour per file name."""

    years: dict[str, dict[str, bytes]]
    honour_range: bool = True
    too_many_requests: dict[str, int] = field(default_factory=dict)  # name -> 429s still to send
    retry_after: str = "1"
    drop_mid_file: dict[str, int] = field(default_factory=dict)  # name -> drops still to do
    corrupt: dict[str, int] = field(default_factory=dict)  # name -> corrupt bodies still to send
    seconds_per_64k: float = 0.0  # slow downloads down (0: full speed)
    requests: list[tuple[float, str, str | None, int]] = field(
        default_factory=list
    )  # time, path, range, status
    lock: threading.Lock = field(default_factory=threading.Lock)

    def downloads_of(self, name: str) -> list[tuple[float, str | None, int]]:
        return [(t, r, s) for t, p, r, s in self.requests if p.endswith("/" + name)]


def _handler(fake: FakeDiscogs) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query)
            range_header = self.headers.get("Range")
            if "download" in query:
                key = query["download"][0]
                status = self._download(key, range_header)
                with fake.lock:
                    fake.requests.append((time.monotonic(), key, range_header, status))
                return
            with fake.lock:
                fake.requests.append((time.monotonic(), self.path, range_header, 200))
            if "prefix" in query:
                match = re.fullmatch(r"data/(\d{4})/", query["prefix"][0])
                if match is None or match.group(1) not in fake.years:
                    self._send(404, b"no such year")
                    return
                files = fake.years[match.group(1)]
                page = year_page(match.group(1), [(name, len(body)) for name, body in files.items()])
                self._send(200, page.encode(), {"Content-Type": "text/html"})
                return
            page = index_page(sorted(fake.years, reverse=True))
            self._send(200, page.encode(), {"Content-Type": "text/html"})

        def _download(self, key: str, range_header: str | None) -> int:
            year, name = key.split("/")[1], key.rsplit("/", 1)[-1]
            body = fake.years.get(year, {}).get(name)
            if body is None:
                self._send(404, b"not found")
                return 404
            with fake.lock:
                if fake.too_many_requests.get(name, 0) > 0:
                    fake.too_many_requests[name] -= 1
                    self._send(429, b"slow down", {"Retry-After": fake.retry_after})
                    return 429
                drop = fake.drop_mid_file.get(name, 0) > 0
                if drop:
                    fake.drop_mid_file[name] -= 1
                corrupt = fake.corrupt.get(name, 0) > 0
                if corrupt:
                    fake.corrupt[name] -= 1
            if corrupt:
                body = body[:-1] + bytes([body[-1] ^ 0xFF])
            start = 0
            if range_header and fake.honour_range:
                start = int(range_header.removeprefix("bytes=").split("-")[0])
            status = 206 if start else 200
            self.send_response(status)
            self.send_header("Content-Length", str(len(body) - start))
            if status == 206:
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            self.end_headers()
            if drop:
                self.wfile.write(body[start : start + (len(body) - start) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return status
            if fake.seconds_per_64k:
                try:
                    for offset in range(start, len(body), 65536):
                        self.wfile.write(body[offset : offset + 65536])
                        self.wfile.flush()
                        time.sleep(fake.seconds_per_64k)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client went away (it was told to stop)
                return status
            self.wfile.write(body[start:])
            return status

    return Handler


@contextmanager
def serve_fake_discogs(fake: FakeDiscogs) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def dump_files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir()) if path.is_file()}
