"""Structured logging for the services: JSON lines off a terminal, readable lines on one.

Log events keep the emoji prefixes operators grep for (see the spec's log lines), e.g.
``log.info("✅ Sent file completion message", data_type="artists")``. Every event passes through
``redact_secrets`` so a password in a URL never reaches a log.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import orjson
import structlog

from discogsography.redact import redact_text


def redact_secrets(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key, value in event_dict.items():
        if isinstance(value, str):
            event_dict[key] = redact_text(value)
    return event_dict


def _json_line(event: Any, **_options: Any) -> str:
    # orjson keeps emoji and accents readable instead of \u escapes; str() for anything exotic.
    return orjson.dumps(event, default=str).decode()


def configure_logging(*, json_output: bool | None = None, level: str = "INFO") -> None:
    """JSON when stderr is not a terminal (or json_output=True), console rendering otherwise."""
    if json_output is None:
        json_output = not sys.stderr.isatty()
    renderer: Any = (
        structlog.processors.JSONRenderer(serializer=_json_line)
        if json_output
        else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact_secrets,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
