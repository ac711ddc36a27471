"""`discogsography tableinator` (the service) and `discogsography db init` (the schema)."""

from __future__ import annotations

import click
import psycopg

from discogsography.config.tableinator_settings import load_settings
from discogsography.errors import DiscogsographyError
from discogsography.runtime.failures import summary
from discogsography.runtime.logs import configure_logging


@click.command()
@click.option(
    "--log-level", default=None, help="DEBUG, INFO, WARNING or ERROR (default: LOG_LEVEL, else INFO)."
)
def tableinator(log_level: str | None) -> None:
    """Consume the four queues into PostgreSQL tables (configured by environment variables)."""
    from discogsography.tableinator.tableinator_service import run_service

    settings = load_settings(**({"log_level": log_level} if log_level else {}))
    configure_logging("tableinator", settings.log_level)
    run_service(settings)


@click.group()
def db() -> None:
    """The PostgreSQL schema of the tableinator."""


@db.command("init")
def init() -> None:
    """Create or migrate the tables and indexes (idempotent; the service does it at start too)."""
    from discogsography.relational.connect import connect
    from discogsography.relational.migrations import ensure_schema, schema_version

    settings = load_settings()
    try:
        with connect(settings.postgres_conninfo()) as conn:
            applied = ensure_schema(conn)
            version = schema_version(conn)
    except psycopg.Error as exc:
        raise DiscogsographyError(
            f"cannot initialise the schema on {settings.postgres_target()}: {summary(exc)}"
        ) from None
    applied_text = ", ".join(map(str, applied)) if applied else "none, already up to date"
    click.echo(f"✅ Schema at version {version} (migrations applied now: {applied_text})")
