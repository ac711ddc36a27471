"""`discogsography pipeline`: one whole run, extractor -> RabbitMQ -> tableinator -> PostgreSQL.

Starts the tableinator, runs one extractor cycle, waits until the tableinator has committed every
file the extractor completed, stops it, and prints what the tables hold. Both services run as
their own processes, configured by the same environment variables as in production; this command
only orchestrates them. It is the README's quick start and a smoke test for a deployment.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import click
import httpx
import psycopg
from psycopg import sql

from discogsography.errors import DiscogsographyError
from discogsography.kinds import Kind
from discogsography.tableinator.settings import load_settings
from discogsography.tableinator.tables import LINK_TABLES, RECORD_TABLES


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _ensure_database() -> None:
    """Create the tableinator's database when it does not exist yet."""
    settings = load_settings()
    try:
        with psycopg.connect(
            settings.postgres_conninfo("postgres"), autocommit=True, connect_timeout=10
        ) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (settings.postgres_dbname,)
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(settings.postgres_dbname)))
                click.echo(f"created database {settings.postgres_dbname}", err=True)
    except psycopg.Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise DiscogsographyError(f"PostgreSQL at {settings.postgres_target()}: {first}") from None


def _health(port: int) -> dict[str, Any] | None:
    try:
        body: dict[str, Any] = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).json()
    except (httpx.HTTPError, ValueError):
        return None
    return body


def _table_counts() -> dict[str, int]:
    settings = load_settings()
    counts: dict[str, int] = {}
    with psycopg.connect(settings.postgres_conninfo(), connect_timeout=10) as conn:
        for table in RECORD_TABLES + LINK_TABLES:
            row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
            counts[table] = int(row[0]) if row else 0
    return counts


def _stop(process: subprocess.Popen[bytes], timeout: float = 60) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return int(process.returncode)


@click.command()
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=1800,
    show_default=True,
    help="Seconds to wait for the tableinator after the extractor finished.",
)
def pipeline(timeout: float) -> None:
    """Run the extractor once and the tableinator until every published file is stored.

    Uses the services' own settings (environment and .env: DISCOGS_SOURCE, DISCOGS_ROOT,
    AMQP_CONNECTION, DATABASE_URL or POSTGRES_*, docs/configuration.md); health ports are chosen
    free ones.
    """
    _ensure_database()
    base_env = dict(os.environ)
    tableinator_port, extractor_port = _free_port(), _free_port()
    command = [sys.executable, "-m", "discogsography"]
    started = time.monotonic()
    tableinator = subprocess.Popen(
        [*command, "tableinator"], env={**base_env, "HEALTH_CHECK_PORT": str(tableinator_port)}
    )
    try:
        extractor = subprocess.run(
            [*command, "extractor", "--once"],
            env={**base_env, "HEALTH_CHECK_PORT": str(extractor_port)},
            check=False,
        )
        if extractor.returncode != 0:
            raise DiscogsographyError(f"the extractor failed (exit status {extractor.returncode})")
        deadline = time.monotonic() + timeout
        while True:
            if tableinator.poll() is not None:
                raise DiscogsographyError(f"the tableinator stopped (exit status {tableinator.returncode})")
            health = _health(tableinator_port)
            if health is not None and set(health.get("completed_kinds", [])) >= {k.value for k in Kind}:
                break
            if time.monotonic() > deadline:
                raise DiscogsographyError(f"the tableinator did not store every file within {timeout:.0f} s")
            time.sleep(0.5)
        seconds = time.monotonic() - started
    finally:
        status = _stop(tableinator)
    if status != 0:
        raise DiscogsographyError(f"the tableinator exited with status {status}")
    counts = _table_counts()
    click.echo(f"\nLoaded into PostgreSQL in {seconds:.1f} s:")
    for table in RECORD_TABLES + LINK_TABLES:
        click.echo(f"  {table:<16} {counts[table]:>10,} rows")
