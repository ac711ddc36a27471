"""Messages' rows into PostgreSQL for one kind: one batch written, bad messages isolated.

The unit the broker knows is the message (one record or a batch envelope), so this is where a
failing batch is taken apart: messages the database refuses for their data are reported by
index with the reason, and every other message is stored. Outages (see ``is_transient``) are
raised as DatabaseUnavailable, with nothing committed, for the caller to retry; refusals that no
retry heals (``failures.is_permanent``) as PermanentFailure. Blocking: the consumer runs it in a
worker thread.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import psycopg

from discogsography.errors import DiscogsographyError
from discogsography.kinds import Kind
from discogsography.relational import table_versions
from discogsography.relational.copy_writer import Item, KindWriter, WriteResult, is_transient
from discogsography.runtime import metrics
from discogsography.runtime.failures import PermanentFailure, is_permanent, summary

Connect = Callable[[], psycopg.Connection[Any]]
_T = TypeVar("_T")


class DatabaseUnavailable(DiscogsographyError):
    """PostgreSQL cannot be reached or refuses for now; nothing of the batch was committed."""


@dataclass(slots=True)
class StoreOutcome:
    records: int = 0  # distinct ids stored by the batch
    changed: int = 0  # rows inserted or updated
    removed: int = 0  # rows deleted
    failed: dict[int, str] = field(default_factory=dict)  # message index -> reason

    def add(self, result: WriteResult) -> None:
        self.records += result.records
        self.changed += result.changed
        self.removed += result.removed


class KindStore:
    """One kind's connection and writer; reconnects after an outage."""

    def __init__(self, kind: Kind, connect: Connect, where: str = "PostgreSQL") -> None:
        self.kind = kind
        self._connect = connect
        self._where = where  # names the server in a PermanentFailure
        self._writer: KindWriter | None = None

    def store(self, messages: Sequence[Sequence[Item]]) -> StoreOutcome:
        """Store the rows of these messages in one transaction when possible."""
        outcome = StoreOutcome()
        built = [(index, rows) for index, rows in enumerate(messages) if rows]
        if not built:
            return outcome
        try:
            outcome.add(self._write([row for _, rows in built for row in rows]))
            return outcome
        except psycopg.Error as exc:
            if len(built) == 1:
                outcome.failed[built[0][0]] = _reason(exc)
                metrics.current().count_error("record_refused")
                return outcome
        # The batch was refused for its data: find the messages at fault, one transaction each.
        for index, rows in built:
            try:
                outcome.add(self._write(list(rows)))
            except psycopg.Error as exc:
                outcome.failed[index] = _reason(exc)
                metrics.current().count_error("record_refused")
        return outcome

    def version(self) -> str | None:
        """The dump version this kind's rows reflect (None: none recorded yet)."""
        return self._call(lambda writer: table_versions.read_version(writer.conn, self.kind))

    def set_version(self, version: str, mode: str) -> None:
        self._call(lambda writer: table_versions.record_version(writer.conn, self.kind, version, mode))

    def _write(self, rows: Sequence[Item]) -> WriteResult:
        return self._call(lambda writer: writer.write(rows))

    def _call(self, work: Callable[[KindWriter], _T]) -> _T:
        """Run ``work`` on the connection; outages become DatabaseUnavailable, after a close.

        A refusal no retry can heal (a login, a database gone, a permission) is a PermanentFailure;
        an error of the data itself is raised as it is, for ``store`` to isolate its message.
        """
        try:
            if self._writer is None:
                self._writer = KindWriter(self._connect(), self.kind)
            return work(self._writer)
        except psycopg.Error as exc:
            if is_permanent(exc) and not isinstance(exc, psycopg.DataError | psycopg.IntegrityError):
                self.close()
                raise PermanentFailure(f"{self._where}: {summary(exc)}") from None
            if not is_transient(exc):
                raise
            self.close()
            metrics.current().count_error("database_unavailable")
            raise DatabaseUnavailable(_reason(exc)) from exc

    def close(self) -> None:
        if self._writer is not None:
            with contextlib.suppress(psycopg.Error):
                self._writer.conn.close()
            self._writer = None


def _reason(exc: BaseException) -> str:
    sqlstate = getattr(exc, "sqlstate", None)
    return f"{summary(exc)} (SQLSTATE {sqlstate})" if sqlstate else summary(exc)
