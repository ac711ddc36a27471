"""Fixtures: the real samples, a throwaway PostgreSQL database and RabbitMQ prefix per run."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aio_pika
import psycopg
import pytest

from discogsography.amqp.topology import Topology, declare
from discogsography.kinds import Kind
from discogsography.parsing import DumpParser, ParsedRecord
from discogsography.relational.migrations import ensure_schema
from discogsography.relational.tables import DDL_TABLES
from discogsography.runtime.redact import redact_url
from tests.servers import server_unavailable
from tests.tableinator.tableinator_helpers import AMQP_URL, PG_ADDRESS, PG_USER

REPO = Path(__file__).resolve().parents[2]
SAMPLES_2020 = REPO / "samples" / "discogs_20200806"
SAMPLES_2025 = REPO / "samples" / "discogs_2025_2026"


def _parse_all(folder: Path) -> dict[Kind, list[ParsedRecord]]:
    found: dict[Kind, list[ParsedRecord]] = {}
    for path in sorted(folder.glob("*.xml.gz")):
        parser = DumpParser(path)
        found[parser.kind] = list(parser)
    return found


@pytest.fixture(scope="session")
def samples_2020() -> dict[Kind, list[ParsedRecord]]:
    return _parse_all(SAMPLES_2020)


@pytest.fixture(scope="session")
def samples_2025() -> dict[Kind, list[ParsedRecord]]:
    return _parse_all(SAMPLES_2025)


@pytest.fixture(scope="session")
def all_samples(
    samples_2020: dict[Kind, list[ParsedRecord]], samples_2025: dict[Kind, list[ParsedRecord]]
) -> dict[Kind, list[ParsedRecord]]:
    """Both sample sets; where an id is in both, the 2025/2026 version comes last."""
    return {kind: samples_2020.get(kind, []) + samples_2025.get(kind, []) for kind in Kind}


def admin_conninfo(dbname: str = "postgres") -> str:
    host, _, port = PG_ADDRESS.rpartition(":")
    return psycopg.conninfo.make_conninfo(host=host, port=port, user=PG_USER, dbname=dbname)


def create_database(prefix: str = "dgtest_tbl_") -> str:
    name = prefix + secrets.token_hex(4)
    with psycopg.connect(admin_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(name: str) -> None:
    with psycopg.connect(admin_conninfo(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh database with the schema, dropped at the end of the run."""
    try:
        name = create_database()
    except psycopg.OperationalError as exc:
        server_unavailable(f"PostgreSQL at {PG_ADDRESS}", exc)
    try:
        with psycopg.connect(admin_conninfo(name)) as conn:
            ensure_schema(conn)
        yield name
    finally:
        drop_database(name)


ALL_TABLES = tuple(DDL_TABLES)  # every table of ddl.sql


@pytest.fixture
def db(pg_database: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """An autocommit connection to the run's database, every table emptied first."""
    with psycopg.connect(admin_conninfo(pg_database), autocommit=True) as conn:
        conn.execute("TRUNCATE " + ", ".join(ALL_TABLES))
        yield conn


@pytest.fixture
def queue_prefix() -> str:
    return f"dgtest-tbl-{secrets.token_hex(4)}-"


@pytest.fixture
def pg_conninfo(pg_database: str) -> str:
    return admin_conninfo(pg_database)


# --- RabbitMQ and the running service ---------------------------------------------------------


@pytest.fixture
async def broker(queue_prefix: str) -> AsyncIterator[tuple[Any, Topology]]:
    """A channel with the run's topology declared; its queues and exchanges deleted afterwards."""
    try:
        connection = await aio_pika.connect(AMQP_URL, timeout=5)
    except (OSError, aio_pika.exceptions.AMQPError) as exc:
        server_unavailable(f"RabbitMQ at {redact_url(AMQP_URL)}", exc)
    topology = Topology(queue_prefix)
    channel = await connection.channel(publisher_confirms=True)
    await declare(channel, topology)
    try:
        yield channel, topology
    finally:
        cleanup = await connection.channel()
        for kind in Kind:
            for name in (topology.queue(kind), topology.dead_letter_queue(kind)):
                with contextlib.suppress(Exception):
                    await cleanup.queue_delete(name)
        for name in (topology.exchange, topology.dead_letter_exchange):
            with contextlib.suppress(Exception):
                await cleanup.exchange_delete(name)
        await connection.close()
