"""The reliability report (docs/reliability.md), written from what the scenarios did and checked.

A test opens its scenario with the ``scenario`` fixture and adds what it saw and checked, each
line after the assertions it states. Several tests may share one scenario (the cases of a
parametrized test). The status of a scenario is not the tests' to say: conftest.py records every
test's real outcome, setup and teardown included, and a scenario passed only if each of its
tests did. Lines hold no temporary paths, hashes of files made at run time, or figures that vary
between runs, so two runs of the same tree write the same file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Scenario:
    title: str
    fault: str
    observed: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    tests: list[str] = field(default_factory=list)  # pytest node ids
    order: tuple[str, int] = ("", 0)  # where its first test is defined: the report's order

    def saw(self, line: str) -> None:
        if line not in self.observed:
            self.observed.append(line)

    def check(self, *lines: str) -> None:
        for line in lines:
            if line not in self.checked:
                self.checked.append(line)


# The ``scenario`` fixture: ``scenario(title, fault)`` opens the test's entry.
OpenScenario = Callable[[str, str], Scenario]

SCENARIOS: dict[str, Scenario] = {}
# Node id -> "passed", "failed" or "skipped", from the test reports (conftest.py).
OUTCOMES: dict[str, str] = {}


def scenario(test: str, where: tuple[str, int], title: str, fault: str) -> Scenario:
    """The scenario ``title`` with test ``test`` (defined at ``where``: file, line) added to it."""
    entry = SCENARIOS.setdefault(title, Scenario(title, fault, order=where))
    entry.order = min(entry.order, where)
    assert entry.fault == fault, f"two faults under one title: {title}"
    entry.tests.append(test)
    return entry


def record_outcome(test: str, outcome: str) -> None:
    """The worst outcome of a test's phases: failed > skipped > passed."""
    rank = {"passed": 0, "skipped": 1, "failed": 2}
    if rank[outcome] >= rank[OUTCOMES.get(test, "passed")]:
        OUTCOMES[test] = outcome


def status(entry: Scenario) -> str:
    outcomes = [OUTCOMES.get(test, "not run") for test in entry.tests]
    if all(outcome == "passed" for outcome in outcomes):
        return "passed" if len(outcomes) == 1 else f"passed, {len(outcomes)} tests"
    failed = sum(outcome == "failed" for outcome in outcomes)
    return f"FAILED: {failed} of {len(outcomes)} tests failed" if failed else "NOT RUN in full"


_HASH = re.compile(r"\b[0-9a-f]{64}\b")


def plain(text: str, *paths: Path) -> str:
    """A line for the report: the given run-time paths named by their role, file hashes elided."""
    for path, name in zip(paths, ("$DISCOGS_ROOT", "$DUMP"), strict=False):
        text = text.replace(str(path), name)
    return _HASH.sub("<sha256>", text)


def render(tests: list[str]) -> str:
    """The report of a run of ``tests`` (node ids)."""
    lines = [
        "# Reliability: faults and bad input tried, and what held",
        "",
        "Written by the fault-injection suite (`uv run pytest tests/faults`, run in CI and by",
        "`make test`) from what each scenario did and checked: regenerate it by running the suite,",
        "do not edit it by hand. A scenario's status is its tests' real outcome.",
        "The pipeline is the real one: extractor and tableinator as processes, a RabbitMQ and a",
        "PostgreSQL of the suite's own (started for the run, so restarting them disturbs nobody),",
        "a make_dump.py dump of 20,000 real records (8,000 releases, 4,000 each of artists, labels",
        "and masters).",
        "",
    ]
    # In the order the tests are written, whatever order they ran in (pytest-randomly).
    for entry in sorted(SCENARIOS.values(), key=lambda entry: entry.order):
        lines += [f"## {entry.title}", "", f"**Fault.** {entry.fault}", ""]
        if entry.observed:
            lines += ["**What the system did.**", ""] + [f"- {item}" for item in entry.observed] + [""]
        lines += [f"**Checked afterwards** ({status(entry)}).", ""]
        lines += [f"- {item}" for item in entry.checked] + [""]
    # A test that failed before it opened its scenario (in a fixture, say) still shows.
    in_scenarios = {test for entry in SCENARIOS.values() for test in entry.tests}
    lost = sorted(t for t in tests if t not in in_scenarios and OUTCOMES.get(t, "not run") != "passed")
    if lost:
        lines += ["## Tests that failed before their scenario began", ""]
        lines += [f"- `{test}`: {OUTCOMES.get(test, 'not run')}" for test in lost] + [""]
    return "\n".join(lines)


def write_report(path: Path, tests: list[str]) -> None:
    if SCENARIOS or tests:
        path.write_text(render(tests))
