"""The `discogsography` command. Subcommands live beside the code they drive and load lazily."""

from __future__ import annotations

import importlib
import signal
import sys
from typing import Any

import click

from discogsography import __version__
from discogsography.errors import DiscogsographyError

# name -> "module:attribute" of a click command; loaded only when used, so `parse` never
# imports the database or broker drivers.
SUBCOMMANDS: dict[str, str] = {
    "parse": "discogsography.commands.parse:parse",
    "extractor": "discogsography.extractor.cli:extractor",
    "tableinator": "discogsography.tableinator.cli:tableinator",
    "db": "discogsography.tableinator.cli:db",
    "cache": "discogsography.cache.cli:cache",
    "pipeline": "discogsography.pipeline:pipeline",
    "export": "discogsography.export.command:export",
    "load": "discogsography.load.command:load",
    "samples": "discogsography.commands.samples:samples",
    "completion": "discogsography.commands.completion:completion",
    "dashboard": "discogsography.dashboard.command:dashboard",
}


# Services shut down cleanly on SIGTERM once they run. One asked to stop while it is still
# starting (importing, before its own handlers are in place) has done nothing yet: that is a clean
# stop too, exit status 0, never death by the signal.
SERVICES = frozenset({"extractor", "tableinator", "dashboard"})


def _stopped_while_starting(signum: int, frame: object) -> None:
    raise SystemExit(0)


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in SUBCOMMANDS if self._load(name) is not None)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in SERVICES and ctx.resilient_parsing is False:
            signal.signal(signal.SIGTERM, _stopped_while_starting)
        return self._load(cmd_name)

    @staticmethod
    def _load(name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                return None  # that part of the system is not installed in this build
            raise
        command = getattr(module, attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="discogsography")
def cli() -> None:
    """Turn the monthly Discogs data dumps into databases people can query."""


def main(argv: list[str] | None = None) -> Any:
    """Entry point: every deliberate error becomes one line on stderr and exit status 1."""
    try:
        return cli.main(args=argv, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except DiscogsographyError as exc:
        from discogsography.logs import report_error

        report_error(str(exc))  # a JSON line where the command logs JSON
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
