"""Reading what the dashboard shows: I/O only, every failure turned into a reason to display.

Services: ``GET /health`` (a 503 still has a body) and ``GET /metrics``. Queues: passive
declarations on one AMQP connection kept between readings (declaring nothing, so the dashboard
never creates a queue). Tables: PostgreSQL's statistics, never ``count(*)``. Progress: the newest
state marker in DISCOGS_ROOT.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import psycopg

from discogsography.amqp.nodes import BrokerNodes
from discogsography.amqp.topology import Topology
from discogsography.dashboard import metrics_text
from discogsography.dashboard.page_state import (
    MarkerReading,
    QueueDepth,
    QueueReading,
    ServiceReading,
    TableReading,
    TableRow,
)
from discogsography.dumps.state_marker import StateMarker, StateMarkerError, marker_paths
from discogsography.kinds import Kind
from discogsography.relational.connect import connect_async
from discogsography.runtime.failures import amqp_summary, summary

TIMEOUT_SECONDS = 3.0

TABLE_STATISTICS = """
SELECT s.relname, s.n_live_tup, c.reltuples::bigint
FROM pg_stat_user_tables AS s JOIN pg_class AS c ON c.oid = s.relid
WHERE s.schemaname = current_schema()
ORDER BY s.relname
"""


async def read_service(client: httpx.AsyncClient, name: str, url: str) -> ServiceReading:
    reading = ServiceReading(name=name, url=url)
    try:
        response = await client.get(f"{url}/health")
        reading.http_status = response.status_code
        body = response.json()
        if not isinstance(body, dict):
            raise ValueError("not a JSON object")
        reading.body = body
    except httpx.ConnectError:
        reading.error = "not reachable: nothing listens there, or the host is down"
        return reading
    except httpx.TimeoutException:
        reading.error = f"no answer within {TIMEOUT_SECONDS:.0f} s"
        return reading
    except httpx.HTTPError as exc:
        reading.error = summary(exc)
        return reading
    except ValueError:
        reading.error = f"/health answered {reading.http_status} without a JSON body"
        return reading
    with contextlib.suppress(httpx.HTTPError, ValueError):
        response = await client.get(f"{url}/metrics")
        if response.status_code == 200:
            reading.metrics = metrics_text.parse(response.text)
    return reading


class QueueReader:
    """Queue depths by passive declaration; reconnects on the next reading after a failure."""

    def __init__(self, amqp_url: str, topology: Topology) -> None:
        self._url = amqp_url
        self._nodes = BrokerNodes(amqp_url)
        self._topology = topology
        self._connection: Any = None

    async def read(self) -> QueueReading:
        try:
            if self._connection is None or self._connection.is_closed:
                self._connection = await self._nodes.connect(timeout=TIMEOUT_SECONDS)
            return QueueReading(depths=await asyncio.wait_for(self._depths(), TIMEOUT_SECONDS * 2))
        except Exception as exc:  # shown on the page; the next reading tries again
            await self.close()
            return QueueReading(error=amqp_summary(exc, self._url) if str(exc) else type(exc).__name__)

    async def _depths(self) -> dict[str, QueueDepth | None]:
        depths: dict[str, QueueDepth | None] = {}
        channel = await self._connection.channel()
        try:
            for kind in Kind:
                for name in (self._topology.queue(kind), self._topology.dead_letter_queue(kind)):
                    try:
                        queue = await channel.declare_queue(name, passive=True)
                    except aio_pika.exceptions.ChannelClosed:  # no such queue: the channel is gone
                        depths[name] = None
                        channel = await self._connection.channel()
                        continue
                    result = queue.declaration_result
                    depths[name] = QueueDepth(result.message_count or 0, result.consumer_count or 0)
        finally:
            with contextlib.suppress(Exception):
                await channel.close()
        return depths

    async def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
            self._connection = None


class TableReader:
    """Rows per table from pg_stat_user_tables and pg_class; one connection kept between readings."""

    def __init__(self, conninfo: str, target: str) -> None:
        self._conninfo = conninfo
        self._target = target
        self._connection: psycopg.AsyncConnection[Any] | None = None

    async def read(self) -> TableReading:
        try:
            if self._connection is None or self._connection.closed:
                self._connection = await connect_async(
                    self._conninfo, autocommit=True, timeout=int(TIMEOUT_SECONDS)
                )
            cursor = await self._connection.execute(TABLE_STATISTICS)
            rows = [
                TableRow(str(name), int(live), int(estimate))
                for name, live, estimate in await cursor.fetchall()
            ]
            return TableReading(database=self._target, rows=rows)
        except psycopg.Error as exc:
            await self.close()
            return TableReading(database=self._target, error=summary(exc))

    async def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
            self._connection = None


def read_marker(discogs_root: Path) -> MarkerReading:
    """The most recently written state marker in ``discogs_root`` (none there: an empty reading)."""
    try:
        candidates = sorted(marker_paths(discogs_root), key=lambda path: path.stat().st_mtime)
    except OSError as exc:
        return MarkerReading(error=f"{discogs_root}: {exc.strerror or exc}")
    if not candidates:
        return MarkerReading()
    path = candidates[-1]
    try:
        marker = StateMarker.load(path)
    except StateMarkerError as exc:
        return MarkerReading(path=str(path), error=str(exc))
    return MarkerReading(path=str(path), marker=marker.model_dump(mode="json") if marker else None)
