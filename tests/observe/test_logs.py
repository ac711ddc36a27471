"""The logging chain: stdlib and structlog lines alike, JSON off a terminal, one console on one."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import threading
import time
import warnings
from collections.abc import Iterator

import click
import pytest
from rich.console import Console

from discogsography.runtime import logs
from discogsography.runtime.progress_bars import byte_progress

SECRET = "pw-s3cr3t-never-shown"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(autouse=True)
def fresh_logging() -> Iterator[None]:
    logs.reset_logging()
    yield
    logs.reset_logging()


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def test_library_lines_tracebacks_and_warnings_are_json_with_the_service(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logs.configure_logging("tableinator", json_output=True)
    logs.get_logger("discogsography.tableinator").info("✅ ours", url=f"amqp://u:{SECRET}@h/")
    logging.getLogger("aiormq.connection").error(
        "Unexpected connection close from remote %r", f"amqp://u:{SECRET}@h/"
    )
    try:
        raise ConnectionResetError(f"reset by amqp://u:{SECRET}@h/")
    except ConnectionResetError:
        logging.getLogger("aiormq.connection").warning("Cancelling cause reader exited", exc_info=True)
    warnings.warn("a library's warning", UserWarning, stacklevel=1)
    thread = threading.Thread(target=lambda: 1 / 0)
    thread.start()
    thread.join()

    err = capsys.readouterr().err
    assert SECRET not in err
    lines = json_lines(err)  # every line is one JSON object, the tracebacks inside them
    assert [line["service"] for line in lines] == ["tableinator"] * 5
    ours, library, traced, warned, crashed = lines
    assert ours["event"] == "✅ ours" and ours["level"] == "info" and ours["timestamp"]
    assert library["logger"] == "aiormq.connection" and library["level"] == "error"
    assert traced["level"] == "warning"
    assert str(traced["exception"]).startswith("Traceback (most recent call last):")
    assert "ConnectionResetError: reset by amqp://u:***@h/" in str(traced["exception"])
    assert warned["logger"] == "py.warnings" and "a library's warning" in str(warned["event"])
    assert crashed["level"] == "critical" and "ZeroDivisionError" in str(crashed["exception"])


def test_the_level_applies_to_library_lines_too(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure_logging("extractor", "WARNING", json_output=True)
    logs.get_logger("discogsography.extractor").info("hidden")
    logging.getLogger("aio_pika.robust_connection").info("hidden too")
    logging.getLogger("aio_pika.robust_connection").warning("shown")
    assert [line["event"] for line in json_lines(capsys.readouterr().err)] == ["shown"]
    logs.configure_logging("extractor", "DEBUG", json_output=True)  # again: a new level
    logging.getLogger("a.library").debug("now shown")
    # The broker drivers' DEBUG is frame by frame: never shown, their INFO is.
    logging.getLogger("aiormq.connection").debug("a frame")
    logging.getLogger("aiormq.connection").info("a state")
    assert [line["event"] for line in json_lines(capsys.readouterr().err)] == ["now shown", "a state"]


def test_the_last_warnings_and_errors_are_kept_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure_logging("tableinator", json_output=True)
    log = logs.get_logger("discogsography.tableinator")
    log.info("not a problem")
    for number in range(logs.RECENT_PROBLEMS + 5):
        log.warning("⚠️ RabbitMQ unavailable, will retry", error=f"try {number} amqp://u:{SECRET}@h/")
    try:
        raise OSError("disk full")
    except OSError:
        logging.getLogger("psycopg").exception("library failure")
    capsys.readouterr()
    problems = logs.recent_problems()
    assert len(problems) == logs.RECENT_PROBLEMS
    assert problems[0]["error"] == "try 6 amqp://u:***@h/"
    assert SECRET not in json.dumps(problems)
    last = problems[-1]
    assert last["level"] == "error" and last["event"] == "library failure"
    assert last["error"] == "OSError: disk full" and last["timestamp"]
    assert set(last) == {"timestamp", "level", "event", "error"}


def test_the_final_error_is_a_json_line_where_the_command_logs_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logs.report_error("before logging is set up")
    assert capsys.readouterr().err == "error: before logging is set up\n"
    logs.configure_logging("pipeline", json_output=True)
    logs.report_error("the extractor failed")
    (line,) = json_lines(capsys.readouterr().err)
    assert line["event"] == "error: the extractor failed" and line["service"] == "pipeline"
    logs.configure_logging("cache", json_output=True, plain_errors=True)
    logs.report_error("import: no such table")
    assert capsys.readouterr().err == "error: import: no such table\n"


def test_the_service_defaults_to_the_subcommand_running(capsys: pytest.CaptureFixture[str]) -> None:
    root = click.Context(click.Group("discogsography"), info_name="discogsography")
    with click.Context(click.Command("dashboard"), parent=root, info_name="dashboard"):
        logs.configure_logging(json_output=True)
    logs.get_logger("x").info("hello")
    (line,) = json_lines(capsys.readouterr().err)
    assert line["service"] == "dashboard"


def _terminal_output(shared: bool) -> str:
    """Log lines while a progress bar runs, on a terminal that records what it was sent."""
    buffer = io.StringIO()
    terminal = Console(file=buffer, force_terminal=True, width=100, color_system=None)
    logs.configure_logging("extractor", json_output=False, target=terminal)
    log = logs.get_logger("discogsography.extractor")
    with byte_progress(True, 1000, "releases") as advance:
        for step in range(1, 21):
            advance(step * 50)
            if shared:
                log.info("📤 Processing file", step=step)
            else:  # what the services did before: their own stream beside the bar's console
                buffer.write(f"... [info     ] 📤 Processing file step={step}\n")
            time.sleep(0.02)
    return buffer.getvalue()


def _garbled(output: str) -> list[str]:
    """Screen lines holding both a bar and a log line's text."""
    rows = re.split(r"[\r\n]|\x1b\[2K|\x1b\[\d*A", output)
    return [row for row in (ANSI.sub("", r) for r in rows) if "Processing file" in row and "━" in row]


def test_log_lines_and_progress_bars_share_one_console() -> None:
    output = _terminal_output(shared=True)
    assert _garbled(output) == []
    plain = ANSI.sub("", output)
    for step in range(1, 21):  # every line whole, on a row of its own
        assert re.search(rf"^.*📤 Processing file +.*step={step}\s*$", plain, re.MULTILINE), step
    assert "releases" in plain and "━" in plain


def test_the_garble_check_sees_a_log_line_written_beside_the_bar() -> None:
    assert _garbled(_terminal_output(shared=False))


def test_a_child_process_json_lines_are_printed_on_this_console() -> None:
    buffer = io.StringIO()
    terminal = Console(file=buffer, force_terminal=True, width=200, color_system=None)
    logs.configure_logging("pipeline", json_output=False, target=terminal)
    reader, writer = os.pipe()
    child = {"event": "🐰 Connected to RabbitMQ", "level": "info", "service": "tableinator", "prefix": "x"}
    with os.fdopen(writer, "wb") as pipe:
        pipe.write(json.dumps(child).encode() + b"\n")
        pipe.write(f"a plain line amqp://u:{SECRET}@h/\n".encode())
    with os.fdopen(reader, "rb") as stream:
        logs.relay_lines(stream).join(timeout=10)
    first, second = ANSI.sub("", buffer.getvalue()).splitlines()
    assert "🐰 Connected to RabbitMQ" in first and "service=tableinator" in first and "{" not in first
    assert second == "a plain line amqp://u:***@h/"
