"""One whole run of the main job, the processes and the waiting behind `discogsography pipeline`.

Checks PostgreSQL and RabbitMQ first, starts the tableinator, runs one extractor cycle, waits
until the tableinator has committed every file the extractor published (completion_wait.py: a
version already published and held is not waited for), stops it, and reads what the tables
hold. Both services run as their own processes, configured by the same environment variables as
in production (and the level this process logs at); this module only orchestrates them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg import sql

from discogsography.amqp.broker_check import check_broker_now
from discogsography.config.tableinator_settings import TableinatorSettings
from discogsography.errors import DiscogsographyError
from discogsography.kinds import Kind
from discogsography.pipeline.completion_wait import (
    ExtractorRun,
    KindState,
    activity,
    kind_state,
    read_extractor_run,
    stuck_message,
)
from discogsography.pipeline.stored_progress import Update, run_progress
from discogsography.relational.connect import check as check_database
from discogsography.relational.connect import connect, create_database_if_missing
from discogsography.relational.tables import LINK_TABLES, RECORD_TABLES
from discogsography.runtime.failures import summary
from discogsography.runtime.logs import get_logger, relay_lines

log = get_logger(__name__)

# A kind the tableinator has stored, and how many of its records: one line on a terminal.
Stored = Callable[[Kind, int], None]


@dataclass(frozen=True, slots=True)
class RunOptions:
    timeout: float  # seconds to wait for the tableinator after the extractor finished
    extractor_health_port: int
    tableinator_health_port: int
    log_level: str  # the services log at this process's level
    on_terminal: bool  # the services' lines relayed through this process, bars and one line a file


@dataclass(frozen=True, slots=True)
class RunResult:
    run: ExtractorRun
    states: dict[Kind, KindState]
    seconds: float
    counts: dict[str, int]  # rows per table once the tableinator stopped


def run_pipeline(
    settings: TableinatorSettings, root: Path, options: RunOptions, on_stored: Stored
) -> RunResult:
    """Preflight, the tableinator, one extractor cycle, the wait; every failure one DiscogsographyError."""
    _preflight(settings)
    base_env = {**os.environ, "LOG_LEVEL": options.log_level}
    tableinator_port = _health_port("tableinator", options.tableinator_health_port)
    extractor_port = _health_port("extractor", options.extractor_health_port)
    command = [sys.executable, "-m", "discogsography"]
    # On a terminal the services' lines come through this process, the one writer to it.
    relayed = subprocess.PIPE if options.on_terminal else None
    started, since = time.monotonic(), datetime.now(UTC)
    tableinator = subprocess.Popen(
        [*command, "tableinator"],
        env={**base_env, "HEALTH_CHECK_PORT": str(tableinator_port)},
        stderr=relayed,
    )
    relay = relay_lines(tableinator.stderr) if tableinator.stderr is not None else None
    showing = options.on_terminal  # one bar per kind, records stored of read
    try:
        with run_progress(showing) as show:
            extractor = subprocess.Popen(
                [*command, "extractor", "--once"],
                env={**base_env, "HEALTH_CHECK_PORT": str(extractor_port)},
                stderr=relayed,
            )
            extractor_relay = relay_lines(extractor.stderr) if extractor.stderr is not None else None
            while extractor.poll() is None:
                if showing:
                    show(_health(extractor_port), _health(tableinator_port))
                time.sleep(0.5)
            if extractor_relay is not None:
                extractor_relay.join(timeout=10)  # its last lines
            if extractor.returncode != 0:
                raise DiscogsographyError(f"the extractor failed (exit status {extractor.returncode})")
            run = read_extractor_run(root, since)
            if run is None:
                raise DiscogsographyError(f"the extractor left no state marker in {root}")
            states = _wait(
                tableinator,
                tableinator_port,
                settings,
                run,
                options.timeout,
                show,
                on_stored if showing else lambda kind, records: None,
            )
        seconds = time.monotonic() - started
    finally:
        status = _stop(tableinator)
        if relay is not None:
            relay.join(timeout=10)  # its last lines before the summary
    if status != 0:
        raise DiscogsographyError(f"the tableinator exited with status {status}")
    return RunResult(run, states, seconds, _table_counts(settings))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _health_port(service: str, wanted: int) -> int:
    """The port asked for when it is free (so the dashboard finds the service), else any free one."""
    if wanted:
        with socket.socket() as probe:
            try:
                probe.bind(("0.0.0.0", wanted))  # noqa: S104 - the services bind all interfaces
            except OSError:
                log.warning("⚠️ Health port in use, taking a free one", service=service, port=wanted)
            else:
                return wanted
    return _free_port()


def _preflight(settings: TableinatorSettings) -> None:
    """Before anything downloads or parses: PostgreSQL lets us in and so does RabbitMQ; only then
    is the database created when missing. A wrong URL, password, role or vhost costs seconds."""
    conninfo = settings.postgres_conninfo()
    try:
        check_database(conninfo, missing_ok=True)
        check_broker_now(settings.amqp_url)
        if create_database_if_missing(conninfo):
            log.info("🆕 Created the database", database=settings.postgres_dbname)
    except psycopg.Error as exc:
        raise DiscogsographyError(f"PostgreSQL at {settings.postgres_target()}: {summary(exc)}") from None


def _health(port: int) -> dict[str, Any] | None:
    try:
        body: dict[str, Any] = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).json()
    except (httpx.HTTPError, ValueError):
        return None
    return body


def _held_versions(settings: TableinatorSettings) -> dict[Kind, str | None]:
    """The dump version the tables hold per kind (none before the tableinator made its schema)."""
    try:
        with connect(settings.postgres_conninfo()) as conn:
            rows = conn.execute("SELECT kind, version FROM dump_versions").fetchall()
    except psycopg.errors.UndefinedTable:
        return dict.fromkeys(Kind)
    found = {str(kind): str(version) for kind, version in rows}
    return {kind: found.get(kind.value) for kind in Kind}


def _table_counts(settings: TableinatorSettings) -> dict[str, int]:
    counts: dict[str, int] = {}
    with connect(settings.postgres_conninfo()) as conn:
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


def _wait(
    tableinator: subprocess.Popen[bytes],
    port: int,
    settings: TableinatorSettings,
    run: ExtractorRun,
    timeout: float,
    show: Update,
    on_stored: Stored,
) -> dict[Kind, KindState]:
    """Poll until every kind is stored or held; a stuck kind or the deadline is an error."""
    deadline = time.monotonic() + timeout
    last_seen: dict[Kind, tuple[Any, float]] = {}
    announced: set[Kind] = set()
    while True:
        if tableinator.poll() is not None:
            raise DiscogsographyError(f"the tableinator stopped (exit status {tableinator.returncode})")
        health = _health(port)
        show(None, health)
        stored = set(health.get("completed_kinds", [])) if health is not None else set()
        held = _held_versions(settings) if health is not None else dict.fromkeys(Kind)
        now = time.monotonic()
        states: dict[Kind, KindState] = {}
        for kind in Kind:
            seen = activity(health, kind)
            if health is None or kind not in last_seen or last_seen[kind][0] != seen:
                last_seen[kind] = (seen, now)
            quiet_for = now - last_seen[kind][1]
            states[kind] = kind_state(kind, run, stored=stored, held_version=held[kind], quiet_for=quiet_for)
        for kind, state in states.items():
            if state is KindState.STORED and kind not in announced:
                announced.add(kind)
                on_stored(kind, _stored_records(health, kind))
        stuck = [kind for kind, state in states.items() if state is KindState.STUCK]
        if stuck:
            raise DiscogsographyError(stuck_message(stuck, run, held))
        if all(state in (KindState.STORED, KindState.HELD) for state in states.values()):
            return states
        if now > deadline:
            raise DiscogsographyError(f"the tableinator did not store every file within {timeout:.0f} s")
        time.sleep(0.5)


def _stored_records(health: dict[str, Any] | None, kind: Kind) -> int:
    return int(((health or {}).get("counts") or {}).get(kind.value, {}).get("records", 0) or 0)
