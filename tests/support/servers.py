"""The servers tests talk to, described once.

``SHARED`` is the machine's PostgreSQL and RabbitMQ (TEST_POSTGRES_ADDRESS, TEST_POSTGRES_USERNAME
and TEST_AMQP_URL override the defaults); the fault suite describes its private servers with the
same class. Each test run uses a database and queue prefix of its own on them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from tests.servers import server_unavailable


@dataclass(frozen=True)
class Servers:
    postgres_address: str = "127.0.0.1:5432"
    postgres_user: str = "postgres"
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"

    @property
    def postgres_port(self) -> int:
        return int(self.postgres_address.rpartition(":")[2])

    def conninfo(self, dbname: str = "postgres") -> str:
        host, _, port = self.postgres_address.rpartition(":")
        return psycopg.conninfo.make_conninfo(host=host, port=port, user=self.postgres_user, dbname=dbname)

    def create_database(self, name: str) -> str:
        """Create database ``name``; returns its conninfo (a server that does not answer: see
        tests/servers.py)."""
        try:
            with psycopg.connect(self.conninfo(), autocommit=True) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.OperationalError as exc:
            server_unavailable(f"PostgreSQL at {self.postgres_address}", exc)
        return self.conninfo(name)

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def service_env(self, *, source: Path, root: Path, database: str, prefix: str) -> dict[str, str]:
        """The environment of an extractor, tableinator or pipeline subprocess on these servers:
        a dump folder as DISCOGS_SOURCE, its own DISCOGS_ROOT, database and queue prefix."""
        return {
            **os.environ,
            "DISCOGS_SOURCE": source.as_uri(),
            "DISCOGS_ROOT": str(root),
            "AMQP_CONNECTION": self.amqp_url,
            "AMQP_PREFIX": prefix,
            "POSTGRES_ADDRESS": self.postgres_address,
            "POSTGRES_USERNAME": self.postgres_user,
            "POSTGRES_DATABASE": database,
        }


SHARED = Servers(
    postgres_address=os.environ.get("TEST_POSTGRES_ADDRESS", "127.0.0.1:5432"),
    postgres_user=os.environ.get("TEST_POSTGRES_USERNAME", "postgres"),
    amqp_url=os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"),
)
PG_ADDRESS = SHARED.postgres_address
PG_USER = SHARED.postgres_user
AMQP_URL = SHARED.amqp_url
