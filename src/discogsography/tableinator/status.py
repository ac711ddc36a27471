"""What the tableinator says about itself: each server's state (logged once per change) and /health."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from discogsography.kinds import Kind
from discogsography.runtime.logs import get_logger
from discogsography.tableinator.pending import KindStats

log = get_logger("discogsography.tableinator")


class ServerState:
    """One server as the service sees it: unknown, up, or down with the last error.

    Every try of a retry reports here; only a change (up to down, down to up) is logged, so an
    outage is two lines however long it lasts. The last error stays for /health.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.ok: bool | None = None
        self.error: str | None = None

    def down(self, error: str, *, message: str | None = None, **fields: Any) -> None:
        if "retry_in" in fields:
            fields["retry_in"] = round(fields["retry_in"], 2)
        if self.ok is not False:
            log.warning(message or f"⚠️ {self.name} unavailable, will retry", error=error, **fields)
        else:
            log.debug(f"{self.name} still unavailable", error=error, **fields)
        self.ok, self.error = False, error

    def up(self, message: str | None = None) -> None:
        if self.ok is False:
            log.info(message or f"✅ {self.name} available again")
        self.ok, self.error = True, None

    def describe(self) -> str:
        return {None: "unknown", True: "ok", False: "unavailable"}[self.ok]


class _Consumer(Protocol):
    @property
    def stats(self) -> KindStats: ...
    @property
    def refused(self) -> str | None: ...
    @property
    def db_version(self) -> str | None: ...
    @property
    def db_version_known(self) -> bool: ...
    @property
    def pending_records(self) -> int: ...
    @property
    def consuming(self) -> bool: ...


class _Nodes(Protocol):
    @property
    def node(self) -> str | None: ...


class _Broker(Protocol):
    @property
    def state(self) -> ServerState: ...
    @property
    def nodes(self) -> _Nodes: ...
    def state_name(self, all_complete: bool) -> str: ...


class _Service(Protocol):
    """What /health reads of the service (tableinator_service.py's Tableinator), without importing it."""

    @property
    def consumers(self) -> Mapping[Kind, _Consumer]: ...
    @property
    def broker(self) -> _Broker: ...
    @property
    def database(self) -> ServerState: ...
    @property
    def completed(self) -> set[Kind]: ...
    @property
    def running(self) -> bool: ...
    @property
    def started_at(self) -> float: ...


def health_report(service: _Service) -> tuple[bool, dict[str, Any]]:
    """(healthy, the body of /health)."""
    consumers = service.consumers
    broker = service.broker.state_name(service.completed == set(Kind))
    refused = {kind.value: c.refused for kind, c in consumers.items() if c.refused}
    healthy = (
        service.running
        and service.database.ok is not False
        and broker in ("connected", "idle")
        and not refused
    )
    last_times = {kind.value: _iso(c.stats.last_message_at) for kind, c in consumers.items()}
    known = [c.stats.last_message_at for c in consumers.values() if c.stats.last_message_at]
    return healthy, {
        "status": "healthy" if healthy else "unhealthy",
        "service": "tableinator",
        "uptime_seconds": round(time.time() - service.started_at, 1),
        "broker": broker,
        "broker_error": service.broker.state.error,
        "broker_node": service.broker.nodes.node,
        "database": service.database.describe(),
        "database_error": service.database.error,
        # Incremental messages refused because the database is not at their base version.
        "refused": refused,
        "dump_versions": {kind.value: c.db_version for kind, c in consumers.items() if c.db_version_known},
        "counts": {
            kind.value: {
                "records": c.stats.records,
                "changed": c.stats.changed,
                "removed": c.stats.removed,
                "messages": c.stats.messages,
                "dead_lettered": c.stats.dead_lettered,
                "pending": c.pending_records,
                "consuming": c.consuming,
            }
            for kind, c in consumers.items()
        },
        "last_message_time": _iso(max(known)) if known else None,
        "last_message_time_by_kind": last_times,
        "completed_kinds": sorted(kind.value for kind in service.completed),
    }


def _iso(timestamp: float | None) -> str | None:
    return datetime.fromtimestamp(timestamp, UTC).isoformat() if timestamp else None
