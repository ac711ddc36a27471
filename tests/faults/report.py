"""Collects what each fault scenario did and checked, and writes docs/reliability.md from it,
so the report always says what the last run of the suite actually verified."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Scenario:
    title: str
    fault: str
    observed: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    passed: bool = False


SCENARIOS: list[Scenario] = []


def scenario(title: str, fault: str) -> Scenario:
    entry = Scenario(title, fault)
    SCENARIOS.append(entry)
    return entry


def write_report(path: Path) -> None:
    if not SCENARIOS:
        return
    lines = [
        "# Reliability: faults and bad input tried, and what held",
        "",
        "Written by the fault-injection suite (`uv run pytest -m faults`, run in CI) from what each",
        "scenario did and checked: regenerate it by running the suite, do not edit it by hand.",
        "The pipeline is the real one: extractor and tableinator as processes, the machine's",
        "RabbitMQ and PostgreSQL, a make_dump.py dump of 20,000 real records",
        "(8,000 releases, 4,000 each of artists, labels and masters).",
        "",
    ]
    for entry in SCENARIOS:
        lines += [f"## {entry.title}", "", f"**Fault.** {entry.fault}", ""]
        if entry.observed:
            lines += ["**What the system did.**", ""] + [f"- {item}" for item in entry.observed] + [""]
        status = "passed" if entry.passed else "FAILED"
        lines += [f"**Checked afterwards** ({status}).", ""] + [f"- {item}" for item in entry.checked] + [""]
    path.write_text("\n".join(lines))
