"""Rates from successive readings: per second, averaged over a sliding window.

A *counter* only grows while its service runs; one that goes down was restarted, so its history
restarts and no rate is shown until the next reading. A *gauge* (a queue's depth) moves both ways
and its rate is signed: negative while the queue drains.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class RateTracker:
    window_seconds: float = 10.0
    _history: dict[str, deque[tuple[float, float]]] = field(default_factory=dict)

    def counter(self, key: str, at: float, value: float | None) -> float | None:
        """Per-second growth of a counter; None without two readings since its last reset."""
        return self._rate(key, at, value, counter=True)

    def gauge(self, key: str, at: float, value: float | None) -> float | None:
        """Per-second change of a gauge (signed); None without two readings."""
        return self._rate(key, at, value, counter=False)

    def _rate(self, key: str, at: float, value: float | None, *, counter: bool) -> float | None:
        if value is None:
            self._history.pop(key, None)  # the thing is not there now: start over when it is back
            return None
        history = self._history.setdefault(key, deque())
        if history and (at <= history[-1][0] or (counter and value < history[-1][1])):
            history.clear()  # a clock going back, or a restarted service's counter
        history.append((at, value))
        while len(history) > 2 and at - history[1][0] >= self.window_seconds:
            history.popleft()
        if len(history) < 2:
            return None
        first_at, first_value = history[0]
        return (value - first_value) / (at - first_at)
