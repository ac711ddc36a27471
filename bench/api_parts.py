"""Where a by-id request's CPU goes inside one `serve` process, part by part.

    uv run python bench/api_parts.py [--database bench_api_r1000000] [--lookups 4000]

Run after `make bench-api` (it builds and keeps the database). In this one process, on the
same random ids, each part's CPU time (time.process_time, so the machine's other load moves it
little) divided by the calls, the best of --rounds:

  query        the by-id lookup through the pool, as record_store.py makes it (prepared,
               jsonb decoded by orjson)
  query, text  the same lookup with data as text, not decoded: what the decoding costs
  answer       release_answer.release on the records the lookups returned
  app          the whole ASGI app answering GET /releases/{id}, called directly (no HTTP
               server): lookup, answer, ETag, JSON, request log line (to /dev/null), metrics
  app, 404     the app answering an unknown path: routing, error answer, log and metrics

What the HTTP server adds comes from make bench-api's "unknown path" scenario (serve's CPU per
request over HTTP) against "app, 404" here.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
import psycopg
import uvloop

from discogsography.api import release_answer
from discogsography.api.answer_links import Links


def cpu_per_call(calls: int, rounds: int, run: Callable[[], Awaitable[None]]) -> float:
    """The best over ``rounds`` of CPU µs per call of ``run`` (which makes ``calls`` calls)."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        asyncio.get_event_loop().run_until_complete(run())
        best = min(best, time.process_time() - started)
    return best / calls * 1e6


def request_scope(path: str, app: Any) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1")],
        "http_version": "1.1",
        "scheme": "http",
        "server": ("127.0.0.1", 8080),
        "client": ("127.0.0.1", 1),
        "root_path": "",
        "app": app,
    }


def main() -> int:
    options = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    options.add_argument("--database", default="bench_api_r1000000")
    options.add_argument("--lookups", type=int, default=4000)
    options.add_argument("--rounds", type=int, default=5)
    args = options.parse_args()
    dsn = f"postgresql://postgres@127.0.0.1:5432/{args.database}"
    os.environ.update({"DATABASE_URL": dsn, "LOG_LEVEL": "INFO"})
    sys.stderr = Path(os.devnull).open("w")  # noqa: SIM115 - the request log's lines go nowhere here
    with psycopg.connect(dsn) as conn:
        ids = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM releases TABLESAMPLE SYSTEM (1) LIMIT %s", (args.lookups,)
            )
        ]
    random.Random(1).shuffle(ids)
    n = len(ids)
    asyncio.set_event_loop(uvloop.new_event_loop())
    loop = asyncio.get_event_loop()

    from discogsography.api.api_app import app_from_environment

    app = app_from_environment()
    starlette = app.app
    store = starlette.state.api.store
    loop.run_until_complete(store.open())
    loop.run_until_complete(store.pool.wait())
    records: list[dict[str, Any]] = []

    async def query() -> None:
        records.clear()
        for release_id in ids:
            stored = await store.release(release_id)
            assert stored is not None
            records.append(stored.data)

    async def query_text() -> None:
        async with store.pool.connection() as conn:
            for release_id in ids:
                cursor = await conn.execute(
                    "SELECT data::text, hash, updated_at FROM releases WHERE id = %s",
                    (release_id,),
                    prepare=True,
                )
                await cursor.fetchone()

    links = Links("http://127.0.0.1:8080")

    async def answer() -> None:
        for record in records:
            release_answer.release(record, links)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    statuses: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    def calling(paths: list[str]) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            for path in paths:
                await app(request_scope(path, app), receive, send)

        return run

    parts = {
        "query": cpu_per_call(n, args.rounds, query),
        "query, text": cpu_per_call(n, args.rounds, query_text),
        "answer": cpu_per_call(n, args.rounds, answer),
        "app": cpu_per_call(n, args.rounds, calling([f"/releases/{i}" for i in ids])),
        "app, 404": cpu_per_call(n, args.rounds, calling(["/nothing"] * n)),
    }
    if set(statuses) != {200, 404}:
        raise SystemExit(f"unexpected statuses {sorted(set(statuses))}")
    loop.run_until_complete(store.close())
    body = orjson.loads(orjson.dumps(records[0]))
    sizes = sum(len(orjson.dumps(record)) for record in records) / len(records)
    print(f"{n:,} releases of {args.database}, mean record {sizes:,.0f} bytes as JSON ({body['id']} first)")
    print("| part | CPU µs per call |\n|---|---|")
    for name, micros in parts.items():
        print(f"| {name} | {micros:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
