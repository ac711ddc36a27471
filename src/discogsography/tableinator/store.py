"""Messages into PostgreSQL for one kind: rows built, one batch written, bad messages isolated.

The unit the broker knows is the message (one record or a batch envelope), so this is where a
failing batch is taken apart: records whose rows cannot be built, then messages the database
refuses for their data, are reported by index with the reason, and every other message is
stored. Outages (see ``is_transient``) are raised as DatabaseUnavailable, with nothing committed,
for the caller to retry. Blocking: the consumer runs it in a worker thread.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg

from discogsography.errors import DiscogsographyError
from discogsography.kinds import Kind
from discogsography.tableinator.rows import RecordRows, RowError, build_rows
from discogsography.tableinator.writer import KindWriter, WriteResult, is_transient

Connect = Callable[[], psycopg.Connection[Any]]


class DatabaseUnavailable(DiscogsographyError):
    """PostgreSQL cannot be reached or refuses for now; nothing of the batch was committed."""


@dataclass(slots=True)
class StoreOutcome:
    records: int = 0  # distinct ids stored by the batch
    changed: int = 0  # rows inserted or updated
    failed: dict[int, str] = field(default_factory=dict)  # message index -> reason

    def add(self, result: WriteResult) -> None:
        self.records += result.records
        self.changed += result.changed


class KindStore:
    """One kind's connection and writer; reconnects after an outage."""

    def __init__(self, kind: Kind, connect: Connect) -> None:
        self.kind = kind
        self._connect = connect
        self._writer: KindWriter | None = None

    def store(self, messages: Sequence[Sequence[dict[str, Any]]]) -> StoreOutcome:
        """Store the records of these messages in one transaction when possible."""
        outcome = StoreOutcome()
        built: list[tuple[int, list[RecordRows]]] = []
        for index, records in enumerate(messages):
            try:
                built.append((index, [build_rows(self.kind, record) for record in records]))
            except RowError as exc:
                outcome.failed[index] = str(exc)
        if not built:
            return outcome
        try:
            outcome.add(self._write([row for _, rows in built for row in rows]))
            return outcome
        except psycopg.Error as exc:
            if len(built) == 1:
                outcome.failed[built[0][0]] = _reason(exc)
                return outcome
        # The batch was refused for its data: find the messages at fault, one transaction each.
        for index, rows in built:
            try:
                outcome.add(self._write(rows))
            except psycopg.Error as exc:
                outcome.failed[index] = _reason(exc)
        return outcome

    def _write(self, rows: list[RecordRows]) -> WriteResult:
        try:
            if self._writer is None:
                self._writer = KindWriter(self._connect(), self.kind)
            return self._writer.write(rows)
        except psycopg.Error as exc:
            if not is_transient(exc):
                raise
            self.close()
            raise DatabaseUnavailable(_reason(exc)) from exc

    def close(self) -> None:
        if self._writer is not None:
            with contextlib.suppress(psycopg.Error):
                self._writer.conn.close()
            self._writer = None


def _reason(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()
    sqlstate = getattr(exc, "sqlstate", None)
    head = message[0] if message else type(exc).__name__
    return f"{head} (SQLSTATE {sqlstate})" if sqlstate else head
