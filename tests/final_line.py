"""The one line a command ends with on an error, read the same way whether it logs JSON or not.

Off a terminal a service's last stderr line is a JSON log line whose event is ``error: ...``;
a report-style command (parse, cache, ...) ends with the plain ``error: ...`` line.
"""

from __future__ import annotations

import json


def final_line(stderr: str) -> str:
    """The last stderr line as text: a JSON line's event (it must be an error), else the line."""
    lines = stderr.strip().splitlines()
    assert lines, "nothing on stderr"
    last = lines[-1]
    if last.startswith("{"):
        event = json.loads(last)
        assert event["level"] in ("error", "critical"), last
        return str(event["event"])
    return last


def error_lines(stderr: str) -> list[str]:
    """Every ``error: ...`` line a command wrote, as text, whether JSON or plain."""
    found = []
    for line in stderr.splitlines():
        if line.startswith("{"):
            event = str(json.loads(line).get("event", ""))
            if event.startswith("error:"):
                found.append(event)
        elif line.startswith("error:"):
            found.append(line)
    return found
