"""Fixtures of the cache tests: real samples, library.db files, and a throwaway PostgreSQL database."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

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


@pytest.fixture
def library_db(tmp_path: Path) -> Path:
    return make_library_db(tmp_path / "library.db", LIBRARY_PAIRS)
