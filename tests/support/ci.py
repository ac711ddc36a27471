"""Whether the tests run under CI: ``CI=true`` or ``CI=1``, and nothing else (``CI=false`` is not CI).

Under CI every server and tool a test needs must be there, so a missing one fails the test
instead of skipping it; property tests run a fixed set of examples (tests/conftest.py).
"""

from __future__ import annotations

import os

CI_VALUES = frozenset({"true", "1"})


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in CI_VALUES
