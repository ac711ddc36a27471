"""Property tests are derandomized under CI and explore elsewhere (the profile of tests/conftest.py)."""

from __future__ import annotations

from hypothesis import settings

from tests.support.ci import under_ci


def test_the_profile_follows_ci() -> None:
    current = settings()  # the loaded profile's values
    assert current.derandomize is under_ci()
    if under_ci():
        assert current.database is None
        assert current.deadline is None
