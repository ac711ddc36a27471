"""Options shared by commands are one definition each: the same name, default and help everywhere."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from discogsography.cli import cli
from discogsography.cli.shared_options import DEFAULT_WORKERS
from discogsography.runtime.logs import command_log_level


def leaf_commands(group: click.Group, ctx: click.Context) -> Iterator[tuple[str, click.Command]]:
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        if isinstance(command, click.Group):
            for sub_name, sub in leaf_commands(command, ctx):
                yield f"{name} {sub_name}", sub
        else:
            yield name, command


COMMANDS = dict(leaf_commands(cli, click.Context(cli)))


def options(command: click.Command) -> dict[str, click.Option]:
    return {param.name or "": param for param in command.params if isinstance(param, click.Option)}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_takes_log_level_and_verbose(name: str) -> None:
    found = options(COMMANDS[name])
    assert found["log_level"].opts == ["--log-level"]
    assert found["verbose"].opts == ["--verbose", "-v"]


def test_every_workers_option_is_the_same_option() -> None:
    workers = {
        name: options(command)["workers"]
        for name, command in COMMANDS.items()
        if "workers" in options(command)
    }
    assert set(workers) == {"parse", "load", "export", "cache build", "cache convert"}
    assert {(tuple(o.opts), o.default, o.help) for o in workers.values()} == {
        (("--workers", "-w"), DEFAULT_WORKERS, workers["parse"].help)
    }


def test_every_progress_option_is_the_same_option() -> None:
    progress = [
        options(command)["progress"] for command in COMMANDS.values() if "progress" in options(command)
    ]
    assert len(progress) == 5
    assert {(tuple(o.opts), tuple(o.secondary_opts), o.help) for o in progress} == {
        (("--progress",), ("--no-progress",), progress[0].help)
    }


def test_one_name_for_a_database_url() -> None:
    named = {
        name: option.opts
        for name, command in COMMANDS.items()
        for option in options(command).values()
        if not option.hidden and ("url" in (option.name or "") or "dsn" in (option.name or ""))
    }
    databases = {name for name, opts in named.items() if opts == ["--database-url"]}
    assert {"load", "db init", "cache build", "cache import", "cache search"} <= databases
    # The rest name other servers: the MySQL catalog, the copy's target.
    assert {opt for name, opts in named.items() if name not in databases for opt in opts} <= {
        "--wxyc-db-url",
        "--copy-to",
        "--target-db-url",
    }


@pytest.mark.parametrize(
    ("option", "verbose", "environment", "on_a_terminal", "level"),
    [
        ("error", 0, {"LOG_LEVEL": "DEBUG"}, True, "ERROR"),
        (None, 1, {"LOG_LEVEL": "ERROR"}, True, "INFO"),
        (None, 2, {}, True, "DEBUG"),
        (None, 0, {"LOG_LEVEL": "INFO"}, True, "INFO"),
        (None, 0, {}, True, "WARNING"),
        (None, 0, {}, False, "INFO"),
        (None, 0, {"LOG_LEVEL": "ERROR"}, False, "ERROR"),
    ],
)
def test_the_level_a_command_logs_at(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    option: str | None,
    verbose: int,
    environment: dict[str, str],
    on_a_terminal: bool,
    level: str,
) -> None:
    monkeypatch.chdir(str(tmp_path))  # no .env
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr("sys.stderr.isatty", lambda: on_a_terminal)
    assert command_log_level(option, verbose) == level
    assert os.environ.get("LOG_LEVEL") == environment.get("LOG_LEVEL")
