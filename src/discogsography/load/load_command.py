"""`discogsography load PATH...`: dump files into PostgreSQL, the tableinator's schema, no broker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import psycopg

from discogsography.bulk.inputs import find_dump_files
from discogsography.bulk.runs import each_dump, report_skip
from discogsography.cli.shared_options import parser_options
from discogsography.config.tableinator_settings import load_settings
from discogsography.errors import DiscogsographyError
from discogsography.load.load_run import FileOutcome, LoadOptions, load_file
from discogsography.relational.connect import connect as connect_to_postgres
from discogsography.runtime.failures import summary
from discogsography.runtime.logs import configure_command_logging
from discogsography.runtime.redact import redact_text


def _conninfo(dsn: str | None) -> tuple[str, str]:
    """The connection string and how a message names the server (no password in it)."""
    if dsn:
        return dsn, redact_text(dsn)
    settings = load_settings()
    return settings.postgres_conninfo(), settings.postgres_target()


def _connector(conninfo: str, where: str) -> Any:
    def connect() -> psycopg.Connection[Any]:
        try:
            return connect_to_postgres(conninfo)
        except psycopg.Error as exc:
            raise DiscogsographyError(f"PostgreSQL at {where}: {summary(exc)}") from None

    return connect


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--from-source",
    is_flag=True,
    help="The newest version at the extractor's DISCOGS_SOURCE, downloaded and verified into DISCOGS_ROOT.",
)
@click.option(
    "--dsn",
    default=None,
    help="PostgreSQL conninfo or URL (default: the tableinator's POSTGRES_* variables).",
)
@click.option("--workers", "-w", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option(
    "--fast/--no-fast",
    default=False,
    show_default=True,
    help="Into empty tables: keys and indexes built after the data (no crash safety while loading).",
)
@parser_options
def load(
    paths: tuple[Path, ...],
    from_source: bool,
    dsn: str | None,
    workers: int,
    batch_size: int,
    fast: bool,
    max_consecutive_failures: int,
    max_skipped_share: float,
    progress: bool | None,
) -> None:
    """Load dump files (or the newest version in a directory) into PostgreSQL.

    Same tables, rows and link tables as the tableinator. Resumable per file, idempotent by
    hash; a newer version loaded over an older one removes the ids it no longer has.
    """
    configure_command_logging("load")
    if from_source == bool(paths):
        raise click.UsageError("give dump files or directories, or --from-source")
    conninfo, where = _conninfo(dsn)
    # Before any download or parse: a wrong DSN, role or database costs seconds.
    _connector(conninfo, where)().close()
    if from_source:
        from discogsography.load.from_source import source_files  # the extractor's code, only when used

        paths = tuple(source_files())
    dumps = find_dump_files(paths)
    options = LoadOptions(
        _connector(conninfo, where), workers, batch_size, fast, max_consecutive_failures, max_skipped_share
    )
    for dump, pool, advance in each_dump(dumps, workers=workers, progress=progress, verb="loading"):
        options.pool = pool
        try:
            outcome = load_file(dump, options, report_skip, advance)
        except psycopg.Error as exc:
            raise DiscogsographyError(f"{dump.path.name}: PostgreSQL: {summary(exc)}") from None
        _summary(outcome)


def _summary(outcome: FileOutcome) -> None:
    name, kind = outcome.dump.path.name, outcome.dump.kind.value
    if outcome.action == "already loaded":
        click.echo(f"{name}: {kind}: already loaded, skipped", err=True)
        return
    rate = outcome.records / outcome.seconds if outcome.seconds else 0.0
    click.echo(
        f"{name}: {kind}: {outcome.action} ({outcome.path} path), "
        f"{outcome.records:,} records, {outcome.changed:,} written, {outcome.removed:,} removed, "
        f"{outcome.skipped} skipped, {outcome.seconds:.2f} s, {rate:,.0f} records/s",
        err=True,
    )
