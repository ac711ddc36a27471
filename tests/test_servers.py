"""A server that refuses fails the test everywhere; one that is not there fails it under CI (CI=true or
CI=1) and skips elsewhere."""

from __future__ import annotations

import aiormq.exceptions
import psycopg
import pytest

from tests.servers import server_unavailable
from tests.support.ci import under_ci

REFUSED_LOGIN = aiormq.exceptions.ProbableAuthenticationError("ACCESS_REFUSED - Login was refused")
NO_ROLE = psycopg.OperationalError('connection failed: FATAL:  role "nobody" does not exist')
NOT_THERE = psycopg.OperationalError("connection failed: port 5439 failed: Connection refused")


@pytest.mark.parametrize("ci", ["", "true"])
@pytest.mark.parametrize("exc", [REFUSED_LOGIN, NO_ROLE], ids=["access-refused", "no-role"])
def test_a_refusal_is_a_failure_with_or_without_ci(
    monkeypatch: pytest.MonkeyPatch, ci: str, exc: BaseException
) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="the server refused"):
        server_unavailable("the server", exc)


def test_a_server_not_there_fails_under_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        server_unavailable("PostgreSQL", NOT_THERE)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="Connection refused"):
        server_unavailable("PostgreSQL", NOT_THERE)


@pytest.mark.parametrize(
    ("value", "is_ci"),
    [
        ("true", True),
        ("1", True),
        ("TRUE", True),
        ("false", False),
        ("0", False),
        ("", False),
        ("yes", False),
    ],
)
def test_only_true_or_1_is_ci(monkeypatch: pytest.MonkeyPatch, value: str, is_ci: bool) -> None:
    monkeypatch.setenv("CI", value)
    assert under_ci() is is_ci
    expected = pytest.fail.Exception if is_ci else pytest.skip.Exception
    with pytest.raises(expected, match="Connection refused"):
        server_unavailable("PostgreSQL", NOT_THERE)
