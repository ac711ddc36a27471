"""Fixtures of the cache tests: real samples, library.db files, and a throwaway PostgreSQL database."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import psycopg
import pymysql
import pytest
from psycopg import sql

from discogsography.runtime.redact import redact_url
from tests.cache.cache_testdata import LIBRARY_PAIRS, make_library_db
from tests.servers import server_unavailable

# The test server: trust auth as postgres on the local machine unless told otherwise.
PG_ADMIN_URL = os.environ.get("CACHE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def with_dbname(url: str, name: str) -> str:
    return psycopg.conninfo.make_conninfo(url, dbname=name)


@pytest.fixture
def pg_factory() -> Iterator[Callable[[], str]]:
    """Creates uniquely named databases (dgtest_cache_<random>) and drops them all afterwards."""
    created: list[str] = []
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True)
    except psycopg.OperationalError as exc:
        server_unavailable(f"PostgreSQL at {redact_url(PG_ADMIN_URL)}", exc)

    def create() -> str:
        name = f"dgtest_cache_{secrets.token_hex(5)}"
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created.append(name)
        return with_dbname(PG_ADMIN_URL, name)

    def fresh_name() -> str:
        name = f"dgtest_cache_{secrets.token_hex(5)}"
        created.append(name)
        return with_dbname(PG_ADMIN_URL, name)

    create.fresh_name = fresh_name  # type: ignore[attr-defined]
    try:
        yield create
    finally:
        for name in created:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()


@pytest.fixture
def pg_url(pg_factory: Callable[[], str]) -> str:
    return pg_factory()


MYSQL_HOST = os.environ.get("CACHE_TEST_MYSQL_HOST", "127.0.0.1")
MYSQL_PORT = int(os.environ.get("CACHE_TEST_MYSQL_PORT", "3306"))

# The station's catalog tables (the columns enrich and library-labels read, with the keys that
# relate them), as MySQL holds them: every column nullable, as the real catalog allows.
CATALOG_DDL = [
    "CREATE TABLE LIBRARY_CODE (ID INT PRIMARY KEY, PRESENTATION_NAME VARCHAR(255) NULL)"
    " CHARACTER SET utf8mb4",
    "CREATE TABLE LIBRARY_RELEASE (ID INT PRIMARY KEY, LIBRARY_CODE_ID INT NULL, TITLE VARCHAR(255) NULL,"
    " ALTERNATE_ARTIST_NAME VARCHAR(255) NULL) CHARACTER SET utf8mb4",
    "CREATE TABLE LIBRARY_CODE_CROSS_REFERENCE (ID INT AUTO_INCREMENT PRIMARY KEY,"
    " CROSS_REFERENCING_ARTIST_ID INT NULL, CROSS_REFERENCED_LIBRARY_CODE_ID INT NULL)",
    "CREATE TABLE RELEASE_CROSS_REFERENCE (ID INT AUTO_INCREMENT PRIMARY KEY,"
    " CROSS_REFERENCING_ARTIST_ID INT NULL, CROSS_REFERENCED_RELEASE_ID INT NULL)",
    "CREATE TABLE FLOWSHEET_ENTRY_PROD (ID INT AUTO_INCREMENT PRIMARY KEY, LIBRARY_RELEASE_ID INT NULL,"
    " LABEL_NAME VARCHAR(255) NULL) CHARACTER SET utf8mb4",
]


# MySQL's "access denied" (1044, 1045) and "unknown database" (1049): the server refused.
_MYSQL_REFUSALS = (1044, 1045, 1049)


def mysql_unavailable(what: str, exc: pymysql.MySQLError) -> NoReturn:
    if exc.args and exc.args[0] in _MYSQL_REFUSALS:
        pytest.fail(f"{what}: {exc.args[-1]} (the server refused: fix the test settings)")
    server_unavailable(what, exc)


@pytest.fixture
def mysql_catalog() -> Iterator[Callable[[list[str]], str]]:
    """Creates catalog databases (dgtest_cache_<random>) on the MariaDB server, filled by the given
    INSERT statements; drops them afterwards."""
    try:
        admin = pymysql.connect(host=MYSQL_HOST, port=MYSQL_PORT, user="root", password="", autocommit=True)
    except pymysql.MySQLError as exc:
        mysql_unavailable(f"MariaDB at {MYSQL_HOST}:{MYSQL_PORT}", exc)
    created: list[str] = []

    def create(inserts: list[str]) -> str:
        name = f"dgtest_cache_{secrets.token_hex(5)}"
        with admin.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
            created.append(name)
            cur.execute(f"USE `{name}`")
            for statement in [*CATALOG_DDL, *inserts]:
                cur.execute(statement)
        return f"mysql://root@{MYSQL_HOST}:{MYSQL_PORT}/{name}"

    try:
        yield create
    finally:
        with admin.cursor() as cur:
            for name in created:
                cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


@pytest.fixture
def library_db(tmp_path: Path) -> Path:
    return make_library_db(tmp_path / "library.db", LIBRARY_PAIRS)
