"""Structured logging for every command: JSON lines off a terminal, readable lines on one.

Log events keep the emoji prefixes operators grep for (see the spec's log lines), e.g.
``log.info("✅ Sent file completion message", data_type="artists")``. ``configure_logging``
routes structlog and the standard library's logging (aio-pika, aiormq, asyncio, psycopg,
``warnings``) through one chain of processors and one handler, so every line gets the same
fields: ``event``, ``level``, ``timestamp``, ``logger``, ``service`` (the command writing it),
tracebacks as one ``exception`` field, and secrets redacted (``redact_secrets``).

- Off a terminal each line on stderr is one JSON object.
- On a terminal lines are rendered for people and printed through one rich Console, the one the
  progress bars use (``console()``), so a line is printed above a running bar, never into it.
- The last warnings and errors (``recent_problems()``) are kept for ``/health``'s ``last_errors``.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections import deque
from collections.abc import MutableMapping
from dataclasses import dataclass
from types import TracebackType
from typing import IO, Any

import click
import orjson
import structlog
from rich.console import Console
from rich.text import Text

from discogsography.runtime.redact import redact_text

RECENT_PROBLEMS = 20
_PROBLEM_LEVELS = frozenset({"warning", "error", "critical"})
# Loggers that say something at INFO for every request: only their warnings, unless DEBUG.
_CHATTY_LOGGERS = ("httpx", "httpcore")
# Broker drivers: their INFO describes objects, not the run ("Purging queue: <Queue(...)>", with
# attributes that are not the queue's), their DEBUG is frame by frame. Only their warnings, and
# at DEBUG their INFO: never below INFO, whatever LOG_LEVEL says.
_PROTOCOL_LOGGERS = ("aiormq", "aio_pika", "pamqp", "asyncio")


@dataclass
class _State:
    service: str = "discogsography"
    json_output: bool = False
    configured: bool = False
    plain_errors: bool = True
    console: Console | None = None
    handler: logging.Handler | None = None


_state = _State()
_problems: deque[dict[str, Any]] = deque(maxlen=RECENT_PROBLEMS)


def redact_secrets(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key, value in event_dict.items():
        if isinstance(value, str):
            event_dict[key] = redact_text(value)
    return event_dict


def _add_service(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    event_dict.setdefault("service", _state.service)
    return event_dict


def _error_text(event_dict: MutableMapping[str, Any]) -> str | None:
    """What went wrong, in one line: the event's error or reason, else its exception's last line."""
    for key in ("error", "reason", "broker_error", "database_error"):
        if event_dict.get(key):
            return redact_text(str(event_dict[key]))
    exc_info = event_dict.get("exc_info")
    if exc_info is True:
        exc_info = sys.exc_info()
    if isinstance(exc_info, BaseException):
        return redact_text(f"{type(exc_info).__name__}: {exc_info}")
    if isinstance(exc_info, tuple) and exc_info[1] is not None:
        return redact_text(f"{type(exc_info[1]).__name__}: {exc_info[1]}")
    formatted = event_dict.get("exception")
    if isinstance(formatted, str) and formatted.strip():
        return redact_text(formatted.strip().splitlines()[-1])
    return None


def _remember_problems(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    level = str(event_dict.get("level", ""))
    if level in _PROBLEM_LEVELS:
        _problems.append(
            {
                "timestamp": event_dict.get("timestamp"),
                "level": level,
                "event": redact_text(str(event_dict.get("event", ""))),
                "error": _error_text(event_dict),
            }
        )
    return event_dict


def recent_problems() -> list[dict[str, Any]]:
    """The last RECENT_PROBLEMS warnings and errors, oldest first: timestamp, level, event, error."""
    return list(_problems)


def _json_line(event: Any, **_options: Any) -> str:
    # orjson keeps emoji and accents readable instead of \u escapes; str() for anything exotic.
    return orjson.dumps(event, default=str).decode()


def _redacted_traceback(stream: Any, exc_info: Any) -> None:
    buffer = io.StringIO()
    structlog.dev.plain_traceback(buffer, exc_info)
    stream.write(redact_text(buffer.getvalue()))


class _ConsoleHandler(logging.Handler):
    """Prints through the shared rich Console: above a live progress bar, never inside it."""

    def __init__(self, target: Console) -> None:
        super().__init__()
        self.target = target

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            self.target.print(Text.from_ansi(line), soft_wrap=True, highlight=False)
        except Exception:
            self.handleError(record)


def console() -> Console:
    """The terminal console shared by progress bars and log lines (stderr)."""
    if _state.console is None:
        _state.console = Console(stderr=True)
    return _state.console


def relay_lines(stream: IO[bytes]) -> threading.Thread:
    """Print a child process's log lines on this process's console, as it would on a terminal.

    The child writes JSON lines (its stderr is this pipe); with one process writing to the
    terminal, its lines and this process's progress bars cannot garble each other.
    """
    renderer = structlog.dev.ConsoleRenderer(exception_formatter=_redacted_traceback)

    def relay() -> None:
        for raw in stream:
            text = raw.decode("utf-8", "replace").rstrip("\n")
            try:
                event = orjson.loads(text)
            except orjson.JSONDecodeError:
                event = None
            line = renderer(None, "", dict(event)) if isinstance(event, dict) else redact_text(text)
            console().print(Text.from_ansi(str(line)), soft_wrap=True, highlight=False)

    thread = threading.Thread(target=relay, name="relay-log-lines", daemon=True)
    thread.start()
    return thread


def _service_of_running_command() -> str:
    """The subcommand being run (`discogsography tableinator` -> "tableinator")."""
    context = click.get_current_context(silent=True)
    if context is None or context.parent is None:
        return "discogsography"
    while context.parent is not None and context.parent.parent is not None:
        context = context.parent  # up to the root group's direct subcommand
    return context.info_name or "discogsography"


def configure_logging(
    service: str | None = None,
    level: str = "INFO",
    *,
    json_output: bool | None = None,
    target: Console | None = None,
    plain_errors: bool = False,
) -> None:
    """Set up logging for a command; call it again to change the level.

    ``service`` goes in every line (default: the subcommand being run). JSON when stderr is not
    a terminal (or ``json_output=True``), rendered for people on the shared console otherwise
    (``target`` replaces that console, for tests). ``plain_errors``: the command's final error
    stays a plain ``error: ...`` line even in JSON mode (commands whose stderr is a report).
    """
    if json_output is None:
        json_output = not sys.stderr.isatty()
    if target is not None:
        _state.console = target
    _state.service = service or _service_of_running_command()
    _state.json_output, _state.plain_errors, _state.configured = json_output, plain_errors, True
    numeric = logging.getLevelName(level.upper())
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_service,
    ]
    renderer: Any
    if json_output:
        shared.append(structlog.processors.format_exc_info)  # the traceback becomes one field
        renderer = structlog.processors.JSONRenderer(serializer=_json_line)
        handler: logging.Handler = logging.StreamHandler(sys.stderr)
    else:
        renderer = structlog.dev.ConsoleRenderer(exception_formatter=_redacted_traceback)
        handler = _ConsoleHandler(console())
    shared += [redact_secrets, _remember_problems]
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    if _state.handler is not None:
        root.removeHandler(_state.handler)
    root.addHandler(handler)
    root.setLevel(numeric)
    _state.handler = handler
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(numeric if numeric <= logging.DEBUG else logging.WARNING)
    for name in _PROTOCOL_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO if numeric <= logging.DEBUG else logging.WARNING)
    logging.captureWarnings(True)  # warnings.warn() goes through the same handler
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )
    if json_output:
        sys.excepthook = _log_uncaught
        threading.excepthook = _log_uncaught_in_thread


def command_log_level(option: str | None = None, verbose: int = 0) -> str:
    """The level a command logs at: ``--log-level``, else ``-v`` (INFO; ``-vv``: DEBUG), else
    LOG_LEVEL when set (environment or .env), else INFO off a terminal and WARNING on one.

    On a terminal a person sees the command's own lines (bars, summaries), warnings and errors;
    the services' INFO lines are for logs, which is what a command writes off a terminal.
    """
    if option:
        return option.upper()
    if verbose:
        return "INFO" if verbose == 1 else "DEBUG"
    from discogsography.config.settings_base import ServiceSettings, load  # pydantic only when asked

    settings = load(ServiceSettings)
    if "log_level" in settings.model_fields_set:
        return settings.log_level
    return "WARNING" if sys.stderr.isatty() else settings.log_level


def current_level() -> str:
    """The level this process logs at (its services run at the same one)."""
    return logging.getLevelName(logging.getLogger().getEffectiveLevel())


def configure_command_logging(
    service: str | None = None,
    *,
    log_level: str | None = None,
    verbose: int = 0,
    plain_errors: bool = True,
) -> str:
    """How every command sets up logging (cli/shared_options.py's ``log_options``); returns the level.

    ``plain_errors``: the command's final error is a plain ``error: ...`` line (commands whose
    stderr is a report); services write it as a JSON line off a terminal, like their other lines.
    """
    level = command_log_level(log_level, verbose)
    configure_logging(service, level, plain_errors=plain_errors)
    return level


def _log_uncaught(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
    get_logger("discogsography").critical("❌ Unexpected error", exc_info=(kind, error, trace))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None and args.exc_type is not SystemExit:
        _log_uncaught(args.exc_type, args.exc_value, args.exc_traceback)


def reset_logging() -> None:
    """Undo ``configure_logging`` (tests, or a process that hands logging back)."""
    global _state
    if _state.handler is not None:
        logging.getLogger().removeHandler(_state.handler)
    logging.captureWarnings(False)
    sys.excepthook, threading.excepthook = sys.__excepthook__, threading.__excepthook__
    structlog.reset_defaults()
    _problems.clear()
    _state = _State()


def writes_json() -> bool:
    """Whether this process logs JSON lines (off a terminal) rather than lines for people."""
    return _state.json_output


def service_name() -> str:
    """The ``service`` field of this process's lines."""
    return _state.service


def report_error(message: str) -> None:
    """A command's final error: one JSON line where it logs JSON, else ``error: message``."""
    if _state.configured and _state.json_output and not _state.plain_errors:
        get_logger("discogsography").error(f"error: {message}")
    else:
        click.echo(f"error: {message}", err=True)


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
