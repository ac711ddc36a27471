"""The reliability report's own logic: status from the tests' real outcomes, stable lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults import report


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Empty registries for this test, so the run's own report is left alone."""
    monkeypatch.setattr(report, "SCENARIOS", {})
    monkeypatch.setattr(report, "OUTCOMES", {})


def test_a_scenario_passes_only_when_every_one_of_its_tests_passed(registry: None) -> None:
    entry = report.scenario("t.py::a[1]", ("t.py", 3), "A", "fault")
    report.scenario("t.py::a[2]", ("t.py", 3), "A", "fault")
    entry.check("checked")
    report.record_outcome("t.py::a[1]", "passed")
    assert report.status(entry) == "NOT RUN in full"  # a[2] has no outcome
    report.record_outcome("t.py::a[2]", "passed")
    assert report.status(entry) == "passed, 2 tests"
    report.record_outcome("t.py::a[2]", "failed")  # its teardown failed, say
    report.record_outcome("t.py::a[2]", "passed")  # a later phase cannot undo that
    assert report.status(entry) == "FAILED: 1 of 2 tests failed"
    assert "**Checked afterwards** (FAILED: 1 of 2 tests failed)." in report.render([])


def test_tests_that_failed_before_their_scenario_began_are_listed(registry: None) -> None:
    report.record_outcome("t.py::b", "failed")
    assert "- `t.py::b`: failed" in report.render(["t.py::b"])


def test_the_report_is_in_the_order_the_tests_are_written(registry: None) -> None:
    report.scenario("u.py::late", ("u.py", 1), "Second", "fault")
    report.scenario("t.py::early", ("t.py", 90), "First", "fault")
    text = report.render([])
    assert text.index("## First") < text.index("## Second")


def test_lines_hold_no_run_time_paths_or_hashes(tmp_path: Path) -> None:
    line = f"error: {tmp_path}/root/x.xml.gz: sha256 {'ab' * 32} does not match CHECKSUM {'cd' * 32}"
    assert report.plain(line, tmp_path / "root") == (
        "error: $DISCOGS_ROOT/x.xml.gz: sha256 <sha256> does not match CHECKSUM <sha256>"
    )
