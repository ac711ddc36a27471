"""Fixtures of the cache tests: real samples, library.db files, and a throwaway PostgreSQL database."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pymysql
import pytest
from psycopg import sql

from discogsography.cache.enrich import Catalog
from tests.cache.cache_testdata import LIBRARY_PAIRS, make_library_db

# The test server: trust auth as postgres on the local machine unless told otherwise.
PG_ADMIN_URL = os.environ.get("CACHE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def with_dbname(url: str, name: str) -> str:
    return psycopg.conninfo.make_conninfo(url, dbname=name)


def _unavailable(reason: str) -> None:
    # On CI a missing server is a failure; on a laptop without one, a skip.
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def pg_factory() -> Iterator[Callable[[], str]]:
    """Creates uniquely named databases (dgtest_cache_<random>) and drops them all afterwards."""
    created: list[str] = []
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True)
    except psycopg.OperationalError as exc:
        _unavailable(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}")
        raise

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

# The catalog tables as docs/cache.md defines them.
CATALOG_DDL = [
    "CREATE TABLE catalog_artist (id INT PRIMARY KEY, name VARCHAR(255) NOT NULL) CHARACTER SET utf8mb4",
    "CREATE TABLE catalog_artist_alternate_name (artist_id INT NOT NULL, name VARCHAR(255) NOT NULL)"
    " CHARACTER SET utf8mb4",
    "CREATE TABLE catalog_artist_cross_reference (artist_id INT NOT NULL, related_artist_id INT NOT NULL)",
]


@pytest.fixture
def mysql_catalog() -> Iterator[Callable[[Catalog], str]]:
    """Creates catalog databases (dgtest_cache_<random>) on the MariaDB server; drops them afterwards."""
    try:
        admin = pymysql.connect(host=MYSQL_HOST, port=MYSQL_PORT, user="root", password="", autocommit=True)
    except pymysql.MySQLError as exc:
        _unavailable(f"MariaDB not reachable at {MYSQL_HOST}:{MYSQL_PORT}: {exc}")
        raise
    created: list[str] = []

    def create(catalog: Catalog) -> str:
        name = f"dgtest_cache_{secrets.token_hex(5)}"
        with admin.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
            created.append(name)
            cur.execute(f"USE `{name}`")
            for statement in CATALOG_DDL:
                cur.execute(statement)
            cur.executemany("INSERT INTO catalog_artist VALUES (%s, %s)", list(catalog.artists.items()))
            cur.executemany(
                "INSERT INTO catalog_artist_alternate_name VALUES (%s, %s)", catalog.alternate_names
            )
            cur.executemany(
                "INSERT INTO catalog_artist_cross_reference VALUES (%s, %s)", catalog.cross_references
            )
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
