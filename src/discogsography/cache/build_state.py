"""The pipeline state file (`.pipeline_state.json`): which steps completed, which failed and why.

Format::

    {"version": 1, "steps": {"import": {"status": "completed", "finished_at": "...Z",
                                         "seconds": 12.5, "summary": "..."},
                              "create_indexes": {"status": "failed", "finished_at": "...",
                                                 "error": "..."}}}

Written atomically (temporary file, fsync, rename, directory fsync): a crash leaves the old or the
new state, never a torn one. A step is recorded "completed" only after it returned.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from discogsography.cache.cache_errors import CacheError
from discogsography.runtime import atomic

STATE_VERSION = 1
COMPLETED = "completed"
FAILED = "failed"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class PipelineState:
    def __init__(self, path: Path, steps: dict[str, dict[str, Any]] | None = None) -> None:
        self.path = path
        self.steps: dict[str, dict[str, Any]] = steps or {}

    @classmethod
    def load(cls, path: Path) -> PipelineState:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError) as exc:
            raise CacheError(f"state file {path} is unreadable: {exc}") from None
        steps = document.get("steps") if isinstance(document, dict) else None
        if not isinstance(steps, dict) or document.get("version") != STATE_VERSION:
            raise CacheError(f"state file {path} is not a version {STATE_VERSION} pipeline state")
        return cls(path, steps)

    def completed(self) -> set[str]:
        return {name for name, entry in self.steps.items() if entry.get("status") == COMPLETED}

    def is_completed(self, step: str, variant: str | None = None) -> bool:
        """Completed, and with the same ``variant`` (e.g. verify's action) when one is given."""
        entry = self.steps.get(step, {})
        return entry.get("status") == COMPLETED and (variant is None or entry.get("variant") == variant)

    def mark_completed(
        self, step: str, *, seconds: float, summary: str = "", variant: str | None = None
    ) -> None:
        entry: dict[str, Any] = {"status": COMPLETED, "finished_at": _now(), "seconds": round(seconds, 3)}
        if summary:
            entry["summary"] = summary
        if variant is not None:
            entry["variant"] = variant
        self.steps[step] = entry
        self.save()

    def mark_failed(self, step: str, error: str) -> None:
        self.steps[step] = {"status": FAILED, "finished_at": _now(), "error": error}
        self.save()

    def mark_inferred(self, steps: set[str]) -> None:
        for step in steps:
            self.steps.setdefault(step, {"status": COMPLETED, "finished_at": _now(), "inferred": True})
        self.save()

    def save(self) -> None:
        document = {"version": STATE_VERSION, "steps": self.steps}
        write_atomically(self.path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(path, text)
