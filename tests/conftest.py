"""Fixtures every test folder may use: where the bundled real samples are; the Hypothesis profile.

Under CI (tests/support/ci.py) property tests are derandomized: the same examples every run, no
example database and no time limits per example, so an outcome never depends on chance or on the
machine's load; a new failing case found locally is pinned with ``@example``. Elsewhere they
explore with Hypothesis' defaults.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.support.ci import under_ci

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
SAMPLES_2020 = SAMPLES / "discogs_20200806"
SAMPLES_2025 = SAMPLES / "discogs_2025_2026"
KINDS = ("artists", "labels", "masters", "releases")

# Hypothesis picks its own "ci" profile whenever CI is set at all (CI=false too); both profiles here
# start from its plain defaults and one is loaded by our reading of CI.
settings.register_profile(
    "derandomized",
    parent=settings.get_profile("default"),
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("explore", parent=settings.get_profile("default"))
settings.load_profile("derandomized" if under_ci() else "explore")


def sample_files() -> list[Path]:
    """Every bundled sample dump file, both eras, all four kinds."""
    return sorted(SAMPLES_2020.glob("*.xml.gz")) + sorted(SAMPLES_2025.glob("*.xml.gz"))


@pytest.fixture
def samples_2020() -> Path:
    return SAMPLES_2020


@pytest.fixture
def samples_2025() -> Path:
    return SAMPLES_2025
