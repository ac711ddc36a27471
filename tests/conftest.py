"""Fixtures every test folder may use: where the bundled real samples are."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
SAMPLES_2020 = SAMPLES / "discogs_20200806"
SAMPLES_2025 = SAMPLES / "discogs_2025_2026"
KINDS = ("artists", "labels", "masters", "releases")


def sample_files() -> list[Path]:
    """Every bundled sample dump file, both eras, all four kinds."""
    return sorted(SAMPLES_2020.glob("*.xml.gz")) + sorted(SAMPLES_2025.glob("*.xml.gz"))


@pytest.fixture
def samples_2020() -> Path:
    return SAMPLES_2020


@pytest.fixture
def samples_2025() -> Path:
    return SAMPLES_2025
