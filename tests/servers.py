"""What a test does when a server it needs does not answer: never a skip that hides a failure.

A refusal (a wrong password, an unknown role or database: ``failures.is_permanent``) is a failure
everywhere: the server is there and the test setup is wrong. A server that is not there is a
failure under CI=true (CI provides every server) and a skip elsewhere (a laptop without one).
"""

from __future__ import annotations

from typing import NoReturn

import pytest

from discogsography.runtime.failures import is_permanent, summary
from tests.support.ci import under_ci


def server_unavailable(what: str, exc: BaseException) -> NoReturn:
    reason = f"{what}: {summary(exc)}"
    if is_permanent(exc):
        pytest.fail(f"{reason} (the server refused: fix the test settings)")
    if under_ci():
        pytest.fail(f"{reason} (CI=true: every server must be there)")
    pytest.skip(reason)
