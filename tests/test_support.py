"""The shared test helpers' own logic: what a test does when a server does not answer."""

from __future__ import annotations

import psycopg
import pytest

from tests.support.servers import unavailable

REFUSED = psycopg.OperationalError(
    'connection failed: connection to server at "127.0.0.1", port 1 failed: refused'
)
LOGIN = psycopg.OperationalError('connection failed: FATAL:  password authentication failed for user "x"')


@pytest.mark.parametrize("ci", ["true", "1"])
def test_under_ci_a_server_that_does_not_answer_fails(monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="PostgreSQL"):
        unavailable("PostgreSQL", REFUSED)


def test_off_ci_a_server_that_is_not_there_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        unavailable("PostgreSQL", REFUSED)
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        unavailable("PostgreSQL", REFUSED)


def test_a_refused_login_fails_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.fail.Exception, match="password authentication failed"):
        unavailable("PostgreSQL", LOGIN)
    with pytest.raises(pytest.fail.Exception):
        unavailable("MariaDB", RuntimeError("(1045, 'Access denied')"), permanent=True)
