"""PostgreSQL as every command reaches it: the one way to open a connection (with the connect
timeout), the check before long work, and the database made if missing.

All raise psycopg's own errors; callers name the server in their one line (``failures.summary``).
"""

from __future__ import annotations

import re

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import TupleRow

from discogsography.errors import DiscogsographyError

CONNECT_TIMEOUT = 10
# libpq's words for it at connection time (no SQLSTATE is given then).
_MISSING_DATABASE = re.compile(r'database "[^"]*" does not exist')


def database_name(conninfo: str) -> str:
    """The database a conninfo or URL names ('' when it names none)."""
    return str(conninfo_to_dict(conninfo).get("dbname") or "")


def check(conninfo: str, *, missing_ok: bool = False) -> None:
    """Connect once and close: the server answers and lets us in (before any long step).

    With ``missing_ok`` a database that does not exist yet is fine when the server's `postgres`
    database accepts us instead (the command creates it); the first error is raised otherwise.
    """
    try:
        connect(conninfo).close()
    except psycopg.OperationalError as first:
        if not (missing_ok and _is_missing_database(first)):
            raise
        try:
            connect(make_conninfo(conninfo, dbname="postgres")).close()
        except psycopg.Error:
            raise first from None


def create_database_if_missing(conninfo: str) -> bool:
    """Create the database ``conninfo`` names (through the server's `postgres` database); True if created."""
    name = database_name(conninfo)
    if not name:
        raise DiscogsographyError("no database name in the PostgreSQL settings")
    admin = make_conninfo(conninfo, dbname="postgres")
    with connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return False
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.errors.DuplicateDatabase:
            return False  # created by someone else meanwhile
        return True


def connect(conninfo: str, *, autocommit: bool = False) -> psycopg.Connection[TupleRow]:
    """A connection that gives up after CONNECT_TIMEOUT seconds when the server does not answer."""
    return psycopg.connect(conninfo, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT)


async def connect_async(
    conninfo: str, *, autocommit: bool = False, timeout: int = CONNECT_TIMEOUT
) -> psycopg.AsyncConnection[TupleRow]:
    """``connect`` for asyncio (the dashboard waits less than a command does: ``timeout``)."""
    return await psycopg.AsyncConnection.connect(conninfo, autocommit=autocommit, connect_timeout=timeout)


def _is_missing_database(exc: psycopg.Error) -> bool:
    return exc.sqlstate == "3D000" or _MISSING_DATABASE.search(str(exc)) is not None
