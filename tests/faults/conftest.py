"""Fault-injection fixtures: one dump of 20,000 real records for the session, a pipeline per test,
and the reliability report written from what the scenarios recorded."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.faults.harness import Expected, Pipeline
from tests.faults.report import write_report

DUMP_COUNTS = {"releases": 8000, "artists": 4000, "labels": 4000, "masters": 4000}


@pytest.fixture(scope="session")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dump20k")
    counts = [f"--{kind}={count}" for kind, count in DUMP_COUNTS.items()]
    subprocess.run(
        [sys.executable, str(REPO / "bench" / "make_dump.py"), str(out), "--date", "20300101", *counts],
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="session")
def expected(dump: Path) -> Expected:
    return Expected.of(dump)


@pytest.fixture
def pipeline(dump: Path, tmp_path: Path) -> Iterator[Pipeline]:
    run = Pipeline(dump, tmp_path)
    try:
        yield run
    finally:
        run.close()


FAULT_MODULES = {"test_faults.py", "test_bad_input.py", "test_security.py"}
_partial_run: list[bool] = []


def pytest_deselected(items: list[pytest.Item]) -> None:
    if any(Path(str(item.path)).parent.name == "faults" for item in items):
        _partial_run.append(True)


@pytest.fixture(scope="session", autouse=True)
def reliability_report(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    # Only a run of the whole suite rewrites the report, so a partial run never shrinks it.
    ran = {Path(str(item.path)).name for item in request.session.items}
    if ran >= FAULT_MODULES and not _partial_run:
        write_report(REPO / "docs" / "reliability.md")
