"""Fault-injection fixtures: a PostgreSQL and a RabbitMQ of the suite's own, one dump of 20,000
real records for the session, a pipeline per test, and the reliability report written from the
tests' real outcomes."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.faults import report
from tests.faults.harness import Expected, Pipeline
from tests.faults.servers import PrivateServers, private_servers
from tests.support.dumps import make_dump

DUMP_COUNTS = {"releases": 8000, "artists": 4000, "labels": 4000, "masters": 4000}
FAULT_MODULES = {"test_faults.py", "test_bad_input.py", "test_security.py", "test_cluster.py"}


@pytest.fixture(scope="session")
def private() -> Iterator[PrivateServers]:
    """Started once for the session; the scenarios restart them at will."""
    with private_servers() as servers:
        yield servers


@pytest.fixture(scope="session")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_dump(tmp_path_factory.mktemp("dump20k"), DUMP_COUNTS, date="20300101", level=6)


@pytest.fixture(scope="session")
def expected(dump: Path) -> Expected:
    return Expected.of(dump)


@pytest.fixture
def pipeline(dump: Path, tmp_path: Path, private: PrivateServers) -> Iterator[Pipeline]:
    run = Pipeline(dump, tmp_path, private.servers)
    try:
        yield run
    finally:
        run.close()


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> report.OpenScenario:
    """``scenario(title, fault)``: the report entry this test contributes to."""
    path, line, _ = request.node.location

    def open_scenario(title: str, fault: str) -> report.Scenario:
        return report.scenario(request.node.nodeid, (path, line), title, fault)

    return open_scenario


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    test_report = yield
    report.record_outcome(item.nodeid, test_report.outcome)
    return test_report


_partial_run: list[bool] = []


def pytest_deselected(items: list[pytest.Item]) -> None:
    if any(Path(str(item.path)).parent.name == "faults" for item in items):
        _partial_run.append(True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Only a whole run of the suite rewrites the report, so a partial run never shrinks it.
    ran = {Path(str(item.path)).name for item in session.items}
    finished = exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) and not session.shouldstop
    if ran >= FAULT_MODULES and not _partial_run and finished:
        faults = [item.nodeid for item in session.items if Path(str(item.path)).parent.name == "faults"]
        report.write_report(REPO / "docs" / "reliability.md", faults)
